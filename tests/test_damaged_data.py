"""Damaged data is refused with the course's error naming the file and `make data`; a failed or concurrent
rebuild loses nothing (course/manifest.py)."""

import json
import shutil
import subprocess
import sys
import tempfile

import h5py
import numpy as np
import pytest

from course import captioning_data, dates_data, manifest, text_data
from solutions.char_lm import load_text
from solutions.coco_utils import CaptioningDataError, load_coco_data
from solutions.datasets import DataError
from solutions.dates import load_dates
from tests.test_captioning_data import SMALL, write_original_layout

REBUILD = "run `make data`"


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    out = tmp_path_factory.mktemp("scenes")
    captioning_data.build(out, num_images=SMALL, pca_dims=16)
    return out


@pytest.fixture
def scenes(built, tmp_path):
    copy = tmp_path / "scenes"
    shutil.copytree(built, copy)
    return copy


@pytest.fixture
def text(tmp_path):
    out = tmp_path / "char_lm"
    text_data.build(out)
    return out


def flip_byte(path, offset):
    data = bytearray(path.read_bytes())
    data[offset] ^= 0x01
    path.write_bytes(bytes(data))


def refused(load, error, *fragments):
    with pytest.raises(error) as raised:
        load()
    message = str(raised.value)
    for fragment in (*fragments, REBUILD):
        assert fragment in message, message


def test_one_flipped_byte_in_the_captions_is_refused(scenes):
    path = scenes / "coco2014_captions.h5"
    with h5py.File(path, "r") as f:
        offset = f["train_captions"].id.get_offset() + 41  # a byte inside the caption numbers
    flip_byte(path, offset)
    refused(lambda: load_coco_data(scenes), CaptioningDataError, "coco2014_captions.h5 is damaged")


def test_a_deleted_line_of_the_image_list_is_refused_with_or_without_a_manifest(scenes, tmp_path):
    urls = scenes / "train2014_urls.txt"
    lines = urls.read_text().splitlines()
    urls.write_text("\n".join(lines[:5] + lines[6:]) + "\n")
    refused(lambda: load_coco_data(scenes), CaptioningDataError, "train2014_urls.txt is damaged")
    (scenes / manifest.MANIFEST).unlink()  # as cs231n's own files: the loader's own checks catch it
    refused(
        lambda: load_coco_data(scenes), CaptioningDataError, "train2014_urls.txt lists 39 images", "have 40"
    )


def test_caption_indices_outside_the_vocabulary_are_refused_without_a_manifest(tmp_path):
    write_original_layout(tmp_path)
    with h5py.File(tmp_path / "coco2014_captions.h5", "a") as f:
        f["train_captions"][0, 2] = 4127
    refused(lambda: load_coco_data(tmp_path), CaptioningDataError, "outside the vocabulary of 8 words")


def test_garbage_after_an_intact_hdf5_header_is_refused(tmp_path):
    write_original_layout(tmp_path)
    path = tmp_path / "val2014_vgg16_fc7_pca.h5"
    data = path.read_bytes()
    path.write_bytes(
        data[:512] + bytes(np.random.RandomState(0).randint(0, 256, len(data) - 512, dtype=np.uint8))
    )
    refused(lambda: load_coco_data(tmp_path), CaptioningDataError, "val2014_vgg16_fc7_pca.h5 is damaged")


def test_a_vocabulary_that_is_a_list_or_not_utf8_is_refused(tmp_path, scenes):
    write_original_layout(tmp_path)
    (tmp_path / "coco2014_vocab.json").write_text(json.dumps(["<NULL>", "a"]))
    refused(lambda: load_coco_data(tmp_path), CaptioningDataError, "coco2014_vocab.json is damaged")
    write_original_layout(tmp_path)
    (tmp_path / "val2014_urls.txt").write_bytes(b"caf\xe9.jpg\n")
    refused(lambda: load_coco_data(tmp_path), CaptioningDataError, "val2014_urls.txt is damaged (not UTF-8")


def test_the_text_cut_in_half_or_damaged_is_refused(text):
    load_text(text)  # intact
    train = text / "train.txt"
    content = train.read_bytes()
    train.write_bytes(content[: len(content) // 2])
    refused(lambda: load_text(text), DataError, "train.txt is damaged")
    (text / manifest.MANIFEST).unlink()  # no manifest: only what the loader itself can see
    train.write_bytes(content + b"\xff\xfe")
    refused(lambda: load_text(text), DataError, "train.txt is damaged (not UTF-8")
    train.write_bytes(content)
    (text / "vocab.json").write_text(json.dumps(["a", "b"]))
    refused(lambda: load_text(text), DataError, "vocab.json is damaged")
    (text / "vocab.json").unlink()
    refused(lambda: load_text(text), DataError, "vocab.json is missing")


def test_a_folder_that_cannot_be_written_is_refused_before_building_and_nothing_is_lost(text, monkeypatch):
    before = {p.name: p.read_bytes() for p in text.iterdir()}
    real = tempfile.TemporaryFile

    def read_only(*args, dir=None, **kwargs):
        if dir is not None and str(dir).startswith(str(text)):
            raise PermissionError(13, "Permission denied", str(dir))
        return real(*args, dir=dir, **kwargs)

    monkeypatch.setattr(tempfile, "TemporaryFile", read_only)
    with pytest.raises(
        manifest.BuildError, match=r"cannot write the data set .*Nothing was changed.*make data"
    ):
        text_data.build(text)
    assert {p.name: p.read_bytes() for p in text.iterdir()} == before
    assert text_data.problems(text) == []


def test_a_build_that_fails_halfway_leaves_the_old_files_and_manifest(text):
    (text / "val.txt").write_text("damaged")
    before = {p.name: p.read_bytes() for p in text.iterdir()}

    def fails(folder):
        (folder / "train.txt").write_text("half")
        raise OSError(28, "No space left on device")

    with pytest.raises(OSError, match="No space left"):
        manifest.build_into(text, text_data.VERSION, fails)
    assert {p.name: p.read_bytes() for p in text.iterdir()} == before  # no staging folder left behind
    assert [p.name for p in text.parent.iterdir() if ".building-" in p.name] == []
    assert text_data.problems(text) == [f"{text / 'val.txt'} has changed since it was built"]
    assert text_data.main(["--out", str(text)]) == 0
    assert text_data.problems(text) == []


def test_a_second_build_waits_for_the_first_and_then_finds_the_data_built(tmp_path):
    out = tmp_path / "char_lm"
    with manifest._lock(out):  # a first build is running...
        second = subprocess.Popen(
            [sys.executable, "-m", "course.text_data", "--out", str(out)],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        said = [second.stdout.readline(), second.stdout.readline()]  # it says so, then waits
        assert "another build of" in said[1] and "waiting" in said[1], said
        out.mkdir()
        manifest.finish(out, text_data.VERSION, text_data.write_files(out))  # ...and finishes
    output, _ = second.communicate(timeout=60)
    assert second.returncode == 0, output
    assert "was built meanwhile by the other build" in output, output
    assert text_data.problems(out) == []


@pytest.fixture
def dates(tmp_path):
    out = tmp_path / "dates"
    dates_data.build(out)
    return out


def test_the_dates_load_and_are_the_same_on_every_build(dates, tmp_path):
    data, formats, vocab = load_dates(dates)
    assert [len(data[split]) for split in ("train", "val", "test", "heldout")] == [20000, 1000, 1000, 1000]
    assert set(formats["heldout"]) == set(vocab["held_out_formats"])
    assert not set(formats["train"]) & set(vocab["held_out_formats"])
    again = tmp_path / "again"
    dates_data.build(again)
    assert (again / "train.tsv").read_bytes() == (dates / "train.tsv").read_bytes()


def test_a_flipped_byte_or_a_missing_file_of_the_dates_is_refused(dates):
    flip_byte(dates / "val.tsv", 100)
    refused(lambda: load_dates(dates), DataError, "val.tsv is damaged")
    dates_data.build(dates)
    (dates / "heldout.tsv").unlink()
    refused(lambda: load_dates(dates), DataError, "heldout.tsv is missing")


def test_a_line_that_is_not_a_date_is_refused_even_without_a_manifest(dates):
    (dates / "MANIFEST.json").unlink()
    path = dates / "test.tsv"
    path.write_text(path.read_text().replace("-", "/", 1))
    refused(lambda: load_dates(dates), DataError, "is damaged", "test.tsv")
