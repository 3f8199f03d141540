"""The student check: is each exercise done, wrong (and why), or still TODO?

From a notebook: ``from checks import check, show``; ``check(rnn_step_forward)`` prints a verdict.
From the shell: ``make check`` (``python -m checks``) prints a table of every exercise.
"""

from .notebook import check, show

__all__ = ["check", "show"]
