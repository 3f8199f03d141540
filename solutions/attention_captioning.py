"""An image captioner that attends over the image's regions while it writes (provided).

    regions --mean, affine--> h0
    <START> w1 w2 ... --embedding--> attention LSTM (looks at the regions at every step) --affine--> scores

Shapes: N images, L regions of dimension R, T tokens, W word vector dimension, H hidden units, V words.
It is trained by the same CaptioningSolver as CaptioningRNN: give the solver the data with the region
features in place of the image features (with_regions(data)).
"""

import numpy as np

from .attention_layers import attention_lstm_backward, attention_lstm_forward, attention_lstm_step_forward
from .rnn_layers import (
    temporal_affine_backward,
    temporal_affine_forward,
    temporal_softmax_loss,
    word_embedding_backward,
    word_embedding_forward,
)
from .shapes import expect_indices, expect_shapes


def with_regions(data):
    """The data of load_coco_data(spatial=True) with each split's regions as its "features"."""
    return {**data, "train_features": data["train_regions"], "val_features": data["val_regions"]}


class AttentionCaptioningRNN:
    """Parameters: W_proj (R, H), b_proj (H,); W_embed (V, W); the attention LSTM's Wx (W, 4H), Wh (H, 4H),
    Wc (R, 4H), b (4H,), Wa (H, R); W_vocab (H, V), b_vocab (V,)."""

    def __init__(
        self, word_to_idx, region_dim=16, wordvec_dim=64, hidden_dim=128, dtype=np.float32, seed=0, global_dim=None
    ):
        self.global_dim = global_dim
        self.dtype = np.dtype(dtype)
        self.word_to_idx = word_to_idx
        self._null, self._start, self._end = (word_to_idx[w] for w in ("<NULL>", "<START>", "<END>"))
        V, R, W, H = len(word_to_idx), region_dim, wordvec_dim, hidden_dim
        rng = np.random.RandomState(seed)
        p = {
            "W_embed": rng.randn(V, W) / 100,
            "W_proj": rng.randn(global_dim or R, H) / np.sqrt(global_dim or R),
            "b_proj": np.zeros(H),
            "Wx": rng.randn(W, 4 * H) / np.sqrt(W),
            "Wh": rng.randn(H, 4 * H) / np.sqrt(H),
            "Wc": rng.randn(R, 4 * H) / np.sqrt(R),
            "b": np.zeros(4 * H),
            "Wa": rng.randn(H, R) / np.sqrt(H),
            "W_vocab": rng.randn(H, V) / np.sqrt(H),
            "b_vocab": np.zeros(V),
        }
        self.params = {k: v.astype(self.dtype) for k, v in p.items()}

    def _split(self, packed):
        packed = np.asarray(packed, dtype=self.dtype)
        if self.global_dim is None:
            return packed.mean(axis=1), packed
        R = self.params["Wa"].shape[1]
        return packed[:, : self.global_dim], packed[:, self.global_dim :].reshape(len(packed), -1, R)

    def _cell(self):
        p = self.params
        return [p["Wx"], p["Wh"], p["Wc"], p["b"], p["Wa"]]

    def loss(self, regions, captions):
        """Loss and gradients as CaptioningRNN.loss, for regions (N, L, R) instead of features (N, D)."""
        start, regions = self._split(regions)
        expect_indices("AttentionCaptioningRNN.loss", "captions", captions, len(self.word_to_idx), "V")
        p = self.params
        captions_in, captions_out = captions[:, :-1], captions[:, 1:]
        mask = captions_out != self._null
        mean = start
        h0 = mean @ p["W_proj"] + p["b_proj"]
        x, embed_cache = word_embedding_forward(captions_in, p["W_embed"])
        h, _, cell_cache = attention_lstm_forward(x, h0, regions, *self._cell())
        scores, scores_cache = temporal_affine_forward(h, p["W_vocab"], p["b_vocab"])
        loss, dscores = temporal_softmax_loss(scores, captions_out, mask)
        grads = {}
        dh, grads["W_vocab"], grads["b_vocab"] = temporal_affine_backward(dscores, scores_cache)
        dx, dh0, dregions, grads["Wx"], grads["Wh"], grads["Wc"], grads["b"], grads["Wa"] = attention_lstm_backward(
            dh, cell_cache
        )
        grads["W_embed"] = word_embedding_backward(dx, embed_cache)
        grads["W_proj"] = mean.T @ dh0
        grads["b_proj"] = dh0.sum(axis=0)
        return loss, grads

    def sample(self, regions, max_length=30, return_weights=False):
        """Greedy captions (N, max_length) as CaptioningRNN.sample; with return_weights, also the
        attention weights of every step, (N, max_length, L)."""
        start, regions = self._split(regions)
        p = self.params
        N, L = regions.shape[:2]
        h = start @ p["W_proj"] + p["b_proj"]
        c = np.zeros_like(h)
        word = np.full(N, self._start)
        captions = np.full((N, max_length), self._null, dtype=np.int32)
        weights = np.zeros((N, max_length, L), dtype=self.dtype)
        done = np.zeros(N, dtype=bool)
        for t in range(max_length):
            h, c, weights[:, t], _ = attention_lstm_step_forward(p["W_embed"][word], h, c, regions, *self._cell())
            word = (h @ p["W_vocab"] + p["b_vocab"]).argmax(axis=1)
            captions[:, t] = np.where(done, self._null, word)
            done |= word == self._end
            if done.all():
                break
        return (captions, weights) if return_weights else captions
