"""The checks that keep generated files in step with their sources can fail."""

import base64
import json
import shutil
import subprocess

import nbformat
import numpy as np

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


def test_make_clean_leaves_the_notebook_backups_alone():
    from tools.notebooks import BACKUPS, ROOT

    recipe = subprocess.run(["make", "-n", "clean"], cwd=ROOT, capture_output=True, text=True, check=True)
    recipe = recipe.stdout
    removed = [word for line in recipe.splitlines() if line.startswith("rm") for word in line.split()[1:]]
    removed = [ROOT / word for word in removed if not word.startswith("-")]
    assert removed, recipe
    assert not any(BACKUPS == path or path in BACKUPS.parents for path in removed), (recipe, BACKUPS)
    ignored = subprocess.run(["git", "check-ignore", "-q", str(BACKUPS / "x.ipynb")], cwd=ROOT)
    assert ignored.returncode == 0, "notebooks/.backup/ must be ignored by git"


def test_make_notebooks_writes_nothing_unless_every_notebook_ran(tmp_path, monkeypatch, capsys):
    import nbformat
    from nbclient.exceptions import CellTimeoutError

    import tools.notebooks as tool

    notebooks, references = tmp_path / "notebooks", tmp_path / "references"
    shutil.copytree(tool.NOTEBOOKS, notebooks, ignore=shutil.ignore_patterns(".*"))
    shutil.copytree(REFERENCE_NOTEBOOKS, references)
    before = {p: p.read_bytes() for p in [*notebooks.glob("*.ipynb"), *references.glob("*.ipynb")]}
    monkeypatch.setattr(tool, "NOTEBOOKS", notebooks)
    monkeypatch.setattr(tool, "REFERENCE_NOTEBOOKS", references)
    ran = []

    def execute(path, package_dir, cell_timeout=None):
        ran.append(path.stem)
        if path.stem.startswith("05"):
            raise CellTimeoutError("A cell timed out while it was being executed, after 300 seconds.")
        return nbformat.read(path, as_version=4)

    monkeypatch.setattr(tool, "execute", execute)
    assert tool.main([]) == 1
    assert ran[-1].startswith("05") and len(ran) == 5
    assert "05_image_captioning.ipynb failed" in capsys.readouterr().err
    assert {p: p.read_bytes() for p in before} == before


def test_each_notebook_runs_with_the_cell_limit_make_check_gives_it(monkeypatch):
    import tools.notebooks as tool
    from checks.notebook_runs import cell_timeout_for

    limits = {}

    class Recorder:
        def __init__(self, nb, timeout, **kwargs):
            self.timeout = timeout

        def execute(self):
            limits[current] = self.timeout

    monkeypatch.setattr(tool, "NotebookClient", Recorder)
    for current in ("01_rnn_cell", "08_counting_lstm_vs_gru"):
        tool.execute(tool.NOTEBOOKS / f"{current}.ipynb", tool.ROOT / "solutions")
    assert limits == {name: cell_timeout_for(name) for name in limits}
    assert limits["08_counting_lstm_vs_gru"] > limits["01_rnn_cell"] >= 300


def test_make_references_leaves_values_that_only_differ_in_the_last_digits(tmp_path, monkeypatch):
    import tools.references as tool
    from checks.core import REFERENCE_FILE

    copy = tmp_path / "reference_values.json"
    raw = json.loads(REFERENCE_FILE.read_text())
    exercise = next(iter(raw))
    case = next(iter(raw[exercise]))
    output = next(iter(raw[exercise][case]))
    flat = np.asarray(raw[exercise][case][output], dtype=np.float64)
    raw[exercise][case][output] = (flat * (1 + 1e-15)).tolist()  # another BLAS's last digits
    copy.write_text(json.dumps(raw, indent=1, sort_keys=True) + "\n")
    noisy = copy.read_text()
    monkeypatch.setattr(tool, "REFERENCE_FILE", copy)
    assert tool.main([]) == 0
    assert copy.read_text() == noisy  # left as it is
    raw[exercise][case][output] = (flat + 1.0).tolist()  # a real change: only that value is replaced
    copy.write_text(json.dumps(raw, indent=1, sort_keys=True) + "\n")
    assert tool.main([]) == 0
    assert json.loads(copy.read_text()) == json.loads(REFERENCE_FILE.read_text())


# What the reference notebooks' figures may weigh: a plot at the inline backend's resolution is 20 to
# 60 kB; the budget leaves room for a few more chapters.
FIGURE_BYTES = 150_000
ALL_NOTEBOOK_BYTES = 6_000_000


def figures_of(path):
    """[(cell index, PNG bytes or None)] for every figure a reference notebook drew."""
    found = []
    for index, cell in enumerate(json.loads(path.read_text())["cells"]):
        for output in cell.get("outputs", []):
            data = output.get("data", {})
            if "<Figure size" in "".join(data.get("text/plain", "")):
                png = data.get("image/png")
                found.append((index, base64.b64decode("".join(png)) if png else None))
    return found


def test_every_figure_is_kept_in_the_reference_notebooks_within_the_size_budget():
    figures = {path.name: figures_of(path) for path in sorted(REFERENCE_NOTEBOOKS.glob("*.ipynb"))}
    drawn = [(name, index) for name, found in figures.items() for index, png in found]
    assert len(drawn) >= 24, drawn
    assert [(name, index) for name, found in figures.items() for index, png in found if png is None] == []
    heavy = [(n, i, len(png)) for n, found in figures.items() for i, png in found if len(png) > FIGURE_BYTES]
    assert heavy == []
    assert sum(p.stat().st_size for p in REFERENCE_NOTEBOOKS.glob("*.ipynb")) < ALL_NOTEBOOK_BYTES
    assert all(png.startswith(b"\x89PNG") for found in figures.values() for _, png in found)


def test_a_figure_lost_from_a_reference_notebook_is_caught(tmp_path):
    path = next(p for p in sorted(REFERENCE_NOTEBOOKS.glob("*.ipynb")) if figures_of(p))
    nb = json.loads(path.read_text())
    for cell in nb["cells"]:
        for output in cell.get("outputs", []):
            output.get("data", {}).pop("image/png", None)
    (tmp_path / path.name).write_text(json.dumps(nb))
    assert all(png is None for _, png in figures_of(tmp_path / path.name))


def test_the_site_shows_every_chapter_with_its_figures_and_no_solution_code(tmp_path):
    from tools.site import build

    assert build(tmp_path / "site") == []
    index = (tmp_path / "site" / "index.html").read_text()
    for path in sorted(REFERENCE_NOTEBOOKS.glob("*.ipynb")):
        assert f'href="{path.stem}.html"' in index
        page = (tmp_path / "site" / f"{path.stem}.html").read_text()
        assert page.count('src="data:image/png;base64,') == len(figures_of(path)), path.name
    assert (tmp_path / "site" / "figures" / "rnn_cell.svg").is_file()
    # A chapter that showed a solved function would not be published.
    references = tmp_path / "references"
    shutil.copytree(REFERENCE_NOTEBOOKS, references)
    nb = nbformat.read(references / "01_rnn_cell.ipynb", as_version=4)
    nb.cells.append(nbformat.v4.new_code_cell((ROOT / "solutions" / "rnn_layers.py").read_text()))
    nbformat.write(nb, references / "01_rnn_cell.ipynb")
    assert build(tmp_path / "leaky", references=references) != [] and not (tmp_path / "leaky").exists()
