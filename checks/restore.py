"""``make restore``: put back a fresh stub for every file of ``assignment/`` that is missing.

It never touches a file that exists, edited or not: a student who deleted or renamed a file gets it
back without risking anything else. The stubs come from ``checks/handed_out/``, assignment/ as it was
handed out: written by the release in the student edition, and by `make lab` or `make check` in the
course repository (docs/maintainers.md, "Why assignment/ is generated").
"""

import subprocess
import sys

from course.paths import ASSIGNMENT, HANDED_OUT


class HandedOutMissing(FileNotFoundError):
    """checks/handed_out/ is not there; the message says how to get it back."""


def pristine_files(folder=HANDED_OUT):
    """{relative path: text} of assignment/ as handed out."""
    if not folder.is_dir():
        raise HandedOutMissing(
            f"{folder} is missing: it holds assignment/ as handed out. In the course repository "
            "`make check` writes it again; in the student edition, copy checks/handed_out/ from a fresh "
            "download of the course."
        )
    return {
        p.relative_to(folder).as_posix(): p.read_text(encoding="utf-8")
        for p in sorted(folder.rglob("*"))
        if p.is_file() and "__pycache__" not in p.parts and p.name != ".stubs-manifest.json"
    }


def shipped_names():
    """Names of the Python files the course ships in the student's package."""
    return {rel for rel in pristine_files() if rel.endswith(".py") and "/" not in rel}


def _git(folder, *args):
    """What a git command prints in `folder` ('' if git is missing or the folder is not in a repository)."""
    try:
        return subprocess.run(
            ["git", *args], cwd=folder, capture_output=True, text=True, timeout=10
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return ""


def earlier_copies(target, rel, text):
    """Where an earlier version of target/rel may be: editor backups, JupyterLab's checkpoint, or a git
    commit whose version differs from the stub `text` (the student's own commit)."""
    path = target / rel
    stem, suffix = path.stem, path.suffix
    candidates = [
        path.with_name(path.name + "~"),  # Emacs, gedit
        path.with_name(f".{path.name}.swp"),  # Vim
        path.with_name(f"#{path.name}#"),
        path.parent / ".ipynb_checkpoints" / f"{stem}-checkpoint{suffix}",  # JupyterLab's editor
    ]
    # .backup/ keeps a replaced file as <rel>.<time>, and the version handed out as <rel>.handed-out-<time>.
    candidates += sorted((target / ".backup").glob(f"{rel}.*"), reverse=True)
    found = [c.relative_to(target.parent).as_posix() for c in candidates if c.is_file()]
    committed = _git(target, "log", "-1", "--format=%h %cr", "--", rel).split(" ", 1)
    if len(committed) == 2 and _git(target, "show", f"{committed[0]}:./{rel}") not in ("", text):
        command = f"git -C {target.name} show {committed[0]}:./{rel}"
        found.append(f"git, committed {committed[1]}: `{command}` prints it")
    return found


def restore(target, out=sys.stdout):
    """Write each missing file of `target`; return the list of files written."""
    target.mkdir(parents=True, exist_ok=True)
    written = []
    for rel, text in pristine_files().items():
        path = target / rel
        if path.exists():
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        written.append(rel)
        print(
            f"wrote a fresh stub: {target.name}/{rel} (as handed out: your earlier work is not in it)",
            file=out,
        )
        for place in earlier_copies(target, rel, text.strip()):
            print(f"  an earlier copy of it may be in {place}", file=out)
    if not written:
        print(f"nothing to restore: every file of {target.name}/ is there (none was touched)", file=out)
    return written


if __name__ == "__main__":
    try:
        restore(ASSIGNMENT)
    except HandedOutMissing as error:
        sys.exit(f"error: {error}")
