"""Every exercise of the course, in course order, and where each is practised."""

from . import rnn

EXERCISES = [*rnn.EXERCISES]

BY_NAME = {exercise.name: exercise for exercise in EXERCISES}


def notebooks():
    """Notebook names (without .ipynb) in course order, each once."""
    return sorted({exercise.notebook for exercise in EXERCISES})


def find(name):
    """The Exercise called `name`; KeyError naming the known ones if there is none."""
    try:
        return BY_NAME[name]
    except KeyError:
        known = ", ".join(BY_NAME)
        raise KeyError(f"no check for {name!r}; the exercises are: {known}") from None
