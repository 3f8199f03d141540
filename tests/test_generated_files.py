"""The checks that keep generated files in step with their sources can fail."""

import json
import shutil

from checks.core import load_references
from checks.notebook_runs import REFERENCE_NOTEBOOKS
from tests.helpers import ROOT
from tools.notebooks import verify, write_student_copy
from tools.references import compute, stale_values


def test_reference_values_match_the_solutions_and_a_changed_one_is_caught():
    stored, fresh = load_references(), compute()
    assert stale_values(stored, fresh) == []
    exercise = next(iter(stored))
    case = next(iter(stored[exercise]))
    output = next(iter(stored[exercise][case]))
    stored[exercise][case][output] = stored[exercise][case][output] + 1e-6
    assert stale_values(stored, fresh) == [f"{exercise} / {case} / {output}"]


def test_a_notebook_edited_after_its_references_were_made_is_caught(tmp_path, capsys):
    notebooks, references = tmp_path / "notebooks", tmp_path / "references"
    shutil.copytree(ROOT / "notebooks", notebooks)
    shutil.copytree(REFERENCE_NOTEBOOKS, references)
    assert verify(notebooks, references) == 0
    path = notebooks / "01_rnn_cell.ipynb"
    nb = json.loads(path.read_text())
    nb["cells"][0]["source"] = ["# 1. The RNN cell, edited\n"]
    path.write_text(json.dumps(nb))
    assert verify(notebooks, references) == 1
    assert "01_rnn_cell.ipynb was edited after its reference outputs were made" in capsys.readouterr().out
    (references / "03_sequences.ipynb").unlink()
    assert verify(notebooks, references) == 1
    assert "03_sequences.ipynb has no reference outputs" in capsys.readouterr().out


def test_stripping_a_notebook_keeps_a_copy_of_its_saved_outputs(tmp_path):
    path = tmp_path / "01_rnn_cell.ipynb"
    shutil.copy2(REFERENCE_NOTEBOOKS / "01_rnn_cell.ipynb", path)  # a notebook with outputs, as after a run
    before = path.read_text()
    backup = write_student_copy(path, backups=tmp_path / "backups")
    assert backup is not None and backup.read_text() == before
    assert all(
        not c.get("outputs") for c in json.loads(path.read_text())["cells"] if c["cell_type"] == "code"
    )
    assert write_student_copy(path, backups=tmp_path / "backups") is None  # nothing left to keep


def test_case_keys_are_unique_and_rewording_a_case_needs_no_new_reference_values(monkeypatch):
    """Reference values are stored by case key, so a hint's text can change without `make references`."""
    import solutions.rnn_layers
    from checks.core import DONE, check_exercise
    from checks.registry import EXERCISES, find

    for exercise in EXERCISES:
        keys = [case.key for case in exercise.cases]
        names = [case.name for case in exercise.cases]
        assert len(set(keys)) == len(keys) and len(set(names)) == len(names), exercise.name
    exercise = find("rnn_forward")
    for case in exercise.cases:
        monkeypatch.setattr(case, "name", case.name + " (reworded)")
    assert check_exercise(exercise, solutions.rnn_layers, load_references()).state == DONE
