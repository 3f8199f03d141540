"""What the grader reads of the course it grades, from its own trusted copy: notebooks, points, data."""

import os
from pathlib import Path

from checks.points import load_points
from checks.registry import EXERCISES
from course.paths import ROOT as TRUSTED  # the grader's course: the repository, or Gradescope's source


def notebook_names(course=TRUSTED):
    """The course's notebooks, in order ('01_rnn_cell', ...)."""
    return sorted(p.stem for p in (course / "checks" / "reference_notebooks").glob("*.ipynb"))


def load_course_points(path):
    """({exercise: points}, {notebook: points}) from the points table at `path`."""
    return load_points(path, [e.name for e in EXERCISES], notebook_names())


def dataset_links(edition, datasets):
    """Link each built data set of `datasets` into the edition's datasets/ (the course copies keep the
    links); returns the data set folders, for a sandbox to show read-only."""
    shown = []
    for built in sorted(Path(datasets).iterdir()):
        if built.is_dir():
            link = Path(edition) / "datasets" / built.name
            if link.exists() or link.is_symlink():
                link.unlink()
            os.symlink(built.resolve(), link, target_is_directory=True)
            shown.append(built.resolve())
    return shown
