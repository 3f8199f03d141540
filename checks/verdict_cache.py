"""Remember what passed, keyed by a digest of everything it depended on, so a re-run can skip it.

A notebook that matched its reference outputs is not re-run while none of its inputs changed: the
student's package files, the reference notebook, the check's own files, the data manifests and the
pinned requirements. Any change to any of them (one byte of a comment included) re-runs it. The
record lives in ``build/check/`` (never in ``notebooks/``); deleting it only costs time.
"""

import hashlib
import json
import os
import sys
import time
from pathlib import Path

from course.paths import BUILD, ROOT

DEFAULT_FILE = BUILD / "check" / "passed.json"
# Off with `--no-cache`: a record is a file anyone can edit, so a grade never
# rests on one, and a graded run leaves none.
enabled = True


def cache_file():
    """The record's path (COURSE_CHECK_CACHE names another, as the tests do)."""
    return Path(os.environ.get("COURSE_CHECK_CACHE") or DEFAULT_FILE)


SKIP_PARTS = {"__pycache__", ".ipynb_checkpoints", ".backup"}


def _files(folder, pattern):
    return sorted(
        p
        for p in Path(folder).rglob(pattern)
        if p.is_file() and not SKIP_PARTS & set(p.relative_to(folder).parts)
    )


def digest(package_dir, *extra_files):
    """sha256 over the package's files, the check's files, the data manifests and `extra_files`."""
    package_dir = Path(package_dir).resolve()
    h = hashlib.sha256(f"{sys.version}\n".encode())
    groups = [
        (package_dir, _files(package_dir, "*")),
        (ROOT / "checks", _files(ROOT / "checks", "*.py") + _files(ROOT / "checks", "*.cfg")),
        (ROOT, [ROOT / "checks" / "reference_values.json", ROOT / "requirements.txt"]),
        (ROOT, _files(ROOT / "datasets", "MANIFEST.json") if (ROOT / "datasets").is_dir() else []),
        (ROOT, [Path(f) for f in extra_files]),
    ]
    for base, files in groups:
        for path in files:
            name = path.relative_to(base).as_posix() if path.is_relative_to(base) else path.name
            h.update(f"\0{name}\0".encode())
            h.update(path.read_bytes() if path.exists() else b"(missing)")
    return h.hexdigest()


def _load():
    try:
        data = json.loads(cache_file().read_text(encoding="utf-8"))
        return data if isinstance(data, dict) else {}
    except (OSError, ValueError):
        return {}  # no record, or a damaged one: everything simply runs again


def passed_before(key, value_digest):
    """The record {'when': ..., 'seconds': ..., ...} if `key` passed with this digest, else None."""
    if not enabled:
        return None
    record = _load().get(key)
    if isinstance(record, dict) and record.get("digest") == value_digest:
        return record
    return None


def remember(key, value_digest, **info):
    """Record that `key` passed with this digest (or forget it, with value_digest=None)."""
    if not enabled:
        return
    data = _load()
    if value_digest is None:
        data.pop(key, None)
    else:
        data[key] = {"digest": value_digest, "when": time.strftime("%Y-%m-%d %H:%M"), **info}
    try:
        path = cache_file()
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps(data, indent=1, sort_keys=True), encoding="utf-8")
        tmp.replace(path)
    except OSError:
        pass  # a read-only folder only means the next run re-runs everything
