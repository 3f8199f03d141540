"""Points per exercise and per notebook, for grading: read from one table an instructor edits.

The table is handed in as ``--points FILE`` (the course repository's Makefile and the grader pass
``grading/points.toml``): an ``[exercises]`` and a ``[notebooks]`` section mapping names to points.
Without a table, or for anything it does not list, a point each.
"""

import tomllib
from pathlib import Path


class PointsError(ValueError):
    """The points table cannot be used; the message names the file and the entry."""


def load_points(path, exercises, notebooks):
    """({exercise: points}, {notebook: points}) for the given names; 1 each where the table is silent.

    `path` None (no table was handed in, as in the student edition): every one is worth 1.
    """
    tables = {"exercises": {}, "notebooks": {}}
    if path is not None and not Path(path).is_file():
        expected = "a TOML file with [exercises] and [notebooks] sections"
        raise PointsError(f"{path}: no such points table (expected {expected})")
    if path is not None:
        try:
            data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
            raise PointsError(f"{path} is not a valid TOML table: {error}") from None
        unknown_sections = sorted(set(data) - set(tables))
        if unknown_sections:
            raise PointsError(
                f"{path}: unknown section(s) {unknown_sections}; use [exercises] and [notebooks]"
            )
        tables.update(data)
    result = []
    for section, names in (("exercises", exercises), ("notebooks", notebooks)):
        given = tables[section]
        unknown = sorted(set(given) - set(names))
        if unknown:
            raise PointsError(
                f"{path}: [{section}] names {unknown}, which the course does not have; it has {names}"
            )
        for name, value in given.items():
            if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
                raise PointsError(f"{path}: [{section}] {name} = {value!r}; points are numbers >= 0")
        result.append({name: given.get(name, 1) for name in names})
    return tuple(result)
