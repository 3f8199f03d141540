"""The scenes captioning data set and its loader: deterministic, in cs231n's layout, clear errors."""

import json

import h5py
import numpy as np
import pytest

from course import captioning_data, manifest
from solutions.coco_utils import (
    CaptioningDataError,
    captions_by_image,
    decode_captions,
    load_coco_data,
    load_image,
    sample_coco_minibatch,
)

SMALL = {"train": 40, "val": 12}


@pytest.fixture(scope="module")
def small(tmp_path_factory):
    out = tmp_path_factory.mktemp("scenes")
    captioning_data.build(out, num_images=SMALL, pca_dims=16)
    return out


def test_two_builds_are_byte_identical(small, tmp_path):
    captioning_data.build(tmp_path, num_images=SMALL, pca_dims=16)
    first = json.loads((small / manifest.MANIFEST).read_text())["files"]
    second = json.loads((tmp_path / manifest.MANIFEST).read_text())["files"]
    assert len(first) == SMALL["train"] + SMALL["val"] + 10
    assert first == second
    assert captioning_data.problems(tmp_path) == []


def test_the_loader_reads_the_build_in_coco_layout(small):
    data = load_coco_data(small)
    vocab = data["idx_to_word"]
    assert vocab[:4] == ["<NULL>", "<START>", "<END>", "<UNK>"]
    assert all(data["word_to_idx"][w] == i for i, w in enumerate(vocab))
    for split in ("train", "val"):
        captions = data[f"{split}_captions"]
        assert captions.dtype == np.int32 and captions.shape == (5 * SMALL[split], 17)
        assert np.all(captions[:, 0] == 1) and np.all(np.sum(captions == 2, axis=1) == 1)
        assert data[f"{split}_features"].shape == (SMALL[split], 16)
        assert data[f"{split}_features"].dtype == np.float32
        assert data[f"{split}_image_idxs"].max() == SMALL[split] - 1
        assert load_image(data[f"{split}_urls"][0], small).shape == (64, 64, 3)
    raw = load_coco_data(small, pca_features=False)
    assert raw["train_features"].shape == (SMALL["train"], 1470)
    text = decode_captions(data["train_captions"][0], vocab)
    assert text.split()[0] in ("a", "there") and "<" not in text


def test_region_features_say_where_the_objects_are(small):
    # Raw descriptors: an object's colour fills the region that holds its centre, not a region far away.
    rng = np.random.RandomState(3)
    for _ in range(20):
        objects, _ = captioning_data.random_scene(rng)
        image = captioning_data.render_scene(objects, rng)
        regions = captioning_data.extract_region_features(image[None])[0]
        assert regions.shape == (16, 70)
        for o in objects:
            r, g, b = (image[o["cy"], o["cx"]] // 64).tolist()  # the object's own pixel at its centre
            colour_bin = (r * 4 + g) * 4 + b
            centre = (o["cy"] // 16) * 4 + o["cx"] // 16
            far = (3 - o["cy"] // 16 // 2 * 3) * 4 + (3 - o["cx"] // 16 // 2 * 3)  # the farthest corner
            assert regions[centre, colour_bin] > regions[far, colour_bin], o
    # As loaded: one descriptor per region of a 4 x 4 grid, after a PCA to 16 dimensions.
    data = load_coco_data(small, spatial=True)
    for split in ("train", "val"):
        assert data[f"{split}_regions"].shape == (SMALL[split], 16, captioning_data.REGION_DIMS)
        assert data[f"{split}_regions"].dtype == np.float32
    assert "train_regions" not in load_coco_data(small)


def test_region_files_that_are_missing_or_of_the_wrong_shape_are_refused(small, tmp_path):
    write_original_layout(tmp_path)  # cs231n's files have no regions
    with pytest.raises(CaptioningDataError, match="train2014_regions.h5 is missing.*make data"):
        load_coco_data(tmp_path, spatial=True)
    with h5py.File(tmp_path / "train2014_regions.h5", "w") as f:
        f.create_dataset("features", data=np.zeros((2, 16), dtype=np.float32))
    with h5py.File(tmp_path / "val2014_regions.h5", "w") as f:
        f.create_dataset("features", data=np.zeros((1, 16, 16), dtype=np.float32))
    with pytest.raises(CaptioningDataError, match=r"should hold \(images, regions, dims\) for the 2 train"):
        load_coco_data(tmp_path, spatial=True)


def test_every_caption_describes_its_own_image(small):
    """The five captions of an image name the same colours and shapes (the image decides them)."""
    data = load_coco_data(small)
    colours, shapes = set(captioning_data.COLORS), set(captioning_data.SHAPES)
    for refs in captions_by_image(data, "train"):
        named = {tuple(sorted(w for w in words if w in colours | shapes)) for words in refs}
        assert len(named) == 1, refs


def test_max_train_samples_without_replacement_and_is_reproducible(small):
    a = load_coco_data(small, max_train=50)
    b = load_coco_data(small, max_train=50)
    assert np.array_equal(a["train_captions"], b["train_captions"])
    # Without replacement: asking for all 200 captions gives each one exactly once, shuffled.
    full, everything = load_coco_data(small), load_coco_data(small, max_train=200)

    def rows(d):
        return sorted(map(tuple, np.column_stack([d["train_captions"], d["train_image_idxs"]]).tolist()))

    assert rows(everything) == rows(full)
    assert not np.array_equal(everything["train_captions"], full["train_captions"])
    with pytest.raises(ValueError, match="max_train should be between 1 and 200"):
        load_coco_data(small, max_train=201)


def test_minibatches_come_with_their_own_images_features(small):
    data = load_coco_data(small)
    captions, features, urls = sample_coco_minibatch(data, 7, "val", rng=np.random.RandomState(0))
    assert captions.shape == (7, 17) and features.shape == (7, 16) and urls.shape == (7,)
    refs = captions_by_image(data, "val")
    for caption, feature, url in zip(captions, features, urls, strict=True):
        image = int(url.split("_")[-1].split(".")[0])
        assert np.array_equal(feature, data["val_features"][image])
        assert decode_captions(caption, data["idx_to_word"]).split() in refs[image]
    with pytest.raises(ValueError, match="split should be 'train' or 'val'"):
        sample_coco_minibatch(data, 2, "test")


def write_original_layout(folder):
    """A tiny data set laid out like cs231n's COCO files: URLs, their vocabulary, 4096-d raw features."""
    words = ["<NULL>", "<START>", "<END>", "<UNK>", "a", "man", "riding", "horse"]
    (folder / "coco2014_vocab.json").write_text(
        json.dumps({"idx_to_word": words, "word_to_idx": {w: i for i, w in enumerate(words)}})
    )
    captions = np.array([[1, 4, 5, 6, 4, 7, 2, 0], [1, 4, 7, 2, 0, 0, 0, 0]], dtype=np.int32)
    with h5py.File(folder / "coco2014_captions.h5", "w") as f:
        f["train_captions"], f["train_image_idxs"] = captions, np.array([0, 1], dtype=np.int32)
        f["val_captions"], f["val_image_idxs"] = captions[:1], np.array([0], dtype=np.int32)
    for split, n in (("train", 2), ("val", 1)):
        for suffix, dims in (("", 4096), ("_pca", 512)):
            with h5py.File(folder / f"{split}2014_vgg16_fc7{suffix}.h5", "w") as f:
                f["features"] = np.ones((n, dims), dtype=np.float32)
        urls = [f"http://images.cocodataset.org/{split}2014/COCO_{i}.jpg" for i in range(n)]
        (folder / f"{split}2014_urls.txt").write_text("\n".join(urls) + "\n")


def test_the_same_loader_reads_files_in_the_original_coco_layout(tmp_path):
    write_original_layout(tmp_path)
    data = load_coco_data(tmp_path)
    assert data["train_features"].shape == (2, 512)
    assert load_coco_data(tmp_path, pca_features=False)["val_features"].shape == (1, 4096)
    assert decode_captions(data["train_captions"], data["idx_to_word"]) == ["a man riding a horse", "a horse"]
    with pytest.raises(ValueError, match="images are read from local files only"):
        load_image(data["train_urls"][0], tmp_path)


def test_a_missing_or_damaged_file_says_how_to_rebuild_it(small, tmp_path):
    write_original_layout(tmp_path)
    (tmp_path / "val2014_vgg16_fc7_pca.h5").unlink()
    with pytest.raises(CaptioningDataError, match=r"val2014_vgg16_fc7_pca.h5 is missing: run `make data`"):
        load_coco_data(tmp_path)
    damaged = tmp_path / "val2014_vgg16_fc7_pca.h5"
    damaged.write_bytes((small / "val2014_vgg16_fc7_pca.h5").read_bytes()[:300])  # a cut-off download
    with pytest.raises(CaptioningDataError, match=r"is damaged .*run `make data`"):
        load_coco_data(tmp_path)
    with h5py.File(damaged, "w") as f:
        f["feats"] = np.ones((1, 512), dtype=np.float32)
    with pytest.raises(CaptioningDataError, match=r"has no dataset 'features'"):
        load_coco_data(tmp_path)
    write_original_layout(tmp_path)
    (tmp_path / "coco2014_vocab.json").write_text("{")
    with pytest.raises(CaptioningDataError, match=r"coco2014_vocab.json is damaged"):
        load_coco_data(tmp_path)


def test_make_data_notices_a_changed_file_and_rebuilds(small, tmp_path, capsys):
    captioning_data.build(tmp_path, num_images=SMALL, pca_dims=16)
    image = tmp_path / "images" / "val" / "val_00003.png"
    image.write_bytes(b"not a png")
    assert captioning_data.problems(tmp_path) == [f"{image} has changed since it was built"]
    (tmp_path / "coco2014_vocab.json").unlink()
    assert f"{tmp_path / 'coco2014_vocab.json'} is missing" in captioning_data.problems(tmp_path)
