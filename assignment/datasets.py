"""Where the course's data sets are: built by `make data` under datasets/, never downloaded (provided)."""

from pathlib import Path

COURSE = Path(__file__).resolve().parents[1]
REBUILD = "run `make data` in the course folder to rebuild it (nothing is downloaded)"


def dataset_dir(name):
    """The course's datasets/<name>: next to this package, else above the working directory.

    (A copy of the package elsewhere, as the course's tests make, still finds the course's data when
    it runs from inside the course folder.) If none exists yet, the one next to this package.
    """
    for folder in (COURSE, Path.cwd(), *Path.cwd().parents):
        candidate = folder / "datasets" / name
        if candidate.is_dir():
            return candidate
    return COURSE / "datasets" / name
