"""Where the course's data sets are, and the check that a file is the one `make data` built (provided).

The data sets are built by `make data` under datasets/, never downloaded. Each built folder has a
MANIFEST.json with the SHA-256 digest of every file; the loaders compare the files they read with it, so
a damaged file (one flipped byte, a deleted line, a cut-off text) is refused with the course's own error
instead of loading as wrong data. A folder without a manifest (cs231n's original COCO files) is read
as it is, with the loaders' own sanity checks only.
"""

import hashlib
import json
from pathlib import Path

from course.paths import DATASETS

REBUILD = "run `make data` in the course folder to rebuild it (nothing is downloaded)"
MANIFEST = "MANIFEST.json"


class DataError(RuntimeError):
    """A file of a course data set is missing or damaged; the message names it and says how to rebuild it."""


def dataset_dir(name):
    """The course's datasets/<name> (course/paths.py knows where), whether or not `make data` built it."""
    return DATASETS / name


def verify_files(folder, names):
    """Raise DataError if a file of `names` (relative to `folder`) is missing or differs from the manifest.

    Without a MANIFEST.json in `folder` only the presence of the files is checked.
    """
    folder = Path(folder)
    for name in names:
        if not (folder / name).exists():
            raise DataError(f"{folder / name} is missing: {REBUILD}.")
    try:
        text = (folder / MANIFEST).read_text(encoding="utf-8")
    except FileNotFoundError:
        return
    except (OSError, UnicodeDecodeError) as error:
        raise DataError(f"{folder / MANIFEST} is unreadable ({error}): {REBUILD}.") from None
    try:
        recorded = json.loads(text)["files"]
        recorded = {name: recorded[name] for name in names if name in recorded}
    except (ValueError, KeyError, TypeError):
        raise DataError(f"{folder / MANIFEST} is damaged: {REBUILD}.") from None
    for name, expected in recorded.items():
        if hashlib.sha256((folder / name).read_bytes()).hexdigest() != expected:
            raise DataError(
                f"{folder / name} is damaged (it differs from what `make data` built): {REBUILD}."
            )
