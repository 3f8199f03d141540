"""A correct implementation written differently passes every check, notebooks included."""

import re
from pathlib import Path

from checks.core import DONE, check_exercise, load_references
from checks.registry import EXERCISES
from tests import alt_char_lm
from tests.alt_captioning_rnn import alternative_source
from tests.helpers import SOLUTIONS, import_fresh, make_package, module_for, run_check_cli

ALT = {
    "rnn_layers": (Path(__file__).parent / "alt_rnn_layers.py").read_text(),
    "captioning_rnn": alternative_source((SOLUTIONS / "captioning_rnn.py").read_text()),
    "char_lm": alt_char_lm.alternative_source((SOLUTIONS / "char_lm.py").read_text()),
}


def test_another_correct_implementation_passes_every_exercise_check(tmp_path):
    module = import_fresh(make_package(tmp_path, modules=ALT))
    references = load_references()
    states = {e.name: check_exercise(e, module_for(e, module), references).state for e in EXERCISES}
    assert states == {e.name: DONE for e in EXERCISES}


def test_another_correct_implementation_passes_the_notebooks_too(tmp_path):
    code, out = run_check_cli(make_package(tmp_path, modules=ALT))
    assert code == 0, out
    assert re.search(r"(\d+) of \1 exercises done, 0 wrong, 0 TODO; (\d+) of \2 notebooks match", out), out
