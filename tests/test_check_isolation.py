"""`make check` holds against whatever a student's file does: every case gets a verdict and exit status 1.

Each case below plants what real students' files contain (an exit, an endless loop, a segfault, a
flood of output, a syntax error, a missing or broken file, a Latin-1 byte) and asserts the one-line
cause, the true file and line, and a non-zero exit status.
"""

import os
import re
import signal
import subprocess
import sys
import time

import pytest

from checks import verdict_cache
from checks.notebook_runs import run_notebook
from checks.registry import EXERCISES
from checks.restore import restore
from tests.helpers import ROOT, make_package, run_check_cli


def planted(tmp_path, line):
    """A solved package whose rnn_step_forward runs `line` first."""
    source = f"""
def rnn_step_forward(x, prev_h, Wx, Wh, b):
    {line}
    next_h = np.tanh(x @ Wx + prev_h @ Wh + b)
    return next_h, (x, prev_h, Wx, Wh, next_h)
"""
    return make_package(tmp_path, [source])


def row(out, name):
    return next((line for line in out.splitlines() if line.startswith(name + " ")), "")


EXITS = {
    "exit()": "`exit()`",
    "quit()": "`quit()`",
    "import sys; sys.exit(0)": "`import sys; sys.exit(0)`",
    "import sys; sys.exit('bye')": "`import sys; sys.exit('bye')`",
}


@pytest.mark.parametrize("line", EXITS, ids=list(EXITS))
def test_an_exit_is_a_wrong_verdict_with_its_line_never_status_0(tmp_path, line):
    code, out = run_check_cli(planted(tmp_path, line), "--only", "01")
    assert code == 1, out
    assert " wrong " in row(out, "rnn_step_forward"), out
    flat = " ".join(out.split())
    assert "called exit() at assignment/rnn_layers.py:" in flat.replace(str(tmp_path) + "/", "")
    assert EXITS[line] in flat
    assert "01_rnn_cell TODO waits for rnn_step_forward (wrong)" in flat


def test_os_exit_is_a_wrong_verdict(tmp_path):
    code, out = run_check_cli(planted(tmp_path, "import os; os._exit(0)"), "--only", "01")
    assert code == 1
    assert "ended before the check finished (exit status 0)" in " ".join(out.split())


def test_an_endless_loop_times_out_and_what_builds_on_it_waits(tmp_path):
    start = time.monotonic()
    code, out = run_check_cli(
        planted(tmp_path, "while True: pass"), "--no-notebooks", "--no-speed", "--timeout", "3"
    )
    assert code == 1
    assert time.monotonic() - start < 40, "the check should not wait for each caller of the loop"
    assert "did not finish within 3 s" in " ".join(out.split())
    assert "can be checked once rnn_step_forward returns" in row(out, "rnn_forward"), out
    assert " done " in row(out, "lstm_forward") + " ", out


def test_a_segfault_is_a_wrong_verdict(tmp_path):
    line = "np.lib.stride_tricks.as_strided(np.zeros(1), shape=(10**9,), strides=(10**6,))[:] = 1"
    code, out = run_check_cli(planted(tmp_path, line), "--only", "rnn_step_forward")
    assert code == 1
    assert "the process died with signal 11 (SIGSEGV)" in " ".join(out.split())


def test_a_flood_of_output_is_stopped_and_never_reaches_the_terminal(tmp_path):
    line = "[print('debug', i) for i in range(100_000)]"
    code, out = run_check_cli(planted(tmp_path, line), "--only", "rnn_step_forward")
    assert code == 1
    assert len(out.splitlines()) < 30, out[:2000]
    assert "printed more than 10,000 lines while being checked (the first: 'debug 0')" in " ".join(
        out.split()
    )


def test_a_few_prints_are_hidden_and_do_not_change_the_verdict(tmp_path):
    code, out = run_check_cli(planted(tmp_path, "print('shape', x.shape)"), "--only", "rnn_step_forward")
    assert code == 0, out
    assert "shape (" not in out
    assert re.search(r"^rnn_step_forward +01_rnn_cell +done +\(it printed \d+ lines", out, re.M), out


def test_a_syntax_error_is_reported_once_at_its_true_file_and_line(tmp_path):
    package = make_package(tmp_path)
    path = package / "rnn_layers.py"
    lines = path.read_text().splitlines()
    lines[77] = "    next_h = ("  # line 78
    path.write_text("\n".join(lines) + "\n")
    code, out = run_check_cli(package, "--no-notebooks", "--no-speed")
    assert code == 1
    assert out.count("does not import") == 1, out
    assert "rnn_layers.py:78 does not import: SyntaxError" in out
    assert "captioning_rnn.py:78" not in out and "char_lm.py:78" not in out
    for exercise in EXERCISES:
        assert "waits for" in row(out, exercise.name) and "rnn_layers.py:78 to import" in row(
            out, exercise.name
        )
    assert len(out.splitlines()) < len(EXERCISES) + 10  # a row per exercise, the one problem, the summary


def test_a_syntax_error_in_a_provided_file_names_that_file(tmp_path):
    package = make_package(tmp_path)
    (package / "shapes.py").write_text((package / "shapes.py").read_text() + "def broken(:\n")
    code, out = run_check_cli(package, "--only", "rnn_forward")
    assert code == 1
    assert re.search(r"shapes\.py:\d+ does not import: SyntaxError", out), out
    assert "rnn_layers.py:" not in out.split("does not import")[0].splitlines()[-1]


def test_a_missing_file_says_so_and_restore_writes_only_missing_files(tmp_path):
    package = make_package(tmp_path)
    (package / "rnn_layers.py").rename(package / "rnn_layers_old.py")
    code, out = run_check_cli(package, "--no-notebooks", "--no-speed")
    assert code == 1
    flat = " ".join(out.split())
    assert "rnn_layers.py is missing (deleted or renamed?)" in flat
    assert "has rnn_layers_old.py, which the course does not ship" in flat
    assert "`make restore` writes a fresh stub" in flat
    assert "No module named" not in out
    assert "which is missing" in row(out, "CaptioningRNN.loss"), out
    char_lm = (package / "char_lm.py").read_text() + "# my edit\n"
    (package / "char_lm.py").write_text(char_lm)
    assert restore(package, out=open(os.devnull, "w")) == ["rnn_layers.py"]
    assert "raise NotImplementedError" in (package / "rnn_layers.py").read_text()
    assert (package / "char_lm.py").read_text() == char_lm


def test_a_broken_init_is_reported_not_a_traceback(tmp_path):
    package = make_package(tmp_path)
    (package / "__init__.py").write_text("import numpy as np\nfrom .nothing_here import x\n")
    code, out = run_check_cli(package, "--no-notebooks", "--no-speed")
    assert code == 1
    assert "Traceback" not in out
    assert "__init__.py:2 does not import: ModuleNotFoundError" in out or "nothing_here" in out, out
    assert out.count("does not import") == 1


def test_ctrl_c_prints_one_line_and_fails(tmp_path):
    package = planted(tmp_path, "while True: pass")
    proc = subprocess.Popen(
        [sys.executable, "-m", "checks", "--package", str(package)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),  # as in a terminal
    )
    time.sleep(4)
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=20)
    assert proc.returncode == 130
    assert err.strip() == "interrupted", err
    assert subprocess.run(["pgrep", "-f", str(package)], capture_output=True).stdout == b""


def test_a_latin1_byte_is_named_with_its_file_and_line(tmp_path):
    package = make_package(tmp_path)
    path = package / "rnn_layers.py"
    data = path.read_bytes().split(b"\n")
    line = data.index(b"import numpy as np")
    data[line] += b"  # caf\xe9"  # in a comment, Python itself imports the file without complaint
    path.write_bytes(b"\n".join(data))
    code, out = run_check_cli(package, "--only", "01")
    assert code == 1
    flat = " ".join(out.split())
    assert f"rnn_layers.py:{line + 1} has the byte 0xe9, which is not UTF-8" in flat
    assert " done " in row(out, "rnn_step_forward") + " ", out
    assert "01_rnn_cell wrong cannot run until every file of the package is UTF-8" in flat


def test_the_check_works_under_an_ascii_locale(tmp_path):
    env = dict(os.environ, LC_ALL="C", LANG="C", PYTHONUTF8="0", PYTHONIOENCODING="")
    env.pop("PYTHONIOENCODING")
    proc = subprocess.run(
        [sys.executable, "-m", "checks", "--package", str(make_package(tmp_path)), "--only", "01"],
        cwd=ROOT,
        capture_output=True,
        env=env,
    )
    out = proc.stdout.decode("ascii", "replace")
    assert proc.returncode == 0, out + proc.stderr.decode("ascii", "replace")
    assert re.search(r"^01_rnn_cell +done", out, re.M)


def test_a_notebook_that_matched_is_not_rerun_until_something_it_uses_changes(tmp_path):
    package = make_package(tmp_path)
    cache = tmp_path / "passed.json"
    env = {"COURSE_CHECK_CACHE": str(cache)}
    code, first = run_check_cli(package, "--only", "01", env=env)
    assert code == 0 and re.search(r"^01_rnn_cell +done +\d+ s +every output matches", first, re.M), first
    code, second = run_check_cli(package, "--only", "01", env=env)
    assert code == 0 and re.search(
        r"^01_rnn_cell +done +- +matched on .* nothing it uses has changed", second, re.M
    )
    path = package / "shapes.py"
    path.write_text(path.read_text() + "# a comment\n")
    code, third = run_check_cli(package, "--only", "01", env=env)
    assert code == 0 and "every output matches" in third, third
    assert verdict_cache.digest(package) != verdict_cache.digest(make_package(tmp_path / "b"))


def test_a_notebook_cell_that_hangs_is_reported_and_the_run_stops_there(tmp_path):
    # Right on every check case, endless on the notebook's own example (N, D = 3, 10)
    package = planted(tmp_path, "while x.shape == (3, 10): pass")
    start = time.monotonic()
    passed, problems, _ = run_notebook("01_rnn_cell", package, cell_timeout=5)
    assert not passed
    assert problems[0] == "code cell 2 (N, D, H = 3, 10, 4) did not finish within 5 s", problems
    assert len(problems) == 1, "cells after the one that hung are not run"
    assert time.monotonic() - start < 60


def test_a_print_that_changes_the_notebook_is_named_there(tmp_path):
    code, out = run_check_cli(planted(tmp_path, "print('debug')"), "--only", "01")
    assert code == 1
    assert re.search(r"^01_rnn_cell +wrong", out, re.M), out
    assert "(note: rnn_step_forward prints while it runs, and printed text is compared too" in out


def test_a_damaged_result_file_is_not_read_as_a_verdict(tmp_path):
    fake = '{"kind": "report", "state": "done"}'  # no problems list: not what the worker writes
    line = f"import os, sys; open(sys.argv[-1], 'w').write({fake!r}); os._exit(0)"
    code, out = run_check_cli(planted(tmp_path, line), "--only", "rnn_step_forward")
    assert code == 1
    assert "the worker's result was unreadable" in " ".join(out.split()), out
