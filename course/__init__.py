"""What runs the course on a student's machine: the virtual environment's set-up, JupyterLab and the
data builders. Ships whole with the student edition (maintainer-only code lives in tools/)."""
