"""An image captioner that attends over the image's regions while it writes (provided, notebook 9).

    mean of the regions --affine--> h0
    <START> w1 w2 ... --embedding--> attention LSTM, looking at the regions every step --affine--> scores

The attention LSTM is the one of attention_layers.py: at every step the previous hidden state chooses
where to look, and the context it sees enters the gates. As in Xu et al. (2015), the initial state comes
from the mean of the regions: a summary of what is in the image, but not of where.

It is a CaptioningRNN whose cell is the attention LSTM: its loss and sample are CaptioningRNN's (yours,
from notebook 5), handed this cell through _cell_functions, _cell_params and _step. The same
CaptioningSolver trains it: attention_features(data) puts the regions, each with its position in the
grid, where the solver looks for features.

Shapes: N images, L regions of dimension R, T tokens, W word vector dimension, H hidden units, V words.
"""

import numpy as np

from .attention_layers import attention_lstm_backward, attention_lstm_forward, attention_lstm_step_forward
from .captioning_rnn import CaptioningRNN


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


class AttentionCaptioningRNN(CaptioningRNN):
    """Regions of R = 18 numbers by default: the data set's 16, then the region's row and column.

    Parameters: CaptioningRNN's for an LSTM with D = R (W_proj maps the mean region to h0), and the
    attention LSTM's Wc (R, 4H) and Wa (H, R).
    """

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
        super().__init__(word_to_idx, region_dim, wordvec_dim, hidden_dim, "lstm", dtype, seed)
        self.cell_type = "attention lstm"
        self.num_regions, self.region_dim = num_regions, region_dim
        rng = np.random.RandomState(seed + 1)
        H, R = hidden_dim, region_dim
        self.params["Wc"] = (rng.randn(R, 4 * H) / np.sqrt(R)).astype(self.dtype)
        self.params["Wa"] = (rng.randn(H, R) / np.sqrt(H)).astype(self.dtype)
        self._regions = None  # what the cell looks at, set by loss and sample for one call
        self._looked = []  # the attention weights of every step sample took

    def _regions_of(self, features):
        """The regions (N, L, R) as this model's dtype, refused with the expected shape otherwise."""
        regions = np.asarray(features, dtype=self.dtype)
        if regions.ndim != 3 or regions.shape[1:] != (self.num_regions, self.region_dim):
            raise ValueError(
                f"AttentionCaptioningRNN: features should be regions of shape (N, {self.num_regions}, "
                f"{self.region_dim}) (attention_features(data) puts them in place), got {regions.shape}"
            )
        return regions

    # The cell CaptioningRNN's loss and sample run: the regions come first, like a parameter of the
    # cell, because attention_lstm_forward takes them there; their gradient is dropped (they are data).
    def _cell_params(self):
        p = self.params
        return [self._regions, p["Wx"], p["Wh"], p["Wc"], p["b"], p["Wa"]]

    def _cell_param_names(self):
        return ["regions", "Wx", "Wh", "Wc", "b", "Wa"]

    def _cell_functions(self):
        def forward(x, h0, *cell):
            h, _, cache = attention_lstm_forward(x, h0, *cell)  # training needs no weights
            return h, cache

        return forward, attention_lstm_backward

    def _step(self, x, prev_h, prev_c):
        prev_c = np.zeros_like(prev_h) if prev_c is None else prev_c
        next_h, next_c, weights, _ = attention_lstm_step_forward(x, prev_h, prev_c, *self._cell_params())
        self._looked.append(weights)
        return next_h, next_c

    def loss(self, features, captions):
        """Loss and gradients as CaptioningRNN.loss; features are the regions (N, L, R), and h0 comes
        from their mean."""
        self._regions = self._regions_of(features)
        try:
            loss, grads = super().loss(self._regions.mean(axis=1), captions)
        finally:
            self._regions = None
        grads.pop("regions", None)
        return loss, grads

    def sample(self, features, max_length=30, return_weights=False):
        """Greedy captions (N, max_length) from the regions (N, L, R), as CaptioningRNN.sample; with
        return_weights, also where the model looked while writing each word: weights (N, max_length, L),
        zero after the last step taken."""
        self._regions, self._looked = self._regions_of(features), []
        try:
            captions = super().sample(self._regions.mean(axis=1), max_length)
            weights = np.zeros((len(captions), max_length, self.num_regions), dtype=self.dtype)
            if self._looked:
                weights[:, : len(self._looked)] = np.stack(self._looked, axis=1)
        finally:
            self._regions, self._looked = None, []
        return (captions, weights) if return_weights else captions

    def beam_search(self, features, max_length=30, beam_size=3, length_penalty=0.0):
        raise NotImplementedError("AttentionCaptioningRNN samples greedily only: call sample(features)")
