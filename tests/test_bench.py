"""`make bench` runs and reports every implementation it should (a smoke run on the small shape only)."""

import os
import subprocess
import sys

import pytest

from tests.helpers import ROOT, make_package


def bench(tmp_path, *args, env=None):
    out = tmp_path / "bench.md"
    proc = subprocess.run(
        [sys.executable, "-m", "tools.bench", "--quick", "--shapes", "small", "--out", str(out), *args],
        cwd=ROOT, capture_output=True, text=True, env=env,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return out.read_text()


def rows(text, implementation):
    return [line for line in text.splitlines() if f"| {implementation} |" in line]


def test_bench_skips_unwritten_stubs_with_a_line_saying_so(tmp_path):
    text = bench(tmp_path)
    assert "| float64 |" in text and "| float32 |" in text and "with openblas" in text
    assert len(rows(text, "matmul floor")) == 6  # 3 cells x 2 dtypes
    # and the attention LSTM in 2 dtypes, and the minGRU, minLSTM and GRU of the linear section in 2
    assert len(rows(text, "solutions")) == 6 + 2 + 6
    assert "Attention LSTM (notebook 9)" in text and "minGRU and minLSTM" in text
    assert len(rows(text, "tuned")) == 6
    assert rows(text, "assignment") == []
    for cell in ("rnn", "lstm", "gru"):
        assert f"assignment/: {cell}_forward or {cell}_backward is not written yet" in text


def test_bench_times_a_written_package_and_pytorch(tmp_path):
    pytest.importorskip("torch", reason="torch is not installed; `make oracle-deps` installs it")
    (tmp_path / "pkg").mkdir()
    make_package(tmp_path / "pkg", name="student_copy")
    text = bench(
        tmp_path, "--package", "student_copy", env=dict(os.environ, PYTHONPATH=str(tmp_path / "pkg"))
    )
    assert len(rows(text, "PyTorch")) == 6
    assert len(rows(text, "PyTorch log-space")) == len(rows(text, "PyTorch loop")) == 4  # minGRU, minLSTM
    assert len(rows(text, "student_copy")) == 6 + 2 + 4  # its attention LSTM, minGRU and minLSTM in 2 dtypes
    assert "not written yet" not in text
