"""Checks for the character language model: sampling with a temperature, truncated backprop through time.

Sampling is random, so its check compares how often each index is drawn (over many draws with a fixed
seed) with the probabilities softmax(scores / temperature) the reference produces: any correct way of
drawing passes, and a sampler that takes the argmax or ignores the temperature does not.
"""

import numpy as np

from .core import Case, Exercise, Mismatch, call_unchanged, sibling
from .inputs import array, random_state

NOTEBOOK = "07_char_language_model"
DRAWS = 20000
# Frequencies of 20,000 draws differ from the probabilities by at most ~0.018 (5 standard deviations,
# p = 0.5) for a correct sampler; the mistakes below are off by 0.1 or more.
FREQUENCY_TOL = 0.05

T_ONE = "temperature 1"
T_COLD = "temperature 0.5 (sharper)"
T_HOT = "temperature 2 (flatter)"
T_LARGE = "large scores (|scores| up to ~1e3)"


def _sample_inputs(case):
    scores = array(170, 3, 4)  # from a seed, so that a grader's hidden variants draw other scores
    temperature = {T_ONE: 1.0, T_COLD: 0.5, T_HOT: 2.0, T_LARGE: 1.0}[case]
    if case == T_LARGE:
        scores = scores + np.array([[1e3], [-1e3], [5e2]])  # the same distributions, shifted far
    return {"scores": scores, "temperature": temperature, "seed": 7}


def _run_sample(module, k):
    scores = np.repeat(k["scores"], DRAWS, axis=0)
    rng = random_state(k["seed"])
    picks = call_unchanged(
        module.sample_with_temperature, [scores, k["temperature"], rng], ("scores", "t", "rng")
    )
    picks = np.asarray(picks)
    if picks.shape != (scores.shape[0],):
        raise Mismatch(
            f"should return one index per row, shape ({scores.shape[0]},); got shape {picks.shape}"
        )
    if not np.issubdtype(picks.dtype, np.integer):
        raise Mismatch(f"should return integer indices, got dtype {picks.dtype}")
    V = scores.shape[1]
    rows = picks.reshape(len(k["scores"]), DRAWS)
    freq = np.stack([np.bincount(r, minlength=V)[:V] / DRAWS for r in rows])
    return {"frequencies": freq}


def _diagnose_sample(report, refs):
    freq = report.actual.get(T_ONE, {}).get("frequencies")
    if freq is not None and np.all(np.isclose(freq.max(axis=1), 1.0)):
        return (
            "Every draw is the most likely index: that is the argmax, not a sample. Draw from the "
            "probabilities (rng.choice with p=..., or a uniform number against their cumulative sum)."
        )
    if not report.failed(T_ONE) and (report.failed(T_COLD) or report.failed(T_HOT)):
        return (
            "Right at temperature 1 only: divide the scores by the temperature before the softmax "
            "(scaling or renormalizing the probabilities afterwards does not change the distribution)."
        )
    if report.failed(T_LARGE) and not report.failed(T_ONE):
        return "Wrong only for large scores: subtract each row's maximum before exponentiating."
    return "Draw index v with probability softmax(scores / temperature)[v], independently for every row."


sample_with_temperature = Exercise(
    name="sample_with_temperature",
    notebook=NOTEBOOK,
    module="char_lm",
    run=_run_sample,
    cases=[
        Case(k, c, lambda c=c: _sample_inputs(c))
        for k, c in (("t_one", T_ONE), ("t_cold", T_COLD), ("t_hot", T_HOT), ("t_large", T_LARGE))
    ],
    diagnose=_diagnose_sample,
    tolerances={"frequencies": FREQUENCY_TOL},
)


B_RNN = "rnn cell, 2 streams of 11 characters, chunks of 4"
B_LSTM = "lstm cell, chunks of 3"
B_ONE = "one chunk longer than the streams"
V_SMALL = 6


def _tbptt_inputs(case):
    cell, chunk, seed = {B_RNN: ("rnn", 4, 140), B_LSTM: ("lstm", 3, 150), B_ONE: ("rnn", 50, 160)}[case]
    stream = random_state(seed).randint(0, V_SMALL, size=(2, 11))
    return {"cell": cell, "chunk": chunk, "seed": seed, "stream": stream}


def _run_tbptt(module, k):
    model = module.CharRNN(
        V_SMALL, embed_dim=3, hidden_dim=4, cell_type=k["cell"], dtype=np.float64, seed=k["seed"]
    )
    for layer in model.layers:  # non-zero biases and larger weights, so that every term shows
        for name, value in layer.params.items():
            layer.params[name] = array(k["seed"] + len(name), *value.shape, scale=0.6)
    optimizer = sibling(module, "layers").Optimizer(model.layers, "sgd", learning_rate=0.3)
    epochs = []
    for _ in range(2):  # two epochs: the second must start from a fresh state again
        losses = module.truncated_bptt_epoch(model, optimizer, k["stream"], k["chunk"], max_norm=None)
        if not isinstance(losses, list | tuple | np.ndarray):
            raise Mismatch(f"should return the list of chunk losses, got {type(losses).__name__}")
        epochs.append(np.asarray(losses, dtype=np.float64))
    if len(epochs[0]) != len(epochs[1]):
        raise Mismatch("the two epochs returned different numbers of chunk losses")
    params = np.concatenate([p.ravel() for layer in model.layers for p in layer.params.values()])
    return {"epoch 1 losses": epochs[0], "epoch 2 losses": epochs[1], "parameters after training": params}


def _diagnose_tbptt(report, refs):
    case = next(c for c in (B_RNN, B_LSTM, B_ONE) if report.failed(c))
    got, ref = report.actual[case]["epoch 1 losses"], refs[case]["epoch 1 losses"]
    if got.shape != ref.shape:
        n = len(ref)
        return (
            f"There should be {n} chunk losses here: chunks start at 0, chunk_length, 2 * chunk_length, ... "
            "and the last one, which may be shorter, predicts the stream's last character."
        )
    if abs(got[0] - ref[0]) > 1e-8 * abs(ref[0]):
        return (
            "The first chunk's loss is already wrong: from a fresh state, the model reads "
            "stream[:, 0:chunk_length] and predicts the characters one step later."
        )
    if np.allclose(got, ref, rtol=1e-8) and report.failed(case, "epoch 2 losses"):
        return "The first epoch is right, the second is not: reset the state at the start of every epoch."
    if not np.allclose(got, ref, rtol=1e-8):
        return (
            "The first chunk is right but later ones are not: each chunk must start from the state the "
            "previous chunk ended in (do not reset it between chunks), after one optimizer step per chunk."
        )
    return "The losses are right but the parameters are not: one optimizer.step() after each chunk's loss."


truncated_bptt_epoch = Exercise(
    name="truncated_bptt_epoch",
    notebook=NOTEBOOK,
    module="char_lm",
    run=_run_tbptt,
    cases=[
        Case(k, c, lambda c=c: _tbptt_inputs(c))
        for k, c in (("b_rnn", B_RNN), ("b_lstm", B_LSTM), ("b_one", B_ONE))
    ],
    diagnose=_diagnose_tbptt,
    needs=(
        "word_embedding_forward",
        "word_embedding_backward",
        "temporal_softmax_loss",
        "rnn_forward",
        "rnn_backward",
        "lstm_forward",
        "lstm_backward",
    ),
)

EXERCISES = [sample_with_temperature, truncated_bptt_epoch]
