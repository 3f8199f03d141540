"""A correct implementation written differently passes every check, notebooks included."""

import os
import subprocess
from pathlib import Path

import pytest

from checks.core import DONE, check_exercise, load_references
from checks.notebook_runs import TRAINING, import_path_for, nbval_command
from checks.registry import EXERCISES
from tests import alt_char_lm
from tests.alt_captioning_rnn import alternative_source
from tests.helpers import ROOT, SOLUTIONS, import_fresh, make_package, module_for
from tests.test_notebooks import NOTEBOOKS

ALT = {
    "rnn_layers": (Path(__file__).parent / "alt_rnn_layers.py").read_text(),
    "captioning_rnn": alternative_source((SOLUTIONS / "captioning_rnn.py").read_text()),
    "char_lm": alt_char_lm.alternative_source((SOLUTIONS / "char_lm.py").read_text()),
    "attention_layers": (Path(__file__).parent / "alt_attention_layers.py").read_text(),
    "linear_rnn": (Path(__file__).parent / "alt_linear_rnn.py").read_text(),
    "seq2seq": (Path(__file__).parent / "alt_seq2seq.py").read_text(),
}

# One test per module of exercises, in course order (`-k seq2seq` checks one chapter's).
MODULES = list(dict.fromkeys(e.module for e in EXERCISES))


@pytest.mark.parametrize("module_name", MODULES)
def test_another_correct_implementation_passes_every_exercise_check(tmp_path, module_name):
    module = import_fresh(make_package(tmp_path, modules=ALT))
    references = load_references()
    exercises = [e for e in EXERCISES if e.module == module_name]
    reports = {e.name: check_exercise(e, module_for(e, module), references) for e in exercises}
    problems = {name: report.problems for name, report in reports.items() if report.state != DONE}
    assert not problems, problems


# The alternative layers loop over examples, which is far too slow for the chapters that train for
# minutes (captioning, the language model); their exercises are checked above like all others.


def test_another_correct_implementation_passes_the_notebooks_too(tmp_path):
    notebooks = [p for p in NOTEBOOKS if p.stem not in TRAINING]
    pythonpath, tmp = import_path_for(make_package(tmp_path, modules=ALT))
    try:
        proc = subprocess.run(
            nbval_command(notebooks), env=dict(os.environ, PYTHONPATH=pythonpath), cwd=ROOT,
            capture_output=True, text=True,
        )  # fmt: skip
    finally:
        if tmp is not None:
            tmp.cleanup()
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-2000:]
