"""A character-level language model, trained by truncated backpropagation through time.

    text -> character ids -> Embedding -> RNN / LSTM / GRU (carrying its state) -> TemporalAffine -> scores

Shapes used below:
    N  parallel streams of text (the batch)    L  characters per stream
    T  characters per chunk                     V  characters in the vocabulary
"""

import json
from pathlib import Path

import numpy as np

from .clipping import clip_by_global_norm
from .datasets import REBUILD, DataError, dataset_dir, verify_files
from .layers import GRU, LSTM, RNN, Embedding, Recurrent, TemporalAffine
from .rnn_layers import temporal_softmax_loss
from .shapes import expect_shapes


def load_text(data_dir=None):
    """(train text, val text, vocabulary list of characters) from datasets/char_lm (``make data``)."""
    data_dir = dataset_dir("char_lm") if data_dir is None else Path(data_dir)
    verify_files(data_dir, ["train.txt", "val.txt", "vocab.json"])  # against the manifest of `make data`
    texts = {}
    for name in ("train.txt", "val.txt", "vocab.json"):
        try:
            texts[name] = (data_dir / name).read_text(encoding="utf-8")
        except UnicodeDecodeError as error:
            raise DataError(f"{data_dir / name} is damaged (not UTF-8 text: {error}): {REBUILD}.") from None
    try:
        chars = json.loads(texts["vocab.json"])["chars"]
        if not isinstance(chars, list) or not all(isinstance(c, str) and len(c) == 1 for c in chars):
            raise ValueError("chars should be a list of single characters")
    except (ValueError, KeyError, TypeError) as error:
        raise DataError(f"{data_dir / 'vocab.json'} is damaged ({error}): {REBUILD}.") from None
    unknown = sorted(set(texts["train.txt"] + texts["val.txt"]) - set(chars))
    if unknown:
        raise DataError(
            f"{data_dir}: the text has characters that vocab.json lacks ({unknown[:5]}): {REBUILD}."
        )
    return texts["train.txt"], texts["val.txt"], chars


def encode(text, chars):
    """Character ids (int64 array) of a text; every character must be in `chars`."""
    index = {c: i for i, c in enumerate(chars)}
    unknown = sorted(set(text) - set(index))
    if unknown:
        raise ValueError(f"characters not in the vocabulary: {unknown[:10]}")
    return np.array([index[c] for c in text], dtype=np.int64)


def batchify(ids, batch_size):
    """Cut a long id sequence into batch_size parallel streams, shape (N, L): stream n continues itself."""
    length = len(ids) // batch_size
    return ids[: batch_size * length].reshape(batch_size, length)


def sample_with_temperature(scores, temperature=1.0, rng=None):
    """Draw one index per row from softmax(scores / temperature).

    Inputs:
    - scores: unnormalized log-probabilities, shape (N, V).
    - temperature: > 0. Below 1 sharpens the distribution (towards the most likely index), above 1
      flattens it (towards uniform); 1 samples from the model's own distribution.
    - rng: a np.random.RandomState or np.random.Generator to draw with (None: NumPy's global generator).

    Returns an int64 array of shape (N,): a random draw for each row, not the most likely index.
    """
    if not temperature > 0:
        raise ValueError(f"sample_with_temperature: temperature should be > 0, got {temperature}")
    expect_shapes("sample_with_temperature", scores=(scores, "N V"))
    row_max = scores.max(axis=1)
    if not np.isfinite(row_max).all():
        n = int(np.argmin(np.isfinite(row_max)))
        raise ValueError(
            "sample_with_temperature: every row of scores needs a finite largest score (NaN, +inf or an "
            f"all -inf row gives no distribution to draw from), row {n} has {row_max[n]}"
        )
    rng = np.random if rng is None else rng
    if not hasattr(rng, "random"):
        raise TypeError(
            "sample_with_temperature: rng should be a np.random.RandomState or np.random.Generator, "
            f"got {type(rng).__name__}"
        )
    ### TODO: divide the scores by the temperature, then a stable softmax; then draw each row's index
    ### TODO: from its probabilities (rng.choice with p=..., or rng.random() against the cumulative sum).
    ### BEGIN SOLUTION
    z = scores / temperature
    z = z - z.max(axis=1, keepdims=True)
    probs = np.exp(z)
    probs /= probs.sum(axis=1, keepdims=True)
    # One uniform number per row against the cumulative probabilities: a vectorized rng.choice.
    u = rng.random((scores.shape[0], 1))
    picks = (probs.cumsum(axis=1) < u).sum(axis=1)
    picks = np.minimum(picks, scores.shape[1] - 1)  # u within rounding of 1
    ### END SOLUTION
    return picks.astype(np.int64)


class CharRNN:
    """Embedding, recurrent layers that carry their state from call to call, and a temporal affine layer.

    cell_type: "rnn", "lstm", "gru", or a layers.Recurrent class (notebook 11's MinGRU, MinLSTM);
    num_layers recurrent layers are stacked, the states of one the inputs of the next.
    """

    def __init__(
        self,
        vocab_size,
        embed_dim=32,
        hidden_dim=128,
        cell_type="lstm",
        dtype=np.float32,
        seed=0,
        num_layers=1,
    ):
        cells = {"rnn": RNN, "lstm": LSTM, "gru": GRU}
        if isinstance(cell_type, type) and issubclass(cell_type, Recurrent):
            cell = cell_type
        elif cell_type in cells:
            cell = cells[cell_type]
        else:
            raise ValueError(
                f"cell_type should be one of {', '.join(cells)} or a Recurrent class, got {cell_type!r}"
            )
        self.cell_type = cell_type
        self.layers = [
            Embedding(vocab_size, embed_dim, dtype, seed),
            *[
                cell(hidden_dim if k else embed_dim, hidden_dim, dtype, seed + 1 + 10 * k, stateful=True)
                for k in range(num_layers)
            ],
            TemporalAffine(hidden_dim, vocab_size, dtype, seed + 2),
        ]

    @property
    def cell(self):
        """The first recurrent layer."""
        return self.layers[1]

    @property
    def recurrent(self):
        """Every recurrent layer, bottom first."""
        return self.layers[1:-1]

    def reset_state(self):
        """Start the next chunk from a zero state."""
        for layer in self.recurrent:
            layer.reset_state()

    def scores(self, inputs):
        """Scores (N, T, V) for the characters (N, T), continuing from the carried state."""
        out = inputs
        for layer in self.layers:
            out = layer.forward(out)
        return out

    def loss(self, inputs, targets):
        """Mean cross-entropy per character of predicting targets (N, T) from inputs (N, T).

        Runs from the carried state and leaves the next state in the recurrent layer; the backward pass
        stays inside this chunk. Gradients are left in each layer's ``grads``.
        """
        scores = self.scores(inputs)
        T = inputs.shape[1]
        loss, dscores = temporal_softmax_loss(scores, targets, np.ones(targets.shape, dtype=bool))
        dout = dscores / T  # per character, so that chunks of any length are on the same scale
        for layer in reversed(self.layers):
            dout = layer.backward(dout)
        return loss / T

    def clip_gradients(self, max_norm):
        """Scale all gradients together so that their joint norm is at most max_norm (clip_by_global_norm)."""
        keys = [(layer, name) for layer in self.layers for name in layer.params]
        clipped, norm = clip_by_global_norm([layer.grads[name] for layer, name in keys], max_norm)
        for (layer, name), grad in zip(keys, clipped, strict=True):
            layer.grads[name] = grad
        return norm

    def sample(self, start, length, temperature=1.0, rng=None):
        """Continue the id sequence `start` by `length` sampled ids; the training state is kept aside."""
        kept = [layer.state for layer in self.recurrent]
        self.reset_state()
        scores = self.scores(np.asarray(start, dtype=np.int64)[None, :])[:, -1]
        out = []
        for _ in range(length):
            nxt = sample_with_temperature(scores, temperature, rng)
            out.append(int(nxt[0]))
            scores = self.scores(nxt[:, None])[:, -1]
        for layer, state in zip(self.recurrent, kept, strict=True):
            layer.state = state
        return out


def truncated_bptt_epoch(model, optimizer, stream, chunk_length, max_norm=None):
    """One pass over the streams in chunks, carrying the hidden state and stopping gradients in between.

    Inputs:
    - model: a CharRNN (its recurrent layer carries its state from one model.loss call to the next).
    - optimizer: a layers.Optimizer over model.layers.
    - stream: character ids, shape (N, L): N streams read side by side.
    - chunk_length: characters per chunk (the last chunk may be shorter).
    - max_norm: if given, clip the gradients to this global norm (model.clip_gradients) before each step.

    Returns a list with the loss of each chunk, in order.
    """
    ### TODO: start the epoch from a fresh state. Chunks start at 0, chunk_length, 2 * chunk_length, ...:
    ### TODO: the model reads stream[:, start:stop] and predicts the next characters, stream[:, start + 1 :
    ### TODO: stop + 1]; the last target is the stream's last character. One optimizer step per chunk,
    ### TODO: after clipping the gradients to max_norm (model.clip_gradients) when max_norm is given.
    ### BEGIN SOLUTION
    model.reset_state()
    losses = []
    L = stream.shape[1]
    for start in range(0, L - 1, chunk_length):
        stop = min(start + chunk_length, L - 1)
        losses.append(model.loss(stream[:, start:stop], stream[:, start + 1 : stop + 1]))
        if max_norm is not None:
            model.clip_gradients(max_norm)
        optimizer.step()
    ### END SOLUTION
    return losses


def perplexity(model, stream, chunk_length=256):
    """exp(mean cross-entropy per character) on streams (N, L), carrying the state along; no training."""
    model.reset_state()
    total, count = 0.0, 0
    for start in range(0, stream.shape[1] - 1, chunk_length):
        stop = min(start + chunk_length, stream.shape[1] - 1)
        scores = model.scores(stream[:, start:stop]).astype(np.float64)
        targets = stream[:, start + 1 : stop + 1]
        loss, _ = temporal_softmax_loss(scores, targets, np.ones(targets.shape, dtype=bool))
        total += loss * stream.shape[0]
        count += targets.size
    model.reset_state()
    return float(np.exp(total / count))
