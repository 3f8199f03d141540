"""The dates to translate, and training and measuring an encoder-decoder on them (provided, notebook 10).

Sources are the characters of a human-written date, padded at the end with 0 to the longest source of
the minibatch; targets are <start> (0) and the ten characters of the ISO date.
"""

import json
from pathlib import Path

import numpy as np
from tqdm.auto import tqdm

from .datasets import REBUILD, DataError, dataset_dir, verify_files
from .optim import adam

SPLITS = ("train", "val", "test", "heldout")
TARGET_LENGTH = 10  # "1958-08-29"
FILES = [f"{split}.tsv" for split in SPLITS] + ["vocab.json"]


def load_dates(data_dir=None):
    """(data, formats, vocab) from datasets/dates (``make data``).

    data: {split: [(source, target), ...]}; formats: {split: [the format of each source, ...]};
    vocab: {"source": chars, "target": chars, "formats": [...], "held_out_formats": [...]}.
    """
    data_dir = dataset_dir("dates") if data_dir is None else Path(data_dir)
    verify_files(data_dir, FILES)  # against the manifest of `make data`
    try:
        vocab = json.loads((data_dir / "vocab.json").read_text(encoding="utf-8"))
        for side in ("source", "target"):
            if not all(isinstance(c, str) and len(c) == 1 for c in vocab[side]):
                raise ValueError(f"{side} should be a list of single characters")
        known = set(vocab["formats"]) | set(vocab["held_out_formats"])
        data, formats = {}, {}
        for split in SPLITS:
            lines = (data_dir / f"{split}.tsv").read_text(encoding="utf-8").splitlines()
            rows = [line.split("\t") for line in lines]
            for row in rows:
                if len(row) != 3 or len(row[1]) != TARGET_LENGTH or row[2] not in known:
                    raise ValueError(
                        f"{split}.tsv has a line that is not a date, its ISO form and format: {row}"
                    )
                if not set(row[0]) <= set(vocab["source"]) or not set(row[1]) <= set(vocab["target"]):
                    raise ValueError(f"{split}.tsv has a character that vocab.json lacks: {row[:2]}")
            data[split] = [(source, target) for source, target, _ in rows]
            formats[split] = [name for _, _, name in rows]
    except (OSError, ValueError, KeyError, TypeError, UnicodeDecodeError) as error:
        raise DataError(f"{data_dir} is damaged ({error}): {REBUILD}.") from None
    return data, formats, vocab


class Codec:
    """Characters <-> indices for both sides: source index 0 is padding, target index 0 is <start>."""

    def __init__(self, vocab):
        self.source_chars = ["<pad>", *vocab["source"]]
        self.target_chars = ["<start>", *vocab["target"]]
        self._source = {c: i for i, c in enumerate(self.source_chars)}
        self._target = {c: i for i, c in enumerate(self.target_chars)}

    def sources(self, texts):
        """int64 array (N, S), S the longest text, padded at the end with 0."""
        out = np.zeros((len(texts), max(map(len, texts))), dtype=np.int64)
        for n, text in enumerate(texts):
            out[n, : len(text)] = [self._source[c] for c in text]
        return out

    def targets(self, texts):
        """int64 array (N, T + 1): <start> and the characters."""
        return np.array([[0, *(self._target[c] for c in text)] for text in texts], dtype=np.int64)

    def text(self, indices):
        """The target characters of a row of indices, as a string."""
        return "".join(self.target_chars[i] for i in indices)


def length_batches(pairs, batch_size, rng=None):
    """Minibatches (index arrays into `pairs`) of sources of one length, so that none is padded: the
    backward direction of a bidirectional encoder would otherwise read the padding before the source
    (PyTorch avoids it with packed sequences). With `rng`, shuffled within each length and in order."""
    lengths = np.array([len(source) for source, _ in pairs])
    batches = []
    for length in np.unique(lengths):
        group = np.flatnonzero(lengths == length)
        if rng is not None:
            group = rng.permutation(group)
        batches += [group[k : k + batch_size] for k in range(0, len(group), batch_size)]
    if rng is not None:
        batches = [batches[k] for k in rng.permutation(len(batches))]
    return batches


def train(model, codec, pairs, epochs=4, batch_size=64, learning_rate=3e-3, seed=0, label="training"):
    """Adam on the teacher-forced loss, minibatches of equal-length sources shuffled each epoch; a progress
    bar with the time. Returns the loss of every step (a list of floats)."""
    rng = np.random.RandomState(seed)
    configs = {name: {"learning_rate": learning_rate} for name in model.params}
    steps = len(length_batches(pairs, batch_size))
    losses = []
    with tqdm(total=epochs * steps, desc=label, mininterval=1.0) as bar:
        for _epoch in range(epochs):
            for indices in length_batches(pairs, batch_size, rng):
                batch = [pairs[i] for i in indices]
                sources, targets = codec.sources([s for s, _ in batch]), codec.targets([t for _, t in batch])
                loss, grads = model.loss(sources, targets)
                for name, grad in grads.items():
                    model.params[name], configs[name] = adam(model.params[name], grad, configs[name])
                losses.append(float(loss))
                bar.update()
                bar.set_postfix(loss=f"{loss / TARGET_LENGTH:.3f}", refresh=False)
    return losses


def predict(model, codec, pairs, teacher_forced=False, batch_size=500):
    """Greedy decoding of every source, in minibatches of equal-length sources (so the results do not
    depend on how the sources are grouped).

    Returns (predicted int array (N, 10), true int array (N, 10), attention weights (N, 10, S) with S the
    longest source, zero beyond each source's end; None without attention), in the order of `pairs`."""
    N, S = len(pairs), max(len(source) for source, _ in pairs)
    predicted = np.zeros((N, TARGET_LENGTH), dtype=np.int64)
    weights = np.zeros((N, TARGET_LENGTH, S)) if model.attention else None
    for indices in length_batches(pairs, batch_size):
        batch = [pairs[i] for i in indices]
        targets = codec.targets([t for _, t in batch]) if teacher_forced else None
        out, w = model.decode(codec.sources([s for s, _ in batch]), TARGET_LENGTH, targets)
        predicted[indices] = out
        if w is not None:
            weights[indices, :, : w.shape[2]] = w
    true = codec.targets([t for _, t in pairs])[:, 1:]
    return predicted, true, weights


def accuracies(predicted, true):
    """{"exact": share of dates entirely right, "per_char": share of characters right}."""
    right = predicted == true
    return {"exact": float(right.all(axis=1).mean()), "per_char": float(right.mean())}
