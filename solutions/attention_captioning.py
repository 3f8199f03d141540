"""An image captioner that attends over the image's regions while it writes (provided, notebook 9).

    mean of the regions --affine--> h0
    <START> w1 w2 ... --embedding--> attention LSTM, looking at the regions every step --affine--> scores

The attention LSTM is the one of attention_layers.py: at every step the previous hidden state chooses
where to look, and the context it sees enters the gates. As in Xu et al. (2015), the initial state comes
from the mean of the regions: a summary of what is in the image, but not of where.

The same CaptioningSolver trains it: attention_features(data) puts the regions, each with its position
in the grid, where the solver looks for features.

Shapes: N images, L regions of dimension R, T tokens, W word vector dimension, H hidden units, V words.
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


def region_positions(num_regions):
    """Where each region of a square grid is: (L, 2), its row and column scaled to [-1, 1].

    Region l is row l // side, column l % side of the grid (side = sqrt(L)), as load_coco_data stores them.
    """
    side = int(round(np.sqrt(num_regions)))
    if side * side != num_regions:
        raise ValueError(f"region_positions: the regions should form a square grid, got {num_regions}")
    row, column = np.divmod(np.arange(num_regions), side)
    return np.stack([row, column], axis=1) * (2 / max(side - 1, 1)) - 1


def attention_features(data):
    """data from load_coco_data(spatial=True), each split's features replaced by its regions, each
    followed by its position: (N, L, R + 2).

    A context is a weighted average of what the regions hold; without their positions it could not say
    where the model looked."""
    out = dict(data)
    for split in ("train", "val"):
        regions = data[f"{split}_regions"]
        N, L, _ = regions.shape
        positions = np.broadcast_to(region_positions(L), (N, L, 2))
        out[f"{split}_features"] = np.concatenate([regions, positions], axis=2).astype(regions.dtype)
    return out


class AttentionCaptioningRNN:
    """Regions of R = 18 numbers by default: the data set's 16, then the region's row and column.

    Parameters: W_proj (R, H), b_proj (H,) map the mean region to h0; W_embed (V, W); the attention
    LSTM's Wx (W, 4H), Wh (H, 4H), Wc (R, 4H), b (4H,), Wa (H, R); W_vocab (H, V), b_vocab (V,)."""

    def __init__(
        self,
        word_to_idx,
        num_regions=16,
        region_dim=18,
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
        self.num_regions, self.region_dim = num_regions, region_dim
        V, R, W, H = len(word_to_idx), region_dim, wordvec_dim, hidden_dim
        rng = np.random.RandomState(seed)
        p = {
            "W_embed": rng.randn(V, W) / 100,
            "W_proj": rng.randn(R, H) / np.sqrt(R),
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

    def _regions(self, features):
        """The regions (N, L, R) as this model's dtype, refused with the expected shape otherwise."""
        regions = np.asarray(features, dtype=self.dtype)
        if regions.ndim != 3 or regions.shape[1:] != (self.num_regions, self.region_dim):
            raise ValueError(
                f"AttentionCaptioningRNN: features should be regions of shape (N, {self.num_regions}, "
                f"{self.region_dim}) (attention_features(data) puts them in place), got {regions.shape}"
            )
        return regions

    def _cell(self):
        p = self.params
        return [p["Wx"], p["Wh"], p["Wc"], p["b"], p["Wa"]]

    def loss(self, features, captions):
        """Loss and gradients as CaptioningRNN.loss; features are the regions (N, L, R)."""
        regions = self._regions(features)
        expect_shapes(
            "AttentionCaptioningRNN.loss", features=(regions, "N L R"), captions=(captions, "N T", "int")
        )
        expect_indices("AttentionCaptioningRNN.loss", "captions", captions, len(self.word_to_idx), "V")
        p = self.params
        captions_in, captions_out = captions[:, :-1], captions[:, 1:]
        mask = captions_out != self._null
        mean_region = regions.mean(axis=1)
        h0 = mean_region @ p["W_proj"] + p["b_proj"]
        x, embed_cache = word_embedding_forward(captions_in, p["W_embed"])
        h, _, cell_cache = attention_lstm_forward(x, h0, regions, *self._cell())
        scores, scores_cache = temporal_affine_forward(h, p["W_vocab"], p["b_vocab"])
        loss, dscores = temporal_softmax_loss(scores, captions_out, mask)
        grads = {}
        dh, grads["W_vocab"], grads["b_vocab"] = temporal_affine_backward(dscores, scores_cache)
        dx, dh0, _, *dcell = attention_lstm_backward(dh, cell_cache)  # regions are data: no update
        grads.update(zip(["Wx", "Wh", "Wc", "b", "Wa"], dcell, strict=True))
        grads["W_embed"] = word_embedding_backward(dx, embed_cache)
        grads["W_proj"] = mean_region.T @ dh0
        grads["b_proj"] = dh0.sum(axis=0)
        return loss, grads

    def sample(self, features, max_length=30, return_weights=False):
        """Greedy captions (N, max_length) from the regions (N, L, R), as CaptioningRNN.sample; with
        return_weights, also where the model looked while writing each word: weights (N, max_length, L)."""
        regions = self._regions(features)
        p = self.params
        N = len(regions)
        h = regions.mean(axis=1) @ p["W_proj"] + p["b_proj"]
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
