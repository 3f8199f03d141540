"""Realistic wrong versions of the character language model's exercises: edits of the reference solution's
own text (tests/mutants.py's `edited`)."""

from tests.mutants import Mutant, edited


def mutant(function, name, hint, *pairs):
    return Mutant(function, name, edited(function, *pairs, module="char_lm"), hint, module="char_lm")


CHAR_LM_MUTANTS = [
    mutant(
        "sample_with_temperature",
        "argmax instead of a sample",
        "argmax",
        ("    picks = (probs.cumsum(axis=1) < u).sum(axis=1)\n", "    picks = probs.argmax(axis=1)\n"),
    ),
    mutant(
        "sample_with_temperature",
        "temperature applied after the softmax",
        "before the softmax",
        ("    z = scores / temperature\n", "    z = scores\n"),
        (
            "    probs /= probs.sum(axis=1, keepdims=True)\n",
            "    probs /= probs.sum(axis=1, keepdims=True)\n"
            "    probs = probs / temperature\n"
            "    probs /= probs.sum(axis=1, keepdims=True)\n",
        ),
    ),
    mutant(
        "sample_with_temperature",
        "temperature multiplies the scores",
        "before the softmax",
        ("    z = scores / temperature\n", "    z = scores * temperature\n"),
    ),
    mutant(
        "sample_with_temperature",
        "no maximum subtracted",
        "large scores",
        ("    z = z - z.max(axis=1, keepdims=True)\n", ""),
    ),
    mutant(
        "sample_with_temperature",
        "the same draw for every row",
        None,
        (
            "    u = rng.random((scores.shape[0], 1))\n",
            "    u = rng.random() * np.ones((scores.shape[0], 1))\n",
        ),
    ),
    mutant(
        "truncated_bptt_epoch",
        "hidden state not carried between chunks",
        "previous chunk ended in",
        (
            "        stop = min(start + chunk_length, L - 1)\n",
            "        stop = min(start + chunk_length, L - 1)\n        model.reset_state()\n",
        ),
    ),
    mutant(
        "truncated_bptt_epoch",
        "state not reset at the start of an epoch",
        "start of every epoch",
        ("    model.reset_state()\n    losses = []\n", "    losses = []\n"),
    ),
    mutant(
        "truncated_bptt_epoch",
        "targets not shifted",
        "first chunk",
        ("stream[:, start + 1 : stop + 1]", "stream[:, start:stop]"),
    ),
    mutant(
        "truncated_bptt_epoch",
        "last partial chunk dropped",
        "chunk losses",
        ("range(0, L - 1, chunk_length)", "range(0, L - chunk_length, chunk_length)"),
    ),
    mutant(
        "truncated_bptt_epoch",
        "one optimizer step per epoch instead of per chunk",
        "optimizer",
        (
            "            model.clip_gradients(max_norm)\n        optimizer.step()\n",
            "            model.clip_gradients(max_norm)\n    optimizer.step()\n",
        ),
    ),
]
