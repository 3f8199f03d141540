"""Checkpoints: every kind of damage is refused with a CheckpointError naming the file and what is wrong;
an interrupted save never leaves a cut-off file; a missing checkpoint folder is refused before training."""

import zipfile

import numpy as np
import pytest

from solutions.captioning_solver import CaptioningSolver, CheckpointError
from tests.test_captioning_model import tiny_data, tiny_model

OPTIONS = {"update_rule": "adam", "optim_config": {"learning_rate": 1e-2}, "batch_size": 7, "verbose": False}


@pytest.fixture
def checkpoint(tmp_path):
    solver = CaptioningSolver(tiny_model("lstm", dtype=np.float32), tiny_data(30), num_epochs=1, **OPTIONS)
    solver.train().save_checkpoint(tmp_path / "run.npz")
    return tmp_path / "run.npz"


def resume(path):
    return CaptioningSolver.resume(path, tiny_model("lstm", dtype=np.float32), tiny_data(30), **OPTIONS)


def refused(path, *fragments):
    with pytest.raises(CheckpointError) as raised:
        resume(path)
    message = str(raised.value)
    assert str(path) in message, message
    for fragment in fragments:
        assert fragment in message, message


def rewrite(path, change):
    """Rewrite an .npz checkpoint with `change(arrays)` applied (the file stays a valid zip)."""
    with np.load(path, allow_pickle=False) as f:
        arrays = {k: f[k] for k in f.files}
    change(arrays)
    np.savez(path, **arrays)


def test_an_intact_checkpoint_resumes(checkpoint):
    assert resume(checkpoint).epoch == 1


@pytest.mark.parametrize(
    "damage",
    [
        lambda b: b[: len(b) // 2],  # truncated
        lambda b: b"",  # zero bytes
        lambda b: b"junk",
    ],
    ids=["truncated", "empty", "junk"],
)
def test_a_cut_off_or_foreign_file_is_refused(checkpoint, damage):
    checkpoint.write_bytes(damage(checkpoint.read_bytes()))
    refused(checkpoint, "is damaged or not a checkpoint written by CaptioningSolver")


def test_a_flipped_byte_inside_an_entry_is_refused(checkpoint):
    with zipfile.ZipFile(checkpoint) as z:
        info = z.getinfo("param/Wx.npy")
    data = bytearray(checkpoint.read_bytes())
    data[info.header_offset + 30 + len(info.filename) + len(info.extra) + 200] ^= 0xFF
    checkpoint.write_bytes(bytes(data))
    refused(checkpoint, "is damaged", "CRC")


def test_a_missing_file_is_named(tmp_path):
    refused(tmp_path / "nowhere.npz", "does not exist")


@pytest.mark.parametrize(
    ("change", "fragment"),
    [
        (lambda a: a.pop("t"), "has no t"),
        (lambda a: a.pop("param/Wh"), "has no param/Wh"),
        (lambda a: a.update({"rng/keys": np.arange(3, dtype=np.uint32)}), "random-generator state is broken"),
        (lambda a: a.update({"optim/Wx/m": np.zeros((2, 2), np.float32)}), "optim/Wx/m has shape (2, 2)"),
        (lambda a: a.update({"param/Wx": np.full_like(a["param/Wx"], np.nan)}), "param/Wx holds NaN"),
        (
            lambda a: a.update({"optim/Wh/v": np.full_like(a["optim/Wh/v"], np.inf)}),
            "optim/Wh/v holds NaN, inf",
        ),
        (
            lambda a: a.update({"param/extra": np.zeros(3)}),
            "parameters ['extra'] that the model does not have",
        ),
    ],
    ids=["no-t", "no-param", "rng", "optim-shape", "nan-param", "inf-optim", "extra-param"],
)
def test_a_checkpoint_with_a_wrong_entry_is_refused_before_training(checkpoint, change, fragment):
    rewrite(checkpoint, change)
    refused(checkpoint, fragment)


def test_an_interrupted_save_leaves_the_previous_checkpoint(checkpoint, monkeypatch):
    before = checkpoint.read_bytes()
    solver = resume(checkpoint)

    def interrupted(file, **arrays):
        file.write(b"PK\x03\x04 half a zip")
        raise KeyboardInterrupt

    monkeypatch.setattr(np, "savez", interrupted)
    with pytest.raises(KeyboardInterrupt):
        solver.save_checkpoint(checkpoint)
    assert checkpoint.read_bytes() == before
    assert [p.name for p in checkpoint.parent.iterdir()] == [checkpoint.name]  # no temporary file left


def test_a_missing_checkpoint_folder_is_refused_before_training(tmp_path):
    name = str(tmp_path / "no-such-folder" / "run")
    with pytest.raises(ValueError, match="the folder .*no-such-folder does not exist; create it first"):
        CaptioningSolver(tiny_model("lstm"), tiny_data(30), checkpoint_name=name, **OPTIONS)
