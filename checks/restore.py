"""``make restore``: put back a fresh stub for every file of ``assignment/`` that is missing.

It never touches a file that exists, edited or not: a student who deleted or renamed a file gets it
back without risking anything else. The stubs come from ``checks/pristine_assignment/`` (in the
student edition) or are generated from ``solutions/`` (in the course repository).
"""

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PRISTINE = ROOT / "checks" / "pristine_assignment"


def shipped_names():
    """Names of the Python files the course ships in the student's package."""
    source = PRISTINE if PRISTINE.is_dir() else ROOT / "solutions"
    return {p.name for p in source.glob("*.py")}


def pristine_files():
    """{relative path: text} of the stubs as handed out."""
    if PRISTINE.is_dir():
        return {
            p.relative_to(PRISTINE).as_posix(): p.read_text(encoding="utf-8")
            for p in sorted(PRISTINE.rglob("*"))
            if p.is_file() and "__pycache__" not in p.parts
        }
    from tools.stubs import planned_files  # the course repository: generate them

    return planned_files(ROOT / "solutions", "assignment")


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
        print(f"wrote a fresh stub: {target.name}/{rel}", file=out)
    if not written:
        print(f"nothing to restore: every file of {target.name}/ is there (none was touched)", file=out)
    return written


if __name__ == "__main__":
    restore(ROOT / "assignment")
