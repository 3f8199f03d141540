"""Realistic wrong versions of the captioning exercises: edits of the reference solution's own text
(tests/mutants.py's `edited`), the CaptioningRNN methods' in solutions/captioning_rnn.py."""

from tests.mutants import Mutant, edited


def model_mutant(function, name, hint, *pairs):
    return Mutant(
        function, name, edited(function, *pairs, module="captioning_rnn"), hint, module="captioning_rnn"
    )


CAPTIONING_MUTANTS = [
    # ---- word_embedding_forward
    Mutant(
        "word_embedding_forward",
        "batch and time swapped",
        edited("word_embedding_forward", ("W[x]", "W[x.T]")),
    ),
    Mutant(
        "word_embedding_forward",
        "1-based word indices",
        edited("word_embedding_forward", ("W[x]", "W[x - 1]")),
        "rows of W",
    ),
    Mutant(
        "word_embedding_forward",
        "flattened in the wrong order",
        edited(
            "word_embedding_forward",
            ("out = W[x]", "out = W[x.T.ravel()].reshape(x.shape[0], x.shape[1], -1)"),
        ),
    ),
    # ---- word_embedding_backward
    Mutant(
        "word_embedding_backward",
        "dW[x] += dout loses repeated words",
        edited("word_embedding_backward", ("np.add.at(dW, x, dout)", "dW[x] += dout")),
        "np.add.at",
    ),
    Mutant(
        "word_embedding_backward",
        "dW[x] = dout overwrites",
        edited("word_embedding_backward", ("np.add.at(dW, x, dout)", "dW[x] = dout")),
        "repeat",
    ),
    Mutant(
        "word_embedding_backward",
        "averaged over the batch",
        edited("word_embedding_backward", ("np.add.at(dW, x, dout)", "np.add.at(dW, x, dout / x.shape[0])")),
    ),
    # ---- temporal_softmax_loss
    Mutant(
        "temporal_softmax_loss",
        "mask ignored in the loss",
        edited("temporal_softmax_loss", ("-np.sum(picked * mask) / N", "-np.sum(picked) / N")),
        "mask is False",
    ),
    Mutant(
        "temporal_softmax_loss",
        "mask ignored in the gradient",
        edited("temporal_softmax_loss", ("dx *= mask[:, :, None] / N", "dx /= N")),
        "mask is False",
    ),
    Mutant(
        "temporal_softmax_loss",
        "averaged over time steps instead of summed",
        edited(
            "temporal_softmax_loss",
            ("-np.sum(picked * mask) / N", "-np.sum(picked * mask) / (N * T)"),
            ("dx *= mask[:, :, None] / N", "dx *= mask[:, :, None] / (N * T)"),
        ),
        "averaged over time steps",
    ),
    Mutant(
        "temporal_softmax_loss",
        "softmax without subtracting the maximum",
        edited("temporal_softmax_loss", ("shifted = x - x.max(axis=2, keepdims=True)", "shifted = x")),
        "large inputs",
    ),
    Mutant(
        "temporal_softmax_loss",
        "gradient not divided by N",
        edited("temporal_softmax_loss", ("dx *= mask[:, :, None] / N", "dx *= mask[:, :, None]")),
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
