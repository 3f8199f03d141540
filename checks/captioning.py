"""Checks for the image-captioning exercises: word embeddings, the masked temporal loss, the model.

Cases switch one thing on at a time (repeated words, padding, an LSTM instead of an RNN, a caption
that ends early), so the pattern of failing cases names the likely mistake.
"""

import numpy as np

from .core import (
    TOLERANCE,
    Case,
    Exercise,
    Mismatch,
    call_unchanged,
    model_loss_outputs,
    normwise_error,
    snapshot,
    unpack,
)
from .inputs import GATE_BLOCKS, array, random_state

NOTEBOOK = "05_image_captioning"
NULL, START, END = 0, 1, 2


def _indices(seed, shape, V, low=0):
    return random_state(seed).randint(low, V, size=shape)


# ------------------------------------------------------------------------------------ word embeddings
E_DISTINCT = "every word occurs once"
E_REPEATED = "some words occur several times"
E_TINY = "N = 1, T = 1"


def _embed_inputs(case, seed=70):
    if case == E_DISTINCT:
        N, T, V, D = 2, 3, 9, 4
        x = random_state(seed).permutation(V)[: N * T].reshape(N, T)
    elif case == E_REPEATED:
        N, T, V, D = 3, 4, 5, 3
        x = _indices(seed + 1, (N, T), V)
        x[0, :] = 2  # one word four times in a row, and again in another sequence
        x[2, 1] = 2
    else:
        N, T, V, D = 1, 1, 4, 2
        x = np.array([[3]])
    return {"x": x, "W": array(seed + 2, V, D), "dout": array(seed + 3, N, T, D)}


def _embed_forward(module, k):
    result = call_unchanged(module.word_embedding_forward, [k["x"], k["W"]], ("x", "W"))
    return unpack(result, 2, "out, cache")


def _run_embed_forward(module, k):
    out, _ = _embed_forward(module, k)
    return {"out": out}


def _diagnose_embed_forward(report, refs):
    out = report.actual.get(E_DISTINCT, {}).get("out")
    if out is not None and np.shape(out) != refs[E_DISTINCT]["out"].shape:
        return "out[n, t] is the row W[x[n, t]]: out has shape (N, T, D), which W[x] gives directly."
    return "out[n, t] should be the row of W for word x[n, t] (rows of W are words, not columns)."


word_embedding_forward = Exercise(
    name="word_embedding_forward",
    notebook=NOTEBOOK,
    run=_run_embed_forward,
    cases=[
        Case(k, c, lambda c=c: _embed_inputs(c))
        for k, c in (("e_distinct", E_DISTINCT), ("e_repeated", E_REPEATED), ("e_tiny", E_TINY))
    ],
    diagnose=_diagnose_embed_forward,
)


def _run_embed_backward(module, k):
    out, cache = _embed_forward(module, k)
    before = snapshot([k["dout"], cache])
    dW = call_unchanged(module.word_embedding_backward, [k["dout"], cache], ("dout", "cache"))
    if isinstance(dW, tuple):
        raise Mismatch(f"returned a tuple of {len(dW)} values; it should return dW alone")
    again = module.word_embedding_backward(*before)
    if not np.array_equal(np.asarray(dW), np.asarray(again)):
        raise Mismatch(
            "word_embedding_backward gives a different result when called twice with the same cache"
        )
    return {"out": out, "dW": dW}


def _diagnose_embed_backward(report, refs):
    if any(report.failed(c, "out") for c in report.bad):
        return "The forward pass is wrong on these inputs: fix word_embedding_forward first."
    if report.failed(E_REPEATED) and not report.failed(E_DISTINCT):
        return (
            "Right when every word occurs once, wrong when a word repeats: dW[x] += dout keeps only one "
            "of the repeated rows (NumPy does not add up repeated indices). np.add.at(dW, x, dout) does."
        )
    return "dW[v] is the sum of dout[n, t] over every position where x[n, t] == v, and 0 for unused words."


word_embedding_backward = Exercise(
    name="word_embedding_backward",
    notebook=NOTEBOOK,
    run=_run_embed_backward,
    cases=[
        Case(k, c, lambda c=c: _embed_inputs(c, seed=80))
        for k, c in (("e_distinct", E_DISTINCT), ("e_repeated", E_REPEATED), ("e_tiny", E_TINY))
    ],
    diagnose=_diagnose_embed_backward,
    needs=("word_embedding_forward",),
)


# -------------------------------------------------------------------------------- temporal softmax loss
L_FULL = "no padding (mask all True)"
L_PADDED = "padding at the ends of some sequences (mask False there)"
L_LARGE = "large scores (|x| up to ~1e4)"
L_TINY = "N = 1, T = 1"


def _loss_inputs(case, seed=90):
    N, T, V = {L_TINY: (1, 1, 3)}.get(case, (3, 5, 6))
    scale = 1e4 if case == L_LARGE else 1.0
    x = array(seed, N, T, V, scale=scale)
    y = _indices(seed + 1, (N, T), V)
    mask = np.ones((N, T), dtype=bool)
    if case == L_PADDED:
        mask[0, 3:] = False
        mask[2, 1:] = False
    return {"x": x, "y": y, "mask": mask}


def _run_loss(module, k):
    args = [k["x"], k["y"], k["mask"]]
    loss, dx = unpack(call_unchanged(module.temporal_softmax_loss, args, ("x", "y", "mask")), 2, "loss, dx")
    if np.ndim(loss) != 0:
        raise Mismatch(f"loss should be a single number, got an array of shape {np.shape(loss)}")
    return {"loss": np.float64(loss), "dx": dx}


def _ratio(actual, expected):
    return float(actual) / float(expected) if expected else np.nan


def _diagnose_loss(report, refs):
    full = report.actual.get(L_FULL, {})
    k = report.inputs[L_FULL]
    N, T, _ = k["x"].shape
    if report.failed(L_FULL, "loss") and "loss" in full:
        r = _ratio(full["loss"], refs[L_FULL]["loss"])
        if np.isclose(r, 1 / T, rtol=1e-6):
            return "The loss is averaged over time steps as well: sum over the steps, divide by N only."
        if np.isclose(r, N, rtol=1e-6):
            return "The loss is summed over the batch: divide by N (the loss is averaged over sequences)."
        if np.isclose(r, -1, rtol=1e-6):
            return "The loss has the wrong sign: it is minus the log-probability of the right words."
    if report.failed(L_PADDED) and not report.failed(L_FULL):
        which = [o for o in ("loss", "dx") if report.failed(L_PADDED, o)]
        return (
            f"Right without padding, wrong with it ({' and '.join(which)}): positions where mask is False "
            "must add nothing to the loss and get zero gradient."
        )
    if report.failed(L_LARGE) and not report.failed(L_FULL):
        return "Wrong only for large scores: subtract each row's maximum before exponentiating."
    if report.failed(L_FULL, "dx") and not report.failed(L_FULL, "loss"):
        dx = np.asarray(full.get("dx", 0.0))
        ref = refs[L_FULL]["dx"]
        if dx.shape == ref.shape and normwise_error(dx / N, ref) < TOLERANCE:
            return "dx is N times too large: the loss is divided by N, so is its gradient."
        return "dx is softmax(x) minus one at the right word, at every unmasked step, divided by N."
    return None


temporal_softmax_loss = Exercise(
    name="temporal_softmax_loss",
    notebook=NOTEBOOK,
    run=_run_loss,
    cases=[
        Case(k, c, lambda c=c: _loss_inputs(c))
        for k, c in (("l_full", L_FULL), ("l_padded", L_PADDED), ("l_large", L_LARGE), ("l_tiny", L_TINY))
    ],
    diagnose=_diagnose_loss,
)


# ------------------------------------------------------------------------------------------ the model
VOCAB = ["<NULL>", "<START>", "<END>", "<UNK>", "a", "cat", "on", "mat"]
WORD_TO_IDX = {w: i for i, w in enumerate(VOCAB)}
M_RNN = "rnn cell, captions padded with <NULL>"
M_LSTM = "lstm cell, captions padded with <NULL>"
M_FULL = "lstm cell, no padding"


def _model(module, cell, seed, D=5, W=4, H=6, scale=0.7):
    """The student's CaptioningRNN, float64, with parameters set from a fixed seed (not its own init)."""
    model = module.CaptioningRNN(
        WORD_TO_IDX, input_dim=D, wordvec_dim=W, hidden_dim=H, cell_type=cell, dtype=np.float64
    )
    g = GATE_BLOCKS[cell]
    V = len(VOCAB)
    shapes = {"W_embed": (V, W), "W_proj": (D, H), "b_proj": (H,), "Wx": (W, g * H), "Wh": (H, g * H)}
    shapes.update({"b": (g * H,), "W_vocab": (H, V), "b_vocab": (V,)})
    model.params = {
        name: array(seed + i, *shape, scale=scale) for i, (name, shape) in enumerate(shapes.items())
    }
    return model


def _model_inputs(case, seed=100):
    N, T = 3, 6
    captions = _indices(seed, (N, T), len(VOCAB), low=3)
    captions[:, 0] = START
    if case == M_FULL:
        captions[:, -1] = END
    else:
        captions[0, 3], captions[0, 4:] = END, NULL
        captions[1, -1] = END
        captions[2, 2], captions[2, 3:] = END, NULL
    cell = "rnn" if case == M_RNN else "lstm"
    return {"features": array(seed + 1, N, 5), "captions": captions, "cell": cell, "seed": seed + 2}


def _run_model_loss(module, k):
    model = _model(module, k["cell"], k["seed"])
    return model_loss_outputs(model, [k["features"], k["captions"]], ("features", "captions"))


def _diagnose_model_loss(report, refs):
    bad = {out for outs in report.bad.values() for out in outs}
    if report.failed(M_LSTM) and not report.failed(M_FULL):
        return (
            "Right without padding, wrong with it: the mask is where captions_out is not <NULL> (self._null)."
        )
    if "loss" in bad:
        return (
            "The loss is wrong: the network reads captions[:, :-1] (from <START>) and is scored on "
            "captions[:, 1:] (the next words); h0 = features @ W_proj + b_proj."
        )
    if bad <= {"dW_proj", "db_proj"}:
        return "Only the projection's gradients are wrong: dW_proj = features.T @ dh0, db_proj sums dh0."
    if bad == {"dW_embed"}:
        return (
            "Only dW_embed is wrong: word_embedding_backward takes dx, the gradient of the embedded "
            "captions_in."
        )
    return "Some gradients are wrong: go back through the layers in the reverse order of the forward pass."


model_loss = Exercise(
    name="CaptioningRNN.loss",
    notebook=NOTEBOOK,
    module="captioning_rnn",
    run=_run_model_loss,
    cases=[
        Case(k, c, lambda c=c: _model_inputs(c))
        for k, c in (("m_rnn", M_RNN), ("m_lstm", M_LSTM), ("m_full", M_FULL))
    ],
    diagnose=_diagnose_model_loss,
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


S_RNN = "rnn cell, 8 steps"
S_LSTM = "lstm cell, 8 steps"
S_ENDS = "lstm cell, captions that write <END> early"


def _sample_inputs(case):
    seed = {S_RNN: 110, S_LSTM: 120, S_ENDS: 132}[case]
    k = {
        "features": array(seed, 4, 5, scale=2.0),
        "cell": "rnn" if case == S_RNN else "lstm",
        "seed": seed + 1,
    }
    # With these seeds, the captions of S_ENDS stop after 1, 2 and 3 words and one never stops.
    k["end_bias"] = -0.5 if case == S_ENDS else -20.0
    return k


def _run_sample(module, k):
    model = _model(module, k["cell"], k["seed"], scale=1.5)
    # Like a trained model, never write <NULL> or <START>; k["end_bias"] sets how eager it is to stop.
    model.params["b_vocab"][[NULL, START, END]] = -20.0, -20.0, k["end_bias"]
    captions = call_unchanged(model.sample, [k["features"], 8], ("features", "max_length"))
    captions = np.asarray(captions)
    if not np.issubdtype(captions.dtype, np.integer):
        raise Mismatch(f"sample should return word indices (integers), got dtype {captions.dtype}")
    return {"captions": captions.astype(np.float64)}


def _diagnose_sample(report, refs):
    case = next((c for c in (S_RNN, S_LSTM, S_ENDS) if report.failed(c)), None)
    got = report.actual.get(case, {}).get("captions")
    ref = refs[case]["captions"]
    if got is None or got.shape != ref.shape:
        return "captions has one row per image and max_length columns."
    if np.all(got[:, 1:] == got[:, :1]) and not np.all(ref[:, 1:] == ref[:, :1]):
        return "Every step writes the same word: each step must read the word written at the previous step."
    if case == S_ENDS or (report.failed(S_ENDS) and not report.failed(S_LSTM)):
        got, ref = report.actual[S_ENDS]["captions"], refs[S_ENDS]["captions"]
        ended = ref == END
        after = np.cumsum(ended, axis=1) - ended > 0  # positions after the first <END>
        if np.array_equal(got[~after], ref[~after]):
            return (
                "Right up to <END>, wrong after it: a caption that wrote <END> is done; "
                "<NULL> fills the rest."
            )
        if np.array_equal(got[ref != END], ref[ref != END]):
            return (
                "Wrong only where <END> belongs: the <END> word itself is part of the caption; "
                "<NULL>s follow it."
            )
    first = np.argmax(np.any(got != ref, axis=0))
    if first == 0:
        return (
            "The first word is already wrong: h0 = features @ W_proj + b_proj, and the first input "
            "is <START>."
        )
    return (
        f"Right up to step {first - 1}, wrong from step {first}: the state (h, and c for an LSTM) must carry "
        "over from step to step, and each step reads the previous step's word."
    )


model_sample = Exercise(
    name="CaptioningRNN.sample",
    notebook=NOTEBOOK,
    module="captioning_rnn",
    run=_run_sample,
    cases=[
        Case(k, c, lambda c=c: _sample_inputs(c))
        for k, c in (("s_rnn", S_RNN), ("s_lstm", S_LSTM), ("s_ends", S_ENDS))
    ],
    diagnose=_diagnose_sample,
    needs=("rnn_step_forward", "lstm_step_forward"),
)

EXERCISES = [word_embedding_forward, word_embedding_backward, temporal_softmax_loss, model_loss, model_sample]
