"""An image captioner that attends over the image's regions while it writes (provided, notebook 9).

    global features --affine--> h0
    <START> w1 w2 ... --embedding--> attention LSTM, looking at the regions every step --affine--> scores

The attention LSTM is the one of attention_layers.py: at every step the previous hidden state chooses
where to look, and the context it sees enters the gates.

The same CaptioningSolver trains it. The solver hands a model one array of image features per
minibatch, so this model's "features" are the global features followed by the flattened regions,
(N, D + L * R); attention_features(data) builds that data dict from load_coco_data(spatial=True).

Shapes: N images, D global feature dimension, L regions of dimension R, T tokens, W word vector
dimension, H hidden units, V words.
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


def attention_features(data):
    """data from load_coco_data(spatial=True), with each split's features followed by its regions."""
    out = dict(data)
    for split in ("train", "val"):
        regions = data[f"{split}_regions"]
        out[f"{split}_features"] = np.concatenate(
            [data[f"{split}_features"], regions.reshape(len(regions), -1)], axis=1
        )
    return out


class AttentionCaptioningRNN:
    """Parameters: W_proj (D, H), b_proj (H,) map the global features to h0; W_embed (V, W); the attention
    LSTM's Wx (W, 4H), Wh (H, 4H), Wc (R, 4H), b (4H,), Wa (H, R); W_vocab (H, V), b_vocab (V,)."""

    def __init__(
        self,
        word_to_idx,
        input_dim=512,
        num_regions=16,
        region_dim=16,
        wordvec_dim=64,
        hidden_dim=128,
        dtype=np.float32,
        seed=0,
    ):
        missing = [w for w in ("<NULL>", "<START>", "<END>") if w not in word_to_idx]
        if missing:
            raise ValueError(f"word_to_idx needs the special words <NULL>, <START>, <END>; missing {missing}")
        self.dtype = np.dtype(dtype)
        self.word_to_idx = word_to_idx
        self._null, self._start, self._end = (word_to_idx[w] for w in ("<NULL>", "<START>", "<END>"))
        self.input_dim, self.num_regions, self.region_dim = input_dim, num_regions, region_dim
        V, D, R, W, H = len(word_to_idx), input_dim, region_dim, wordvec_dim, hidden_dim
        rng = np.random.RandomState(seed)
        p = {
            "W_embed": rng.randn(V, W) / 100,
            "W_proj": rng.randn(D, H) / np.sqrt(D),
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

    def split_features(self, features):
        """(global features (N, D), regions (N, L, R)) from the packed features (N, D + L * R)."""
        features = np.asarray(features, dtype=self.dtype)
        width = self.input_dim + self.num_regions * self.region_dim
        expect_shapes("AttentionCaptioningRNN", features=(features, "N F"))
        if features.shape[1] != width:
            raise ValueError(
                f"AttentionCaptioningRNN: features should have {width} columns (the {self.input_dim} global "
                f"features, then {self.num_regions} regions of {self.region_dim}; attention_features(data) "
                f"builds them), got {features.shape[1]}"
            )
        regions = features[:, self.input_dim :].reshape(len(features), self.num_regions, self.region_dim)
        return features[:, : self.input_dim], regions

    def _cell(self):
        p = self.params
        return [p["Wx"], p["Wh"], p["Wc"], p["b"], p["Wa"]]

    def loss(self, features, captions):
        """Loss and gradients as CaptioningRNN.loss; features (N, D + L * R) as attention_features builds."""
        image, regions = self.split_features(features)
        expect_shapes("AttentionCaptioningRNN.loss", captions=(captions, "N T", "int"))
        expect_indices("AttentionCaptioningRNN.loss", "captions", captions, len(self.word_to_idx), "V")
        p = self.params
        captions_in, captions_out = captions[:, :-1], captions[:, 1:]
        mask = captions_out != self._null
        h0 = image @ p["W_proj"] + p["b_proj"]
        x, embed_cache = word_embedding_forward(captions_in, p["W_embed"])
        h, _, cell_cache = attention_lstm_forward(x, h0, regions, *self._cell())
        scores, scores_cache = temporal_affine_forward(h, p["W_vocab"], p["b_vocab"])
        loss, dscores = temporal_softmax_loss(scores, captions_out, mask)
        grads = {}
        dh, grads["W_vocab"], grads["b_vocab"] = temporal_affine_backward(dscores, scores_cache)
        dx, dh0, _, *dcell = attention_lstm_backward(dh, cell_cache)  # regions are data: no update
        grads.update(zip(["Wx", "Wh", "Wc", "b", "Wa"], dcell, strict=True))
        grads["W_embed"] = word_embedding_backward(dx, embed_cache)
        grads["W_proj"] = image.T @ dh0
        grads["b_proj"] = dh0.sum(axis=0)
        return loss, grads

    def sample(self, features, max_length=30, return_weights=False):
        """Greedy captions (N, max_length) as CaptioningRNN.sample; with return_weights, also where the
        model looked while writing each word: weights (N, max_length, L)."""
        image, regions = self.split_features(features)
        p = self.params
        N = len(image)
        h = image @ p["W_proj"] + p["b_proj"]
        c = np.zeros_like(h)
        word = np.full(N, self._start)
        captions = np.full((N, max_length), self._null, dtype=np.int32)
        weights = np.zeros((N, max_length, self.num_regions), dtype=self.dtype)
        done = np.zeros(N, dtype=bool)
        for t in range(max_length):
            h, c, weights[:, t], _ = attention_lstm_step_forward(
                p["W_embed"][word], h, c, regions, *self._cell()
            )
            word = (h @ p["W_vocab"] + p["b_vocab"]).argmax(axis=1)
            captions[:, t] = np.where(done, self._null, word)
            done |= word == self._end
            if done.all():
                break
        return (captions, weights) if return_weights else captions
