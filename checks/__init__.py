"""The student check: is each exercise done, wrong (and why), or still TODO?

From a notebook: ``from checks import check, show``; ``check(rnn_step_forward)`` prints a verdict.
From the shell: ``make check`` (``python -m checks``) prints a table of every exercise.
"""

import importlib.util
import sys

# Run by another Python than the course's (`/usr/bin/python3 -m checks`), the check would end in a
# bare ModuleNotFoundError: say so in one line instead, with the command that uses the course's venv.
if importlib.util.find_spec("numpy") is None:
    raise SystemExit(
        f"error: {sys.executable} is not the course's Python (it has no NumPy): run `make check` in the "
        "course folder, which uses the course's own environment (.venv/)"
    )

from .notebook import check, show

__all__ = ["check", "show"]
