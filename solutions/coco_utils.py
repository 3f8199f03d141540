"""Loading the captioning data (provided): cs231n's COCO captioning layout, read from local files only.

``make data`` builds the course's scenes data set in ``datasets/coco_captioning``; the same functions
read the original cs231n COCO files if you put them there (or pass their folder as ``base_dir``).

Shapes used below:
    N   number of captions in a minibatch
    T   tokens per stored caption (17 in both data sets), <START> and <END> included
    D   feature dimension (512 after PCA)
    L   regions per image in the spatial features (16: a 4 x 4 grid), each of dimension 16
"""

import json
from pathlib import Path

import numpy as np

from .datasets import REBUILD, DataError, dataset_dir, verify_files


class CaptioningDataError(DataError):
    """A file of the captioning data set is missing or damaged; the message says how to rebuild it."""


def _read_h5(path, keys=None):
    import h5py  # imported here so that the rest of the course runs without touching HDF5

    if not path.exists():
        raise CaptioningDataError(f"{path} is missing: {REBUILD}.")
    try:
        with h5py.File(path, "r") as f:
            missing = [k for k in keys or [] if k not in f]
            if missing:
                raise CaptioningDataError(f"{path} has no dataset {missing[0]!r}: {REBUILD}.")
            return {k: np.asarray(f[k]) for k in keys or list(f)}
    except CaptioningDataError:
        raise
    except (OSError, KeyError, ValueError, RuntimeError) as error:  # h5py's errors for a damaged file
        raise CaptioningDataError(f"{path} is damaged ({error}): {REBUILD}.") from None


def _read_lines(path):
    if not path.exists():
        raise CaptioningDataError(f"{path} is missing: {REBUILD}.")
    try:
        return np.asarray([line.strip() for line in path.read_text(encoding="utf-8").splitlines()])
    except UnicodeDecodeError as error:
        raise CaptioningDataError(f"{path} is damaged (not UTF-8 text: {error}): {REBUILD}.") from None


def load_coco_data(base_dir=None, max_train=None, pca_features=True, seed=0, spatial=False):
    """Load captions, image features, vocabulary and image locations into one dict.

    Inputs:
    - base_dir: folder with the files (default: the course's datasets/coco_captioning).
    - max_train: if given, keep only this many training captions, sampled without replacement.
    - pca_features: the 512-dimensional PCA features (True) or the raw ones.
    - seed: seed of the sampling for max_train, so that a notebook always gets the same subset.
    - spatial: also load the region features (the course's scenes only; cs231n's files have none).

    Returns a dict with
    - train_captions, val_captions: int32 (num_captions, T), padded with <NULL>;
    - train_image_idxs, val_image_idxs: int32 (num_captions,), the row of each caption's image;
    - train_features, val_features: float32 (num_images, D);
    - idx_to_word (list), word_to_idx (dict);
    - train_urls, val_urls: one image location per image (a path relative to base_dir, or a URL);
    - with spatial=True, train_regions, val_regions: float32 (num_images, L, D_region), one descriptor
      per region of a 4 x 4 grid over the image, region r at row r // 4 and column r % 4.
    """
    base_dir = dataset_dir("coco_captioning") if base_dir is None else Path(base_dir)
    suffix = "_pca" if pca_features else ""
    names = ["coco2014_captions.h5", "coco2014_vocab.json"]
    for split in ("train", "val"):
        names += [f"{split}2014_vgg16_fc7{suffix}.h5", f"{split}2014_urls.txt"]
        names += [f"{split}2014_regions.h5"] if spatial else []
    try:
        verify_files(base_dir, names)  # against the manifest of `make data`, if the folder has one
    except DataError as error:
        raise CaptioningDataError(str(error)) from None
    data = _read_h5(
        base_dir / "coco2014_captions.h5",
        ["train_captions", "train_image_idxs", "val_captions", "val_image_idxs"],
    )
    for split in ("train", "val"):
        path = base_dir / f"{split}2014_vgg16_fc7{suffix}.h5"
        data[f"{split}_features"] = _read_h5(path, ["features"])["features"]
        data[f"{split}_urls"] = _read_lines(base_dir / f"{split}2014_urls.txt")
        if spatial:
            regions = _read_h5(base_dir / f"{split}2014_regions.h5", ["features"])["features"]
            if regions.ndim != 3 or len(regions) != len(data[f"{split}_features"]):
                raise CaptioningDataError(
                    f"{base_dir / f'{split}2014_regions.h5'} should hold (images, regions, dims) for the "
                    f"{len(data[f'{split}_features'])} {split} images, not {regions.shape}: {REBUILD}."
                )
            data[f"{split}_regions"] = regions
    vocab_path = base_dir / "coco2014_vocab.json"
    try:
        vocab = json.loads(vocab_path.read_text(encoding="utf-8"))
        data["idx_to_word"], data["word_to_idx"] = vocab["idx_to_word"], vocab["word_to_idx"]
        if not isinstance(data["idx_to_word"], list) or not isinstance(data["word_to_idx"], dict):
            raise ValueError("idx_to_word should be a list and word_to_idx a dict")
    except (ValueError, KeyError, TypeError) as error:
        raise CaptioningDataError(f"{vocab_path} is damaged ({error}): {REBUILD}.") from None
    # The checks a folder without a manifest (cs231n's own files) still gets: the parts fit together.
    V = len(data["idx_to_word"])
    for split in ("train", "val"):
        idxs, captions = data[f"{split}_image_idxs"], data[f"{split}_captions"]
        rows, urls = len(data[f"{split}_features"]), data[f"{split}_urls"]
        if len(idxs) != len(captions) or (len(idxs) and not 0 <= idxs.min() <= idxs.max() < rows):
            raise CaptioningDataError(
                f"{base_dir}: the {split} captions point at images that the {split} features do not "
                f"have: {REBUILD}."
            )
        if captions.size and not 0 <= captions.min() <= captions.max() < V:
            raise CaptioningDataError(
                f"{base_dir / 'coco2014_captions.h5'}: {split}_captions holds word indices outside the "
                f"vocabulary of {V} words: {REBUILD}."
            )
        if len(urls) != rows:
            raise CaptioningDataError(
                f"{base_dir / f'{split}2014_urls.txt'} lists {len(urls)} images, the {split} features "
                f"have {rows}: {REBUILD}."
            )
    if max_train is not None:
        num_train = len(data["train_captions"])
        if not 0 < max_train <= num_train:
            raise ValueError(f"max_train should be between 1 and {num_train}, got {max_train}")
        keep = np.random.RandomState(seed).choice(num_train, size=max_train, replace=False)
        data["train_captions"] = data["train_captions"][keep]
        data["train_image_idxs"] = data["train_image_idxs"][keep]
    return data


def sample_coco_minibatch(data, batch_size=100, split="train", rng=None):
    """A random minibatch of captions with their image features and image locations.

    Inputs:
    - data: as returned by load_coco_data.
    - batch_size: number of captions N.
    - split: "train" or "val".
    - rng: a np.random.RandomState (the solver passes its own, so that training is reproducible);
      None uses NumPy's global generator.

    Returns (captions (N, T) int32, image_features (N, D) float32, urls (N,)).
    """
    if split not in ("train", "val"):
        raise ValueError(f"split should be 'train' or 'val', got {split!r}")
    rng = np.random if rng is None else rng
    split_size = data[f"{split}_captions"].shape[0]
    mask = rng.choice(split_size, batch_size)
    captions = data[f"{split}_captions"][mask]
    image_idxs = data[f"{split}_image_idxs"][mask]
    return captions, data[f"{split}_features"][image_idxs], data[f"{split}_urls"][image_idxs]


def decode_captions(captions, idx_to_word):
    """Word indices to text: one string per row (or a string for a single caption), stopping at <END>.

    <NULL> and <START> are left out, so ``decode_captions(captions[:, 1:], ...)`` and a sampled caption
    read the same way.
    """
    captions = np.asarray(captions)
    single = captions.ndim == 1
    decoded = []
    for row in np.atleast_2d(captions):
        words = []
        for idx in row:
            word = idx_to_word[int(idx)]
            if word == "<END>":
                break
            if word not in ("<NULL>", "<START>"):
                words.append(word)
        decoded.append(" ".join(words))
    return decoded[0] if single else decoded


def captions_by_image(data, split="val"):
    """Every image's reference captions as lists of words: a list with one entry per image row."""
    refs = [[] for _ in range(len(data[f"{split}_features"]))]
    texts = decode_captions(data[f"{split}_captions"], data["idx_to_word"])
    for idx, text in zip(data[f"{split}_image_idxs"], texts, strict=True):
        refs[int(idx)].append(text.split())
    return refs


def load_image(location, base_dir=None):
    """An image as a (H, W, 3) uint8 array, from a path relative to base_dir (or absolute).

    URLs are refused: this course never downloads anything.
    """
    location = str(location)
    base_dir = dataset_dir("coco_captioning") if base_dir is None else Path(base_dir)
    if "://" in location:
        raise ValueError(
            f"{location} is a URL; images are read from local files only. Put the images in {base_dir} "
            "and list their paths in the *_urls.txt files."
        )
    import imageio.v3 as iio

    path = Path(location) if Path(location).is_absolute() else Path(base_dir) / location
    if not path.exists():
        raise CaptioningDataError(f"{path} is missing: {REBUILD}.")
    return iio.imread(path)


def show_captioned_images(images, titles, columns=4, scale=2.0):
    """A grid of images, each with its caption(s) above it (a string, or a list of lines per image)."""
    import matplotlib.pyplot as plt

    rows = -(-len(images) // columns)
    fig, axes = plt.subplots(
        rows, columns, figsize=(columns * scale * 1.6, rows * scale * 1.5), squeeze=False
    )
    for ax in axes.flat:
        ax.axis("off")
    for ax, image, title in zip(axes.flat, images, titles, strict=False):
        ax.imshow(image, interpolation="nearest")
        lines = [title] if isinstance(title, str) else list(title)
        ax.set_title("\n".join(lines), fontsize=7)
    fig.tight_layout()
    return fig
