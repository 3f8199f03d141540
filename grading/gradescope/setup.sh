#!/usr/bin/env bash
# Gradescope runs this once, as root, when it builds the autograder's image. Choose Gradescope's Ubuntu
# 24.04 base image (the course needs Python 3.11 or newer). Nothing is downloaded but packages: apt's,
# and the pinned requirements from the Python package index. The data sets are built here, once.
set -euo pipefail
cd /autograder/source
apt-get update -q
apt-get install -y -q make python3-venv python3-pip util-linux
PYTHON=$(command -v python3.13 || command -v python3.12 || command -v python3.11 || command -v python3)
make setup data PYTHON="$PYTHON"
# The student's code runs as a uid of its own (grading/sandbox.py); the grader and its plan (the
# expected outputs) are root's alone, and the grader refuses to run a submission that could read them.
chmod -R go-rwx grading
