"""Every exercise of the course, in course order (by notebook), and where each is practised."""

from . import attention, captioning, char_lm, gru, linear_rnn, lstm, rnn, seq2seq

# Sorted by notebook; within a notebook, in the order the notebook asks for them.
EXERCISES = sorted(
    [
        *rnn.EXERCISES,
        *lstm.EXERCISES,
        *gru.EXERCISES,
        *captioning.EXERCISES,
        *char_lm.EXERCISES,
        *attention.EXERCISES,
        *seq2seq.EXERCISES,
        *linear_rnn.EXERCISES,
    ],
    key=lambda e: e.notebook,
)

BY_NAME = {exercise.name: exercise for exercise in EXERCISES}


def find(name):
    """The Exercise called `name`; KeyError naming the known ones if there is none."""
    try:
        return BY_NAME[name]
    except KeyError:
        known = ", ".join(BY_NAME)
        raise KeyError(f"no check for {name!r}; the exercises are: {known}") from None
