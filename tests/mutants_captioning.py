"""Realistic wrong versions of the captioning exercises.

The layer functions are whole replacement functions (as in tests/mutants.py); the CaptioningRNN
methods are small edits of the solved module's text, whose `edit` fails if the text it replaces is gone.
"""

from tests.helpers import SOLUTIONS
from tests.mutants import Mutant
from tests.mutants_gated import edit

MODEL = (SOLUTIONS / "captioning_rnn.py").read_text()


def model_mutant(function, name, hint, *pairs):
    return Mutant(function, name, edit(MODEL, *pairs), hint, module="captioning_rnn")


EMBED_FORWARD = """
def word_embedding_forward(x, W):
    out = W[x]
    cache = (x, W.shape)
    return out, cache
"""

EMBED_BACKWARD = """
def word_embedding_backward(dout, cache):
    x, W_shape = cache
    dW = np.zeros(W_shape, dtype=dout.dtype)
    np.add.at(dW, x, dout)
    return dW
"""

SOFTMAX_LOSS = """
def temporal_softmax_loss(x, y, mask):
    N, T, V = x.shape
    shifted = x - x.max(axis=2, keepdims=True)
    log_probs = shifted - np.log(np.exp(shifted).sum(axis=2, keepdims=True))
    picked = np.take_along_axis(log_probs, y[:, :, None], axis=2)[:, :, 0]
    loss = -np.sum(picked * mask) / N
    dx = np.exp(log_probs)
    np.put_along_axis(dx, y[:, :, None], np.take_along_axis(dx, y[:, :, None], axis=2) - 1.0, axis=2)
    dx *= mask[:, :, None] / N
    return loss, dx
"""

TEMPLATES = [EMBED_FORWARD, EMBED_BACKWARD, SOFTMAX_LOSS]

CAPTIONING_MUTANTS = [
    # ---- word_embedding_forward
    Mutant("word_embedding_forward", "batch and time swapped", edit(EMBED_FORWARD, ("W[x]", "W[x.T]"))),
    Mutant(
        "word_embedding_forward",
        "1-based word indices",
        edit(EMBED_FORWARD, ("W[x]", "W[x - 1]")),
        "rows of W",
    ),
    Mutant(
        "word_embedding_forward",
        "flattened in the wrong order",
        edit(EMBED_FORWARD, ("out = W[x]", "out = W[x.T.ravel()].reshape(x.shape[0], x.shape[1], -1)")),
    ),
    # ---- word_embedding_backward
    Mutant(
        "word_embedding_backward",
        "dW[x] += dout loses repeated words",
        edit(EMBED_BACKWARD, ("np.add.at(dW, x, dout)", "dW[x] += dout")),
        "np.add.at",
    ),
    Mutant(
        "word_embedding_backward",
        "dW[x] = dout overwrites",
        edit(EMBED_BACKWARD, ("np.add.at(dW, x, dout)", "dW[x] = dout")),
        "repeat",
    ),
    Mutant(
        "word_embedding_backward",
        "averaged over the batch",
        edit(EMBED_BACKWARD, ("np.add.at(dW, x, dout)", "np.add.at(dW, x, dout / x.shape[0])")),
    ),
    # ---- temporal_softmax_loss
    Mutant(
        "temporal_softmax_loss",
        "mask ignored in the loss",
        edit(SOFTMAX_LOSS, ("-np.sum(picked * mask) / N", "-np.sum(picked) / N")),
        "mask is False",
    ),
    Mutant(
        "temporal_softmax_loss",
        "mask ignored in the gradient",
        edit(SOFTMAX_LOSS, ("dx *= mask[:, :, None] / N", "dx /= N")),
        "mask is False",
    ),
    Mutant(
        "temporal_softmax_loss",
        "averaged over time steps instead of summed",
        edit(
            SOFTMAX_LOSS,
            ("-np.sum(picked * mask) / N", "-np.sum(picked * mask) / (N * T)"),
            ("dx *= mask[:, :, None] / N", "dx *= mask[:, :, None] / (N * T)"),
        ),
        "averaged over time steps",
    ),
    Mutant(
        "temporal_softmax_loss",
        "softmax without subtracting the maximum",
        edit(SOFTMAX_LOSS, ("shifted = x - x.max(axis=2, keepdims=True)", "shifted = x")),
        "large inputs",
    ),
    Mutant(
        "temporal_softmax_loss",
        "gradient not divided by N",
        edit(SOFTMAX_LOSS, ("dx *= mask[:, :, None] / N", "dx *= mask[:, :, None]")),
        "N times too large",
    ),
    # ---- CaptioningRNN.loss
    model_mutant(
        "CaptioningRNN.loss",
        "captions_in and captions_out swapped",
        "captions[:, :-1]",
        (
            "captions_in, captions_out = captions[:, :-1], captions[:, 1:]",
            "captions_in, captions_out = captions[:, 1:], captions[:, :-1]",
        ),
    ),
    model_mutant(
        "CaptioningRNN.loss",
        "captions_out not shifted",
        "captions[:, :-1]",
        (
            "captions_in, captions_out = captions[:, :-1], captions[:, 1:]",
            "captions_in, captions_out = captions[:, :-1], captions[:, :-1]",
        ),
    ),
    model_mutant(
        "CaptioningRNN.loss",
        "mask of every position",
        "mask",
        ("mask = captions_out != self._null", "mask = np.ones(captions_out.shape, dtype=bool)"),
    ),
    model_mutant(
        "CaptioningRNN.loss",
        "mask from the inputs, not the targets",
        "mask",
        ("mask = captions_out != self._null", "mask = captions_in != self._null"),
    ),
    model_mutant(
        "CaptioningRNN.loss",
        "b_proj gradient averaged",
        "db_proj",
        ('grads["b_proj"] = dh0.sum(axis=0)', 'grads["b_proj"] = dh0.mean(axis=0)'),
    ),
    # ---- CaptioningRNN.sample
    model_mutant(
        "CaptioningRNN.sample",
        "feeds <START> instead of its own previous word",
        "previous step's word",
        ("word = (h @ p", "new = (h @ p"),
        ("np.where(done, self._null, word)", "np.where(done, self._null, new)"),
        ("done |= word == self._end", "done |= new == self._end"),
    ),
    model_mutant(
        "CaptioningRNN.sample",
        "<END> never stops a caption",
        "<NULL> fills the rest",
        ("captions[:, t] = np.where(done, self._null, word)", "captions[:, t] = word"),
    ),
    model_mutant(
        "CaptioningRNN.sample",
        "<END> itself not written",
        "<END> word itself",
        (
            "captions[:, t] = np.where(done, self._null, word)",
            "captions[:, t] = np.where(done | (word == self._end), self._null, word)",
        ),
    ),
    model_mutant(
        "CaptioningRNN.sample",
        "LSTM cell state reset at every step",
        "must carry",
        (
            'h, c = self._step(p["W_embed"][word], h, c)',
            'h, c = self._step(p["W_embed"][word], h, np.zeros_like(h))',
        ),
    ),
    model_mutant(
        "CaptioningRNN.sample",
        "h0 without the bias",
        "first word",
        (
            '        h = features @ p["W_proj"] + p["b_proj"]\n        c = np.zeros_like(h)\n        word',
            '        h = features @ p["W_proj"]\n        c = np.zeros_like(h)\n        word',
        ),
    ),
]
