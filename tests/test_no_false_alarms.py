"""A correct implementation written differently passes every check, notebooks included."""

import os
import subprocess
from pathlib import Path

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
}


def test_another_correct_implementation_passes_every_exercise_check(tmp_path):
    module = import_fresh(make_package(tmp_path, modules=ALT))
    references = load_references()
    states = {e.name: check_exercise(e, module_for(e, module), references).state for e in EXERCISES}
    assert states == {e.name: DONE for e in EXERCISES}


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
