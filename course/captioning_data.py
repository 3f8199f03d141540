"""The scenes captioning data set: rendered images of simple objects with captions from a small grammar.

    python -m course.captioning_data [--out DIR]       (``make data`` runs it when needed)

Each image is 64x64 RGB: one object (a quarter of the images) or two, each a circle, square or triangle,
small or large, in one of five colours, on an unevenly lit grey background. Two objects stand in a clear
relation (left of, right of, above, below); a single object has a clear position. Every image has five
captions drawn from a small grammar with varied wording ("big"/"large", "over"/"above", either object
first, size sometimes left out), so a caption can only be right if the image is looked at.

Written in the layout of cs231n's COCO captioning files, so ``load_coco_data`` reads the original files
too: ``coco2014_captions.h5``, ``coco2014_vocab.json``, ``{train,val}2014_vgg16_fc7[_pca].h5`` and
``{train,val}2014_urls.txt`` (here relative paths of PNG files under ``images/``). The feature files
keep cs231n's names but hold this module's fixed extractor (``extract_features``), not VGG-16.
``{train,val}2014_regions.h5`` are this data set's own: a descriptor for each of the 4 x 4 regions of
every image (``extract_region_features``), for captioners that attend to parts of the image.

Deterministic: every random choice comes from fixed seeds, so two builds give byte-identical files.
"""

import argparse
import functools
import json
import sys
from pathlib import Path

import h5py
import imageio.v3 as iio
import numpy as np
from tqdm import tqdm

from . import manifest
from .paths import DATASETS

OUT = DATASETS / "coco_captioning"
# Measured: see datasets/README.md.
BUILD_TIME = "about 30 seconds on 2 idle cores, longer on a busy machine; nothing is downloaded"
VERSION = 2  # bump when the data change, so that `make data` rebuilds old copies (2: region features)

NUM_IMAGES = {"train": 12000, "val": 500}
SEEDS = {"train": 2014, "val": 2015}
CAPTIONS_PER_IMAGE = 5
MAX_LENGTH = 17  # tokens per stored caption, <START> and <END> included (as in cs231n's files)
SIZE = 64
PCA_DIMS = 512
REGION_DIMS = 16  # each region's descriptor after PCA (the descriptors vary in about 15 directions)

COLORS = {
    "red": (205, 30, 30),
    "green": (40, 160, 60),
    "blue": (40, 70, 210),
    "yellow": (235, 215, 20),
    "purple": (140, 50, 170),
}
SHAPES = ("circle", "square", "triangle")
RADIUS = {"small": (5, 7), "large": (10, 13)}
SIZE_WORDS = {"small": ("small", "little"), "large": ("large", "big")}
RELATION_WORDS = {
    "left": ("to the left of", "left of"),
    "right": ("to the right of", "right of"),
    "above": ("above", "over"),
    "below": ("below", "under"),
}
INVERSE = {"left": "right", "right": "left", "above": "below", "below": "above"}
POSITION_WORDS = {
    "left": ("on the left",),
    "right": ("on the right",),
    "above": ("at the top",),
    "below": ("at the bottom",),
}
SPECIAL = ["<NULL>", "<START>", "<END>", "<UNK>"]


# ---------------------------------------------------------------------------------------------- scenes
def random_scene(rng):
    """A scene: a list of objects (dicts with shape, color, size, cx, cy, r) and its relation.

    The relation is that of the first object to the second ("left": the first is left of the second),
    or for a single object its position in the image.
    """

    def obj():
        size = ("small", "large")[rng.randint(2)]
        return {
            "shape": SHAPES[rng.randint(len(SHAPES))],
            "color": list(COLORS)[rng.randint(len(COLORS))],
            "size": size,
            "r": int(rng.randint(RADIUS[size][0], RADIUS[size][1] + 1)),
        }

    relation = list(RELATION_WORDS)[rng.randint(4)]
    if rng.rand() < 0.25:
        a = obj()
        lo, hi = a["r"] + 1, SIZE - a["r"] - 2
        # Along the named axis the object sits in the outer third; across it, anywhere.
        along = rng.randint(lo, max(lo + 1, SIZE // 3)) if relation in ("left", "above") else None
        if along is None:
            along = rng.randint(min(2 * SIZE // 3, hi - 1), hi)
        across = rng.randint(lo, hi)
        a["cx"], a["cy"] = (along, across) if relation in ("left", "right") else (across, along)
        return [a], relation
    a, b = obj(), obj()
    # Place the pair along the relation's axis, well apart, and not too far off it the other way.
    first_low = relation in ("left", "above")
    low, high = (a, b) if first_low else (b, a)
    gap = rng.randint(4, 10)
    span = low["r"] + gap + high["r"]
    start = rng.randint(low["r"] + 1, SIZE - 2 - span - high["r"] + 1)
    low_along, high_along = start, start + span
    mid = rng.randint(max(a["r"], b["r"]) + 2, SIZE - max(a["r"], b["r"]) - 2)
    offset = rng.randint(-4, 5)
    for o, along, across in ((low, low_along, mid), (high, high_along, mid + offset)):
        across = int(np.clip(across, o["r"] + 1, SIZE - o["r"] - 2))
        o["cx"], o["cy"] = (along, across) if relation in ("left", "right") else (across, along)
    return [a, b], relation


def render_scene(objects, rng):
    """RGB image (SIZE, SIZE, 3) uint8: a grey background lit unevenly, objects drawn in order."""
    yy, xx = np.mgrid[0:SIZE, 0:SIZE]
    grey = rng.randint(190, 236)
    image = np.full((SIZE, SIZE, 3), grey, dtype=np.float64)
    # Uneven lighting: a random linear ramp across the background (smooth, so the PNGs stay small).
    ramp = rng.uniform(-12, 12, size=2)
    image += (ramp[0] * (xx / SIZE - 0.5) + ramp[1] * (yy / SIZE - 0.5))[:, :, None]
    for o in objects:
        dx, dy, r = xx - o["cx"], yy - o["cy"], o["r"]
        if o["shape"] == "circle":
            mask = dx**2 + dy**2 <= r**2
        elif o["shape"] == "square":
            half = 0.85 * r
            mask = (np.abs(dx) <= half) & (np.abs(dy) <= half)
        else:  # an upright triangle inside the circle of radius r
            top, base = -r, 0.6 * r
            mask = (dy >= top) & (dy <= base) & (np.abs(dx) <= (dy - top) / (base - top) * 0.95 * r)
        color = np.array(COLORS[o["color"]], dtype=np.float64) + rng.randint(-12, 13, size=3)
        image[mask] = color
    return np.clip(np.rint(image), 0, 255).astype(np.uint8)


def describe(o, rng, size_probability=0.8):
    words = ["a"]
    if rng.rand() < size_probability:
        words.append(SIZE_WORDS[o["size"]][rng.randint(2)])
    return words + [o["color"], o["shape"]]


def random_caption(objects, relation, rng):
    """One caption (a list of words) for a scene, its wording drawn at random from the grammar."""
    template = rng.randint(3)
    opening = ["there", "is"] if template == 1 else []
    if len(objects) == 1:
        position = POSITION_WORDS[relation][0].split()
        words = describe(objects[0], rng)
        return opening + words + (["is"] if template == 2 else []) + position
    a, b = objects
    if rng.rand() < 0.5:  # say it the other way round
        a, b, relation = b, a, INVERSE[relation]
    words_rel = RELATION_WORDS[relation][rng.randint(2)].split()
    middle = ["is"] if template == 2 else []
    return opening + describe(a, rng) + middle + words_rel + describe(b, rng)


def vocabulary():
    words = {"a", "there", "is", *COLORS, *SHAPES}
    for group in (*SIZE_WORDS.values(), *RELATION_WORDS.values(), *POSITION_WORDS.values()):
        for phrase in group:
            words.update(phrase.split())
    idx_to_word = SPECIAL + sorted(words)
    return idx_to_word, {w: i for i, w in enumerate(idx_to_word)}


# -------------------------------------------------------------------------------------------- features
ORIENTATIONS = 6  # unsigned gradient orientation bins of 30 degrees
COLOUR_BINS = 4  # per RGB channel: 4 x 4 x 4 = 64 colour bins
PYRAMID = (1, 2, 4)  # the image, its 2 x 2 quarters, its 4 x 4 sixteenths: 21 regions
COLOUR_DIMS = 21 * COLOUR_BINS**3


def _cell_histograms(bins, weights, k):
    """Histograms over the finest grid of the pyramid (4 x 4 cells of 16 x 16 pixels): (n, 4, 4, k).

    bins: (n, S, S) integer bin of every pixel, in range(k); weights: (n, S, S) what each pixel adds
    (None: 1 each).
    """
    n, size, _ = bins.shape
    finest = PYRAMID[-1]
    side = size // finest
    cell = (np.arange(size) // side)[:, None] * finest + (np.arange(size) // side)[None, :]
    index = (np.arange(n)[:, None, None] * finest**2 + cell) * k + bins
    fine = np.bincount(
        index.ravel(), None if weights is None else weights.ravel(), minlength=n * finest**2 * k
    )
    return fine.reshape(n, finest, finest, k)


def _pyramid(bins, weights, k):
    """Histograms over every region of the spatial pyramid: (n, 21 * k), from the finest cells."""
    fine = _cell_histograms(bins, weights, k)
    n, finest, k = fine.shape[0], fine.shape[1], fine.shape[3]
    out = []
    for cells in PYRAMID:  # coarser levels are sums of finer cells
        group = finest // cells
        out.append(fine.reshape(n, cells, group, cells, group, k).sum(axis=(2, 4)).reshape(n, -1))
    return np.concatenate(out, axis=1)


def _pixel_bins(images):
    """Each pixel's colour bin (n, S, S) in range(64), gradient orientation bin (n, S, S) in range(6),
    and gradient magnitude (n, S, S), for images (n, S, S, 3) uint8."""
    codes = (images // (256 // COLOUR_BINS)).astype(np.int32)
    colour_bin = (codes[..., 0] * COLOUR_BINS + codes[..., 1]) * COLOUR_BINS + codes[..., 2]
    grey = images.astype(np.float64).mean(axis=3) / 255.0
    gx, gy = np.zeros_like(grey), np.zeros_like(grey)
    gx[:, :, 1:-1] = grey[:, :, 2:] - grey[:, :, :-2]
    gy[:, 1:-1, :] = grey[:, 2:, :] - grey[:, :-2, :]
    angle = np.mod(np.arctan2(gy, gx), np.pi)  # unsigned: an edge and its reverse look alike
    orientation = np.minimum((angle / (np.pi / ORIENTATIONS)).astype(np.int64), ORIENTATIONS - 1)
    return colour_bin, orientation, np.hypot(gx, gy)


def extract_features(images, chunk=500):
    """Fixed, documented image features, shape (n, 1470) float32, for images (n, 64, 64, 3) uint8.

    No learned weights: two classic hand-made descriptors, each pooled over a spatial pyramid (the whole
    image, its 2 x 2 quarters and its 4 x 4 sixteenths; Lazebnik et al., 2006), square-rooted:
    - colour: the fraction of pixels in each of 4 x 4 x 4 RGB colour bins, 21 x 64 = 1344 numbers;
    - shape: a histogram of oriented gradients (HOG, Dalal and Triggs, 2005) of the grey image, the
      gradient magnitude summed into 6 orientation bins of 30 degrees, 21 x 6 = 126 numbers. Squares
      have two orientations, triangles three, circles all of them.
    """
    if len(images) > chunk:  # a few hundred images at a time keeps the per-pixel arrays small
        return np.concatenate([extract_features(images[i : i + chunk]) for i in range(0, len(images), chunk)])
    size = images.shape[1]
    colour_bin, orientation, magnitude = _pixel_bins(images)
    colour = _pyramid(colour_bin, None, COLOUR_BINS**3)
    hog = _pyramid(orientation, magnitude, ORIENTATIONS)
    return np.sqrt(np.concatenate([colour, hog], axis=1) / (size * size)).astype(np.float32)


def extract_region_features(images, chunk=500):
    """The same two descriptors for each of the 4 x 4 regions (16 x 16 pixels) of every image.

    Returns (n, 16, 70) float32: regions in row-major order (region r is row r // 4, column r % 4 of
    the grid), each the square root of its 64 colour-bin fractions and its 6 HOG bins (per pixel of
    the region).
    """
    if len(images) > chunk:
        return np.concatenate(
            [extract_region_features(images[i : i + chunk]) for i in range(0, len(images), chunk)]
        )
    n, size = images.shape[0], images.shape[1]
    colour_bin, orientation, magnitude = _pixel_bins(images)
    colour = _cell_histograms(colour_bin, None, COLOUR_BINS**3)
    hog = _cell_histograms(orientation, magnitude, ORIENTATIONS)
    grid = PYRAMID[-1]
    pixels = (size // grid) ** 2
    regions = np.concatenate([colour, hog], axis=3).reshape(n, grid * grid, -1)
    return np.sqrt(regions / pixels).astype(np.float32)


def fit_pca(train, dims, colour_dims=COLOUR_DIMS):
    """(mean, scale, components) of a PCA of the training features, signs fixed.

    Each descriptor (colour, HOG) is first scaled to the same total variance, so neither drowns the
    other; dimensions are not standardized one by one, which would blow up the noise of cells that are
    nearly always background. The result is scaled to a mean variance of 1 per output dimension.
    """
    train = train.astype(np.float64)
    mean = train.mean(axis=0)
    scale = np.empty(train.shape[1])
    for block in (slice(0, colour_dims), slice(colour_dims, None)):
        scale[block] = np.sqrt(train[:, block].var(axis=0).sum())
    z = (train - mean) / scale
    _, s, vt = np.linalg.svd(z, full_matrices=False)
    # An eigenvector's sign is arbitrary: make each one's largest entry positive, so builds agree.
    components = vt[:dims] * np.sign(vt[np.arange(dims), np.abs(vt[:dims]).argmax(axis=1)])[:, None]
    spread = np.sqrt(np.mean(s[:dims] ** 2 / len(train)))
    return mean, scale, components / spread


def apply_pca(features, pca):
    mean, scale, components = pca
    return (((features - mean) / scale) @ components.T).astype(np.float32)


# ---------------------------------------------------------------------------------------------- build
def progress(iterable, description, total=None):
    """A progress bar on the terminal (none when the output goes to a file or a log)."""
    return tqdm(iterable, desc=description, total=total, unit="image", disable=None, leave=False)


def build_split(split, count):
    rng = np.random.RandomState(SEEDS[split])
    images, captions = [], []
    for _ in progress(range(count), f"drawing the {split} scenes"):
        objects, relation = random_scene(rng)
        images.append(render_scene(objects, rng))
        captions.append([random_caption(objects, relation, rng) for _ in range(CAPTIONS_PER_IMAGE)])
    return np.stack(images), captions


def encode(captions, word_to_idx):
    """Captions as (num_captions, MAX_LENGTH) int32 padded with <NULL>, and each one's image index."""
    rows, image_idxs = [], []
    for image, texts in enumerate(captions):
        for words in texts:
            tokens = [word_to_idx["<START>"]] + [word_to_idx[w] for w in words] + [word_to_idx["<END>"]]
            assert len(tokens) <= MAX_LENGTH, words
            rows.append(tokens + [word_to_idx["<NULL>"]] * (MAX_LENGTH - len(tokens)))
            image_idxs.append(image)
    return np.array(rows, dtype=np.int32), np.array(image_idxs, dtype=np.int32)


def write_h5(path, arrays):
    # No timestamps in the file (track_times=False), so that identical data give identical bytes.
    with h5py.File(path, "w", libver=("earliest", "v110"), track_order=False) as f:
        for key, value in arrays.items():
            f.create_dataset(key, data=value, track_times=False)


def build(out=OUT, num_images=NUM_IMAGES, pca_dims=PCA_DIMS):
    """Build the data set into `out` (replacing its files) and its manifest; returns the files written.

    num_images and pca_dims are for tests, which build a small copy. See manifest.build_into for what a
    failed build leaves (the old files) and what two builds at once do (they take turns).
    """
    return manifest.build_into(
        out, VERSION, functools.partial(write_files, num_images=num_images, pca_dims=pca_dims)
    )


def write_files(out, num_images=NUM_IMAGES, pca_dims=PCA_DIMS):
    """Write every file of the data set into the folder `out`; returns their names (relative to out)."""
    idx_to_word, word_to_idx = vocabulary()
    arrays, features, regions, written = {}, {}, {}, []
    for split in ("train", "val"):
        images, captions = build_split(split, num_images[split])
        arrays[f"{split}_captions"], arrays[f"{split}_image_idxs"] = encode(captions, word_to_idx)
        features[split] = extract_features(images)
        regions[split] = extract_region_features(images)
        folder = out / "images" / split
        folder.mkdir(parents=True, exist_ok=True)
        names = []
        for i, image in progress(enumerate(images), f"writing the {split} images", total=len(images)):
            name = f"images/{split}/{split}_{i:05d}.png"
            iio.imwrite(out / name, image)
            names.append(name)
        (out / f"{split}2014_urls.txt").write_text("\n".join(names) + "\n")
        written += [f"{split}2014_urls.txt", *names]
    pca = fit_pca(features["train"], pca_dims)
    n_regions, region_dims = regions["train"].shape[1:]
    region_pca = fit_pca(regions["train"].reshape(-1, region_dims), REGION_DIMS, colour_dims=COLOUR_BINS**3)
    for split in ("train", "val"):
        write_h5(out / f"{split}2014_vgg16_fc7.h5", {"features": features[split]})
        write_h5(out / f"{split}2014_vgg16_fc7_pca.h5", {"features": apply_pca(features[split], pca)})
        flat = apply_pca(regions[split].reshape(-1, region_dims), region_pca)
        write_h5(out / f"{split}2014_regions.h5", {"features": flat.reshape(-1, n_regions, REGION_DIMS)})
        written += [f"{split}2014_vgg16_fc7.h5", f"{split}2014_vgg16_fc7_pca.h5", f"{split}2014_regions.h5"]
    write_h5(out / "coco2014_captions.h5", arrays)
    vocab = {"idx_to_word": idx_to_word, "word_to_idx": word_to_idx}
    (out / "coco2014_vocab.json").write_text(json.dumps(vocab, indent=1, sort_keys=True) + "\n")
    written += ["coco2014_captions.h5", "coco2014_vocab.json"]
    return sorted(written)


def problems(out=OUT):
    """What is wrong with the built data set in `out` (missing, changed or old files); [] if nothing."""
    return manifest.problems(out, VERSION)


def main(argv=None):
    parser = argparse.ArgumentParser(description="Build the scenes captioning data set (if needed).")
    parser.add_argument("--out", type=Path, default=OUT)
    parser.add_argument("--force", action="store_true", help="rebuild even if the files are intact")
    args = parser.parse_args(argv)
    return manifest.run_build(
        args.out, VERSION, write_files, "the captioning data set", BUILD_TIME, force=args.force
    )


if __name__ == "__main__":
    sys.exit(main())
