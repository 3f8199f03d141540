"""Another correct CaptioningRNN.loss and .sample, written differently: the student check must pass them.

Used by tests/test_no_false_alarms.py, which swaps these methods into a copy of solutions/captioning_rnn.py.
"""

LOSS = """
    def loss(self, features, captions):
        features = np.asarray(features, dtype=self.dtype)
        forward = {"rnn": rnn_forward, "lstm": lstm_forward, "gru": gru_forward}[self.cell_type]
        backward = {"rnn": rnn_backward, "lstm": lstm_backward, "gru": gru_backward}[self.cell_type]
        P = self.params
        inputs, targets = captions[:, : captions.shape[1] - 1], captions[:, 1:]
        keep = np.logical_not(targets == self._null)
        embedded, c_embed = word_embedding_forward(inputs, P["W_embed"])
        start = np.einsum("nd,dh->nh", features, P["W_proj"]) + P["b_proj"][None, :]
        hidden, *_, c_cell = forward(embedded, start, *self._cell_params())  # the LSTM: h, c, cache
        scores, c_scores = temporal_affine_forward(hidden, P["W_vocab"], P["b_vocab"])
        value, d_scores = temporal_softmax_loss(scores, targets, keep)
        d_hidden, dW_vocab, db_vocab = temporal_affine_backward(d_scores, c_scores)
        d_embedded, d_start, *d_cell = backward(d_hidden, c_cell)
        grads = dict(zip(self._cell_param_names(), d_cell))
        grads.update(
            W_vocab=dW_vocab,
            b_vocab=db_vocab,
            W_embed=word_embedding_backward(d_embedded, c_embed),
            W_proj=np.einsum("nd,nh->dh", features, d_start),
            b_proj=np.einsum("nh->h", d_start),
        )
        return value, grads
"""

SAMPLE = """
    def sample(self, features, max_length=30, beam_size=None):
        features = np.asarray(features, dtype=self.dtype)
        if beam_size is not None:
            return self.beam_search(features, max_length, beam_size)
        P = self.params
        out = []
        for n in range(features.shape[0]):  # one image at a time
            h = features[n : n + 1] @ P["W_proj"] + P["b_proj"]
            c = np.zeros_like(h)
            previous, words = self._start, []
            while len(words) < max_length:
                h, c = self._step(P["W_embed"][[previous]], h, c)
                previous = int(np.argmax(h[0] @ P["W_vocab"] + P["b_vocab"]))
                words.append(previous)
                if previous == self._end:
                    break
            out.append(words + [self._null] * (max_length - len(words)))
        return np.array(out, dtype=np.int64)
"""


def replace_method(source, name, new):
    """`source` with the method `name` of its class replaced by `new` (indented as a method)."""
    start = source.index(f"    def {name}(")
    end = source.index("\n    def ", start + 1)
    return source[:start] + new.strip("\n") + "\n" + source[end:]


def alternative_source(solution_source):
    return replace_method(replace_method(solution_source, "loss", LOSS), "sample", SAMPLE)
