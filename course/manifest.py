"""The record of a built data set (MANIFEST.json: the version and a SHA-256 digest of every file), and
the one way a data set is (re)built: `build_into`.

A build writes into a staging folder beside the data set, so that a build that fails (a full disk, a
folder that is not writable, Ctrl-C) leaves the old files and their manifest as they were. Only then are
the new files moved in, the manifest removed first and written last, so that an interrupted move is
never taken for a finished build. Two builds at once (two `make check` in two terminals) take turns:
the second waits for the first and then finds the data built.
"""

import contextlib
import fcntl
import hashlib
import json
import os
import shutil
import sys
import tempfile
from pathlib import Path

MANIFEST = "MANIFEST.json"


class BuildError(RuntimeError):
    """The data set could not be written; the message says what to do. Nothing was lost."""


def digest(path):
    return hashlib.sha256(path.read_bytes()).hexdigest()


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


def _not_writable(out, error):
    return BuildError(
        f"cannot write the data set in {out} ({error.strerror or error}: {error.filename or out}). "
        f"Nothing was changed. Make the folder writable (e.g. chmod -R u+w {out.parent}) and run `make data`."
    )


def _check_writable(out):
    """Fail now, not after a minute of building, if a folder the build writes into is not writable."""
    folders = [out.parent] + ([out, *(p for p in out.rglob("*") if p.is_dir())] if out.exists() else [])
    for folder in folders:
        try:
            with tempfile.TemporaryFile(dir=folder):
                pass
        except OSError as error:
            raise _not_writable(out, error) from None


@contextlib.contextmanager
def _lock(out):
    """Hold datasets/.<name>.lock; a second build waits here, saying so."""
    path = out.parent / f".{out.name}.lock"
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        handle = open(path, "a")
    except OSError as error:
        raise _not_writable(out, error) from None
    with handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            print(
                f"another build of {out} is running (another `make`?): waiting for it to finish", flush=True
            )
            fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def build_into(out, version, write, rebuild_intact=True):
    """Build a data set into `out` with `write(folder) -> names written` and record it in the manifest.

    Returns the sorted names, or None when the data set was found intact once the lock was held (another
    build finished it meanwhile) and rebuild_intact is False. Raises BuildError, with the old data set
    untouched, if `out` cannot be written.
    """
    out = Path(out)
    with _lock(out):
        if not rebuild_intact and not problems(out, version):
            return None
        _check_writable(out)
        staging = Path(tempfile.mkdtemp(dir=out.parent, prefix=f".{out.name}.building-"))
        try:
            names = sorted(write(staging))
            out.mkdir(exist_ok=True)
            try:
                (out / MANIFEST).unlink(missing_ok=True)
                for name in names:
                    (out / name).parent.mkdir(parents=True, exist_ok=True)
                    os.replace(staging / name, out / name)
                finish(out, version, names)
            except OSError as error:
                raise BuildError(
                    f"moving the new files into {out} failed ({error}); the data set there is incomplete "
                    "and `make data` will build it again once the folder is writable."
                ) from None
        finally:
            shutil.rmtree(staging, ignore_errors=True)
    return names


def run_build(out, version, write, what, first_time, force=False):
    """The command line of a data builder: check `out`, build it if needed, say what happened. Exit code."""
    wrong = problems(out, version)
    if not wrong and not force:
        print(f"{out}: {what} is built and intact.")
        return 0
    if is_first_build(out):
        print(f"building {what} in {out}: the first time, {first_time}", flush=True)
    else:
        for line in wrong[:5]:
            print(f"rebuilding {what}, {first_time}: {line}", flush=True)
    try:
        names = build_into(out, version, write, rebuild_intact=force)
    except BuildError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    if names is None:
        print(f"{out}: {what} was built meanwhile by the other build, and is intact.")
    else:
        print(f"{out}: wrote {len(names)} files.")
    return 0
