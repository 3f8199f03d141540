"""Solution markers: find the exercise bodies in a solved module and turn them into stubs.

In ``solutions/``, an exercise body sits between two marker lines at the same indentation::

    def rnn_step_forward(x, prev_h, Wx, Wh, b):
        \"\"\"...docstring...\"\"\"
        ### TODO: compute the pre-activation, apply tanh, ...
        ### BEGIN SOLUTION
        next_h = np.tanh(x @ Wx + prev_h @ Wh + b)
        ### END SOLUTION
        return next_h, cache

The stub keeps everything outside the markers, turns ``### TODO:`` lines into ``# TODO:``
comments, and replaces each marked body by ``raise NotImplementedError(...)`` naming the function.
"""

import ast
from dataclasses import dataclass

BEGIN = "### BEGIN SOLUTION"
END = "### END SOLUTION"
TODO = "### TODO:"


class MarkerError(ValueError):
    """A marker problem, reported as ``path:line: what is wrong``."""


@dataclass(frozen=True)
class Region:
    """One marked body: its function's qualified name and its lines (1-based, markers included)."""

    function: str
    begin: int
    end: int
    indent: str


def _enclosing_functions(tree, lines):
    """Yield (qualified name, first line, last line) for every function, methods included.

    The last line extends over trailing comments (an END marker after the last statement) up to
    the next line that is indented no deeper than the def.
    """

    def visit(node, prefix):
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
                name = prefix + child.name
                if not isinstance(child, ast.ClassDef):
                    yield name, child.lineno, _extended_end(child, lines)
                yield from visit(child, name + ".")

    yield from visit(tree, "")


def _extended_end(node, lines):
    def_indent = len(lines[node.lineno - 1]) - len(lines[node.lineno - 1].lstrip())
    end = node.end_lineno
    for number in range(node.end_lineno + 1, len(lines) + 1):
        line = lines[number - 1]
        if line.strip() and len(line) - len(line.lstrip()) <= def_indent:
            break
        if line.strip():
            end = number
    return end


def find_regions(source, path="<source>"):
    """The marked regions of a module's source, in order.

    Raises MarkerError naming the file and line when markers are unbalanced, nested, at
    different indentations, or outside a function.
    """
    try:
        tree = ast.parse(source, filename=path)
    except SyntaxError as err:
        raise MarkerError(f"{path}:{err.lineno}: not valid Python: {err.msg}") from err
    functions = list(_enclosing_functions(tree, source.splitlines()))
    regions = []
    open_at = None
    for number, line in enumerate(source.splitlines(), start=1):
        stripped = line.strip()
        indent = line[: len(line) - len(line.lstrip())]
        if stripped == BEGIN:
            if open_at is not None:
                raise MarkerError(
                    f"{path}:{number}: {BEGIN} inside the region opened at line {open_at[0]}; "
                    f"close that one with {END} first"
                )
            open_at = (number, indent)
        elif stripped == END:
            if open_at is None:
                raise MarkerError(f"{path}:{number}: {END} without a {BEGIN} before it")
            begin, begin_indent = open_at
            if indent != begin_indent:
                raise MarkerError(
                    f"{path}:{number}: {END} is indented differently from the {BEGIN} "
                    f"at line {begin}; put both at the indentation of the body"
                )
            inside = [f for f in functions if f[1] < begin and number <= f[2]]
            if not inside:
                raise MarkerError(
                    f"{path}:{begin}: solution region is not inside a function; only function "
                    "bodies can be exercises"
                )
            # The innermost function is the one that starts last.
            name = max(inside, key=lambda f: f[1])[0]
            regions.append(Region(name, begin, number, indent))
            open_at = None
        elif stripped.startswith("###") and ("SOLUTION" in stripped.upper()):
            raise MarkerError(
                f"{path}:{number}: unrecognised marker {stripped!r}; use exactly {BEGIN!r} and {END!r}"
            )
    if open_at is not None:
        raise MarkerError(f"{path}:{open_at[0]}: {BEGIN} is never closed by {END}")
    return regions


def exercise_names(source, path="<source>"):
    """Qualified names of the functions that hold a marked region, without repeats, in order."""
    names = []
    for region in find_regions(source, path):
        if region.function not in names:
            names.append(region.function)
    return names


def stub_source(source, module_path, path="<source>"):
    """The student stub for a solved module's source.

    ``module_path`` is where the stub will live (e.g. ``assignment/rnn_layers.py``); the
    NotImplementedError message names it so a student knows which file to open.
    """
    regions = find_regions(source, path)
    lines = source.splitlines(keepends=True)
    starts = {r.begin: r for r in regions}
    out = []
    number = 0
    while number < len(lines):
        line = lines[number]
        region = starts.get(number + 1)
        if region is not None:
            # The qualified name ("CaptioningRNN.loss"), which is also how the check names the exercise.
            out.append(
                f"{region.indent}raise NotImplementedError("
                f'"{region.function} is not written yet: fill in its TODO in {module_path}")\n'
            )
            number = region.end
            continue
        stripped = line.lstrip()
        if stripped.startswith(TODO):
            indent = line[: len(line) - len(stripped)]
            line = indent + "# TODO:" + stripped[len(TODO) :]
        out.append(line)
        number += 1
    return "".join(out)
