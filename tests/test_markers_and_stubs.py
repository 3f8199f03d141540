"""Solution markers, the generated stubs, and `make stubs` never losing a student's work."""

import importlib
import inspect
import io
import re
import shutil

import pytest

from checks.core import resolve
from checks.registry import EXERCISES
from tests.helpers import ROOT, SOLUTIONS
from tools.markers import MarkerError, exercise_names, find_regions, stub_source
from tools.stubs import check, generate

GOOD = '''
def f(x):
    """Doc."""
    ### TODO: double it.
    ### BEGIN SOLUTION
    y = 2 * x
    ### END SOLUTION
    return y
'''


def test_a_marked_body_becomes_a_todo_that_raises_naming_the_function():
    stub = stub_source(GOOD, "assignment/m.py")
    assert "y = 2 * x" not in stub and "BEGIN SOLUTION" not in stub
    assert "    # TODO: double it.\n" in stub
    assert 'raise NotImplementedError("f is not written yet: fill in its TODO in assignment/m.py")' in stub
    assert '"""Doc."""' in stub and "return y" in stub


@pytest.mark.parametrize(
    "source, message",
    [
        ("def f():\n    ### END SOLUTION\n    pass\n", "without a ### BEGIN SOLUTION"),
        ("def f():\n    ### BEGIN SOLUTION\n    pass\n", "never closed"),
        (
            "def f():\n    ### BEGIN SOLUTION\n    ### BEGIN SOLUTION\n    pass\n    ### END SOLUTION\n",
            "inside the region opened at line 2",
        ),
        ("### BEGIN SOLUTION\nx = 1\n### END SOLUTION\n", "not inside a function"),
        ("def f():\n    ### BEGIN SOLUTION\n    pass\n  ### END SOLUTION\n", "indented differently"),
        ("def f():\n    ### BEGIN SOLUTIONS\n    pass\n", "unrecognised marker"),
    ],
)
def test_bad_markers_are_refused_with_file_and_line(source, message):
    with pytest.raises(MarkerError, match=message) as err:
        find_regions(source, "solutions/bad.py")
    assert str(err.value).startswith("solutions/bad.py:")


def test_methods_are_named_with_their_class():
    source = (
        "class A:\n    def m(self):\n        ### BEGIN SOLUTION\n        pass\n        ### END SOLUTION\n"
    )
    assert exercise_names(source) == ["A.m"]


def test_every_marked_function_has_a_check_and_every_check_a_marked_function():
    marked = []
    for path in sorted(SOLUTIONS.glob("*.py")):
        marked += exercise_names(path.read_text(), str(path))
    assert sorted(marked) == sorted(e.name for e in EXERCISES)


def test_assignment_is_exactly_the_generated_stubs():
    assert check(SOLUTIONS, ROOT / "assignment", out=io.StringIO()) == 0


def test_stubs_keep_signatures_and_docstrings_and_raise():
    for exercise in EXERCISES:
        solved = resolve(importlib.import_module(f"solutions.{exercise.module}"), exercise.name)
        stub_module = importlib.import_module(f"assignment.{exercise.module}")
        stub = resolve(stub_module, exercise.name)
        assert inspect.signature(stub) == inspect.signature(solved)
        assert inspect.getdoc(stub) == inspect.getdoc(solved)
        inputs = exercise.cases[0].make_inputs()  # valid shapes get past the provided shape checks
        with pytest.raises(NotImplementedError, match=rf"^{re.escape(exercise.name)} is not written yet"):
            if "." in exercise.name:  # a method: called on an object by the check's own runner
                exercise.run(stub_module, inputs)
            else:
                stub(*[inputs.get(name) for name in inspect.signature(stub).parameters])


@pytest.fixture
def solved(tmp_path):
    src = tmp_path / "solutions"
    src.mkdir()
    (src / "__init__.py").write_text("")
    (src / "m.py").write_text(GOOD)
    return src


def test_generate_writes_and_is_idempotent(solved, tmp_path):
    target = tmp_path / "assignment"
    assert generate(solved, target, out=io.StringIO()) == 0
    assert "NotImplementedError" in (target / "m.py").read_text()
    out = io.StringIO()
    assert generate(solved, target, out=out) == 0
    assert "0 file(s) written, 2 already up to date" in out.getvalue()
    assert check(solved, target, out=io.StringIO()) == 0


def test_an_edited_file_is_never_overwritten(solved, tmp_path):
    target = tmp_path / "assignment"
    generate(solved, target, out=io.StringIO())
    mine = (target / "m.py").read_text().replace("raise NotImplementedError", "y = x + x  # mine\n    #")
    (target / "m.py").write_text(mine)
    (solved / "m.py").write_text(GOOD.replace("double it", "twice x"))  # the maintainer changed it
    out = io.StringIO()
    assert generate(solved, target, out=out) == 1
    assert "assignment/m.py" in out.getvalue() and "Refusing" in out.getvalue()
    assert (target / "m.py").read_text() == mine
    assert check(solved, target, out=io.StringIO()) == 1


def test_an_unedited_file_follows_the_solutions(solved, tmp_path):
    target = tmp_path / "assignment"
    generate(solved, target, out=io.StringIO())
    (solved / "m.py").write_text(GOOD.replace("double it", "twice x"))
    assert generate(solved, target, out=io.StringIO()) == 0
    assert "# TODO: twice x" in (target / "m.py").read_text()


def test_force_shows_what_is_lost_and_keeps_a_copy(solved, tmp_path):
    target = tmp_path / "assignment"
    generate(solved, target, out=io.StringIO())
    mine = (target / "m.py").read_text() + "# my notes\n"
    (target / "m.py").write_text(mine)
    out = io.StringIO()
    assert generate(solved, target, force=True, out=out) == 0
    assert "-# my notes" in out.getvalue()
    backups = list((target / ".backup").glob("m.py.*"))
    assert len(backups) == 1 and backups[0].read_text() == mine
    assert "# my notes" not in (target / "m.py").read_text()


def test_a_file_that_was_there_before_any_manifest_counts_as_edited(solved, tmp_path):
    target = tmp_path / "assignment"
    target.mkdir()
    (target / "m.py").write_text("def f(x):\n    return 2 * x\n")
    assert generate(solved, target, out=io.StringIO()) == 1
    assert (target / "m.py").read_text() == "def f(x):\n    return 2 * x\n"


def test_a_latin1_file_is_kept_byte_for_byte_and_the_refusal_names_the_make_command(solved, tmp_path):
    target = tmp_path / "assignment"
    generate(solved, target, out=io.StringIO())
    mine = (target / "m.py").read_bytes() + "# r\xe9sum\xe9 of my notes\n".encode("latin-1")
    (target / "m.py").write_bytes(mine)
    out = io.StringIO()
    assert generate(solved, target, out=out) == 1
    assert "run: make stubs FORCE=1" in out.getvalue() and (target / "m.py").read_bytes() == mine
    assert check(solved, target, out=io.StringIO()) == 1
    assert generate(solved, target, force=True, out=io.StringIO()) == 0
    backups = list((target / ".backup").glob("m.py.*"))
    assert len(backups) == 1 and backups[0].read_bytes() == mine


def test_update_follows_the_course_and_never_touches_a_students_work(tmp_path):
    from tools.stubs import MANIFEST, update

    solutions, target, handed_out = tmp_path / "solutions", tmp_path / "assignment", tmp_path / "handed_out"
    shutil.copytree(SOLUTIONS, solutions, ignore=shutil.ignore_patterns("__pycache__", "answers"))
    out = io.StringIO()
    assert update(solutions, target, handed_out, out=out) == 0 and "built assignment/" in out.getvalue()
    assert (target / "bleu.py").read_text() == (solutions / "bleu.py").read_text()
    handed = (target / "rnn_layers.py").read_text()
    mine = handed + "\n# my work\n"
    (target / "rnn_layers.py").write_text(mine)
    (target / "optim.py").unlink()  # deleted: make restore brings it back when asked, not this
    for name in ("bleu.py", "rnn_layers.py"):  # the course changes both
        (solutions / name).write_text((solutions / name).read_text() + "\n# the course, later\n")

    out = io.StringIO()
    update(solutions, target, handed_out, out=out)
    said = out.getvalue()
    assert (target / "bleu.py").read_text().endswith("# the course, later\n"), said
    assert (target / "rnn_layers.py").read_text() == mine and not (target / "optim.py").exists()
    saved = next((target / ".backup").glob("rnn_layers.py.handed-out-*"))
    assert saved.read_text() == handed, "the version handed out is kept, for the diff the note names"
    assert f"diff assignment/.backup/{saved.name} " in said and "yours is kept" in said, said
    assert (handed_out / "rnn_layers.py").read_text().endswith("# the course, later\n")
    out = io.StringIO()
    update(solutions, target, handed_out, out=out)
    assert out.getvalue() == ""  # said once

    # A damaged manifest: what was handed out still tells an untouched file from an edited one.
    (target / MANIFEST).write_text("[1, 2]")
    (solutions / "bleu.py").write_text((solutions / "bleu.py").read_text() + "# and again\n")
    update(solutions, target, handed_out, out=io.StringIO())
    assert (target / "bleu.py").read_text().endswith("# and again\n")
    assert (target / "rnn_layers.py").read_text() == mine
