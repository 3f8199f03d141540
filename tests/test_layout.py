"""The house's rules: what ships never names what does not, and where things are is said once."""

import ast
import json

from tests.helpers import ROOT

# What ships to students, and solutions/, which ships as assignment/ (its stubs and provided modules).
SHIPPED = ("checks", "course", "solutions")
NOT_SHIPPED = {"tools", "grading", "solutions", "tests"}


def imported_packages(source):
    """The top-level names of every absolute import in `source`, wherever it stands (a function, a try)."""
    names = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module.split(".")[0])
        elif isinstance(node, ast.Call) and getattr(node.func, "attr", "") == "import_module" and node.args:
            if isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str):
                names.add(node.args[0].value.split(".")[0])
    return names


def says_where_the_course_is(source):
    """True if `source` works out the course's folder from its own place (`Path(__file__)...parents`)."""
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Assign | ast.AnnAssign) and node.value is not None:
            parts = list(ast.walk(node.value))  # code only: a probe's source in a string does not count
            if any(isinstance(p, ast.Name) and p.id == "__file__" for p in parts) and any(
                isinstance(p, ast.Attribute) and p.attr == "parents" for p in parts
            ):
                return True
    return False


def shipped_sources():
    for folder in SHIPPED:
        for path in sorted((ROOT / folder).rglob("*.py")):
            if "__pycache__" not in path.parts and "handed_out" not in path.parts:
                yield path


def notebook_code(path):
    """The Python of a notebook's code cells, without IPython's magics (%autoreload ...)."""
    cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
    lines = [line for c in cells if c["cell_type"] == "code" for line in "".join(c["source"]).splitlines()]
    return "\n".join(line for line in lines if not line.lstrip().startswith(("%", "!")))


def test_what_ships_never_imports_what_does_not():
    offenders = []
    sources = [(path, path.read_text(encoding="utf-8")) for path in shipped_sources()]
    sources += [(path, notebook_code(path)) for path in sorted((ROOT / "notebooks").glob("*.ipynb"))]
    assert len(sources) > 40
    for path, source in sources:
        for name in sorted(imported_packages(source) & NOT_SHIPPED):
            offenders.append(f"{path.relative_to(ROOT)} imports {name}")
    assert offenders == []


def test_an_import_of_what_does_not_ship_is_found_wherever_it_hides():
    hidden = """
try:
    from grading.hidden_cases import CASES
except ImportError:
    CASES = None
def restore():
    import tools.stubs
    return importlib.import_module("solutions.rnn_layers")
from .core import DONE
"""
    assert imported_packages(hidden) == {"grading", "tools", "solutions"}


def test_where_the_course_is_is_said_once():
    sayers = [
        path.relative_to(ROOT).as_posix()
        for folder in (*SHIPPED, "tools", "grading", "tests")
        for path in sorted((ROOT / folder).rglob("*.py"))
        if "handed_out" not in path.parts and says_where_the_course_is(path.read_text(encoding="utf-8"))
    ]
    assert sayers == ["course/paths.py"]
    assert says_where_the_course_is("HERE = Path(__file__).resolve().parents[1] / 'checks'\n")
    assert not says_where_the_course_is("PROBE = 'course = Path(__file__).resolve().parents[1]'\n")
