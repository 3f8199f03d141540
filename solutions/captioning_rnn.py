"""An image captioner: image features set the first hidden state of a recurrent network that writes.

    features --affine--> h0
    <START> w1 w2 ... --embedding--> RNN / LSTM / GRU --temporal affine--> scores over the vocabulary

Shapes used below:
    N  images (or captions) in a minibatch        D  image feature dimension
    T  tokens of a stored caption (<START> ... )  W  word vector dimension
    V  vocabulary size                            H  hidden units
"""

import numpy as np

from .rnn_layers import (
    gru_backward,
    gru_forward,
    gru_step_forward,
    lstm_backward,
    lstm_forward,
    lstm_step_forward,
    rnn_backward,
    rnn_forward,
    rnn_step_forward,
    temporal_affine_backward,
    temporal_affine_forward,
    temporal_softmax_loss,
    word_embedding_backward,
    word_embedding_forward,
)
from .shapes import expect_indices, expect_shapes

CELLS = {"rnn": 1, "lstm": 4, "gru": 3}  # gate blocks per cell


class CaptioningRNN:
    """A recurrent captioner with parameters in ``self.params`` (a dict of arrays of dtype ``dtype``).

    Parameters: W_proj (D, H), b_proj (H,) map features to h0; W_embed (V, W) holds the word vectors;
    Wx (W, gH), Wh (H, gH) and b (gH,) are the cell's weights (a GRU has bx and bh instead of b), with
    g = 1, 4, 3 for rnn, lstm, gru; W_vocab (H, V), b_vocab (V,) turn hidden states into word scores.
    """

    def __init__(
        self,
        word_to_idx,
        input_dim=512,
        wordvec_dim=128,
        hidden_dim=128,
        cell_type="rnn",
        dtype=np.float32,
        seed=0,
    ):
        """
        Inputs:
        - word_to_idx: the vocabulary, a dict word -> index in range(V), with <NULL>, <START>, <END>.
        - input_dim: D, wordvec_dim: W, hidden_dim: H.
        - cell_type: "rnn", "lstm" or "gru".
        - dtype: np.float32 to train, np.float64 for gradient checks.
        - seed: seed of the random initial weights.
        """
        if cell_type not in CELLS:
            raise ValueError(f"cell_type should be one of {', '.join(CELLS)}, got {cell_type!r}")
        missing = [w for w in ("<NULL>", "<START>", "<END>") if w not in word_to_idx]
        if missing:
            raise ValueError(f"word_to_idx needs the special words <NULL>, <START>, <END>; missing {missing}")
        self.cell_type = cell_type
        self.dtype = np.dtype(dtype)
        self.word_to_idx = word_to_idx
        self.idx_to_word = {i: w for w, i in word_to_idx.items()}
        self._null, self._start = word_to_idx["<NULL>"], word_to_idx["<START>"]
        self._end = word_to_idx["<END>"]
        V, D, W, H, g = len(word_to_idx), input_dim, wordvec_dim, hidden_dim, CELLS[cell_type]
        rng = np.random.RandomState(seed)
        p = {
            "W_embed": rng.randn(V, W) / 100,
            "W_proj": rng.randn(D, H) / np.sqrt(D),
            "b_proj": np.zeros(H),
            "Wx": rng.randn(W, g * H) / np.sqrt(W),
            "Wh": rng.randn(H, g * H) / np.sqrt(H),
            "W_vocab": rng.randn(H, V) / np.sqrt(H),
            "b_vocab": np.zeros(V),
        }
        if cell_type == "gru":
            p["bx"], p["bh"] = np.zeros(g * H), np.zeros(g * H)
        else:
            p["b"] = np.zeros(g * H)
        self.params = {k: v.astype(self.dtype) for k, v in p.items()}

    def _cell_params(self):
        p = self.params
        return [p["Wx"], p["Wh"], p["bx"], p["bh"]] if self.cell_type == "gru" else [p["Wx"], p["Wh"], p["b"]]

    def _cell_param_names(self):
        return ["Wx", "Wh", "bx", "bh"] if self.cell_type == "gru" else ["Wx", "Wh", "b"]

    def _cell_functions(self):
        """The cell over a whole sequence: forward(x, h0, *cell params) -> h, cache and
        backward(dh, cache) -> dx, dh0, *gradients of the cell params. (Notebook 9's attention captioner
        hands its own.) The LSTM's cell states are not needed here: its forward's are dropped."""

        def lstm_hidden_states(x, h0, Wx, Wh, b):
            h, _, cache = lstm_forward(x, h0, Wx, Wh, b)
            return h, cache

        forward = {"rnn": rnn_forward, "lstm": lstm_hidden_states, "gru": gru_forward}[self.cell_type]
        backward = {"rnn": rnn_backward, "lstm": lstm_backward, "gru": gru_backward}[self.cell_type]
        return forward, backward

    def loss(self, features, captions):
        """Training loss and gradients for a minibatch of images and their captions.

        The network reads captions[:, :-1] (starting with <START>) and is scored on predicting
        captions[:, 1:], the next word at every step; <NULL> padding in the targets does not count.

        Inputs:
        - features: image features, shape (N, D).
        - captions: word indices, integer array of shape (N, T).

        Returns a tuple of:
        - loss: a float, summed over time steps and averaged over N (temporal_softmax_loss).
        - grads: a dict with the same keys as self.params, each gradient of its parameter's shape.
        """
        features = np.asarray(features, dtype=self.dtype)
        expect_shapes(
            "CaptioningRNN.loss",
            W_proj=(self.params["W_proj"], "D H"),
            features=(features, "N D"),
            captions=(captions, "N T", "int"),
        )
        if captions.shape[1] < 2:
            raise ValueError(
                "CaptioningRNN.loss: captions should have at least 2 columns "
                "(<START> and a word to predict), "
                f"got shape {captions.shape}"
            )
        expect_indices("CaptioningRNN.loss", "captions", captions, len(self.word_to_idx), "V")
        forward, backward = self._cell_functions()
        ### TODO: split captions into what the network reads and what it must predict; the mask is
        ### TODO: where the target is not <NULL> (self._null). Forward: h0 = features @ W_proj + b_proj,
        ### TODO: embed, run the cell (forward(x, h0, *self._cell_params())), temporal affine to scores,
        ### TODO: temporal_softmax_loss. Then go back through the same layers in reverse order; the cell's
        ### TODO: gradients go in grads under the names self._cell_param_names().
        ### BEGIN SOLUTION
        p = self.params
        captions_in, captions_out = captions[:, :-1], captions[:, 1:]
        mask = captions_out != self._null
        h0 = features @ p["W_proj"] + p["b_proj"]
        x, embed_cache = word_embedding_forward(captions_in, p["W_embed"])
        h, cell_cache = forward(x, h0, *self._cell_params())
        scores, scores_cache = temporal_affine_forward(h, p["W_vocab"], p["b_vocab"])
        loss, dscores = temporal_softmax_loss(scores, captions_out, mask)

        grads = {}
        dh, grads["W_vocab"], grads["b_vocab"] = temporal_affine_backward(dscores, scores_cache)
        dx, dh0, *dcell = backward(dh, cell_cache)
        grads.update(zip(self._cell_param_names(), dcell, strict=True))
        grads["W_embed"] = word_embedding_backward(dx, embed_cache)
        grads["W_proj"] = features.T @ dh0
        grads["b_proj"] = dh0.sum(axis=0)
        ### END SOLUTION
        return loss, grads

    def _check_features(self, function, features):
        """Refuse features that are not (N, D) with this model's D (input_dim)."""
        expect_shapes(function, W_proj=(self.params["W_proj"], "D H"), features=(features, "N D"))

    def _step(self, x, prev_h, prev_c):
        """One step of the cell for sampling: (next_h, next_c); next_c is None except for an LSTM."""
        if self.cell_type == "lstm":
            next_h, next_c, _ = lstm_step_forward(x, prev_h, prev_c, *self._cell_params())
            return next_h, next_c
        step = rnn_step_forward if self.cell_type == "rnn" else gru_step_forward
        next_h, _ = step(x, prev_h, *self._cell_params())
        return next_h, None

    def sample(self, features, max_length=30, beam_size=None):
        """Write a caption for every image: greedily (the most likely word at each step), or by beam search.

        Inputs:
        - features: image features, shape (N, D).
        - max_length: the most words to write per image.
        - beam_size: None for greedy sampling; k >= 1 for a beam search keeping k candidates (provided).

        Returns:
        - captions: int32 array (N, max_length). captions[n, t] is the word written at step t; a caption
          stops at its first <END>, which is kept, and every position after it holds <NULL>.
        """
        features = np.asarray(features, dtype=self.dtype)
        self._check_features("CaptioningRNN.sample", features)
        if not isinstance(max_length, int | np.integer) or isinstance(max_length, bool) or max_length < 1:
            raise ValueError(
                f"CaptioningRNN.sample: max_length should be a whole number >= 1, got {max_length!r}"
            )
        max_length = int(max_length)
        if beam_size is not None:
            return self.beam_search(features, max_length, beam_size)
        N = features.shape[0]
        captions = np.full((N, max_length), self._null, dtype=np.int32)
        ### TODO: h0 as in loss (and a zero cell state for an LSTM); the first input is <START>. At each
        ### TODO: step: embed the previous word, one self._step, scores, argmax. Feed the model its own
        ### TODO: word (there are no true captions here); once a caption has written <END>, it is done.
        ### BEGIN SOLUTION
        p = self.params
        h = features @ p["W_proj"] + p["b_proj"]
        c = np.zeros_like(h)
        word = np.full(N, self._start)
        done = np.zeros(N, dtype=bool)
        for t in range(max_length):
            h, c = self._step(p["W_embed"][word], h, c)
            word = (h @ p["W_vocab"] + p["b_vocab"]).argmax(axis=1)
            captions[:, t] = np.where(done, self._null, word)
            done |= word == self._end
            if done.all():
                break
        ### END SOLUTION
        return captions

    def beam_search(self, features, max_length=30, beam_size=3, length_penalty=0.0):
        """Beam search (provided): keep the beam_size most likely partial captions of every image.

        A candidate's score is the sum of its words' log-probabilities; a finished candidate (one that
        wrote <END>) is kept unchanged at no cost. A sum of log-probabilities favours short captions
        (every word costs), so the caption returned is the beam with the best
        score / length ** length_penalty, its length counting the <END>: 0 (the default) ranks by the
        sum, 1 by the mean log-probability per word (Wu et al., 2016, length normalisation).

        Inputs: features (N, D); max_length and beam_size whole numbers >= 1; length_penalty >= 0.
        Returns captions (N, max_length) as sample does.
        """
        features = np.asarray(features, dtype=self.dtype)
        self._check_features("CaptioningRNN.beam_search", features)
        if int(beam_size) != beam_size or beam_size < 1:
            raise ValueError(f"beam_size should be a whole number >= 1, got {beam_size}")
        if not np.isfinite(length_penalty) or length_penalty < 0:
            raise ValueError(f"length_penalty should be a number >= 0, got {length_penalty!r}")
        p = self.params
        N, B, V = features.shape[0], int(beam_size), p["W_vocab"].shape[1]
        rows = np.arange(N)[:, None]
        start = features @ p["W_proj"] + p["b_proj"]
        h = np.repeat(start[:, None], B, axis=1)  # (N, B, H)
        c = np.zeros_like(h)
        words = np.full((N, B), self._start)
        score = np.zeros((N, B))
        score[:, 1:] = -np.inf  # all beams start identical: keep one, or the top k would be k copies
        seqs = np.full((N, B, max_length), self._null, dtype=np.int32)
        finished = np.zeros((N, B), dtype=bool)
        for t in range(max_length):
            flat_h, flat_c = self._step(
                p["W_embed"][words.ravel()], h.reshape(N * B, -1), c.reshape(N * B, -1)
            )
            scores = (flat_h @ p["W_vocab"] + p["b_vocab"]).astype(np.float64)
            scores -= scores.max(axis=1, keepdims=True)
            logp = (scores - np.log(np.exp(scores).sum(axis=1, keepdims=True))).reshape(N, B, V)
            logp[finished] = -np.inf
            logp[finished, self._null] = 0.0
            total = (score[:, :, None] + logp).reshape(N, B * V)
            top = np.argsort(-total, axis=1, kind="stable")[:, :B]
            beam, words = np.divmod(top, V)
            score = np.take_along_axis(total, top, axis=1)
            seqs = seqs[rows, beam]
            seqs[:, :, t] = words
            finished = finished[rows, beam] | (words == self._end)
            h = flat_h.reshape(N, B, -1)[rows, beam]
            if flat_c is not None:
                c = flat_c.reshape(N, B, -1)[rows, beam]
            if finished.all():
                break
        length = np.where(finished, (seqs == self._end).argmax(axis=2) + 1, max_length)
        ranking = score / length**length_penalty
        return seqs[np.arange(N), ranking.argmax(axis=1)]
