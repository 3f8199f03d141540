"""The record of a built data set: MANIFEST.json, the version and a SHA-256 digest of every file.

A builder removes the manifest before it writes anything and writes it last, so an interrupted build
is never taken for a finished one; `make data` rebuilds whatever `problems` reports.
"""

import hashlib
import json

MANIFEST = "MANIFEST.json"


def digest(path):
    return hashlib.sha256(path.read_bytes()).hexdigest()


def start(out):
    """Prepare `out` for a build: the folder exists and holds no manifest."""
    out.mkdir(parents=True, exist_ok=True)
    (out / MANIFEST).unlink(missing_ok=True)


def finish(out, version, names):
    """Record the built files `names` (relative to `out`) and the data's version."""
    files = {name: digest(out / name) for name in sorted(names)}
    (out / MANIFEST).write_text(json.dumps({"version": version, "files": files}, indent=1) + "\n")


def is_first_build(out):
    """True when `out` has never been built (no manifest at all)."""
    return not (out / MANIFEST).exists()


def problems(out, version):
    """What is wrong with the data set in `out` (missing, changed or old files); [] if nothing."""
    try:
        manifest = json.loads((out / MANIFEST).read_text())
        files = dict(manifest["files"])
    except (OSError, ValueError, KeyError, TypeError):
        return [f"{out / MANIFEST} is missing or unreadable"]
    if manifest.get("version") != version:
        return [f"{out} holds version {manifest.get('version')} of the data, this course needs {version}"]
    found = []
    for name, expected in files.items():
        path = out / name
        if not path.exists():
            found.append(f"{path} is missing")
        elif digest(path) != expected:
            found.append(f"{path} has changed since it was built")
    return found
