"""A correct implementation written differently passes every check, notebooks included."""

import re
from pathlib import Path

from checks.core import DONE, check_exercise, load_references
from checks.registry import EXERCISES
from tests.helpers import import_fresh, make_package, run_check_cli

ALT = (Path(__file__).parent / "alt_rnn_layers.py").read_text()


def test_another_correct_implementation_passes_every_exercise_check(tmp_path):
    module = import_fresh(make_package(tmp_path, modules={"rnn_layers": ALT}))
    references = load_references()
    states = {e.name: check_exercise(e, module, references).state for e in EXERCISES}
    assert states == {e.name: DONE for e in EXERCISES}


def test_another_correct_implementation_passes_the_notebooks_too(tmp_path):
    code, out = run_check_cli(make_package(tmp_path, modules={"rnn_layers": ALT}))
    assert code == 0, out
    assert re.search(r"(\d+) of \1 exercises done, 0 wrong, 0 TODO; (\d+) of \2 notebooks match", out), out
