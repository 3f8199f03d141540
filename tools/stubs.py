"""Generate the student package ``assignment/`` from ``solutions/`` without ever losing a student's work.

    python -m tools.stubs            write the stubs (refuses to overwrite an edited file)
    python -m tools.stubs --check    exit 1 if assignment/ is not exactly what would be written
    python -m tools.stubs --force    overwrite edited files too, after printing what would be lost
                                     and saving a copy of each under assignment/.backup/

A file counts as edited when its content is neither what would be written now nor what was
written last time (recorded by hash in ``assignment/.stubs-manifest.json``).
"""

import argparse
import difflib
import hashlib
import json
import sys
import time
from pathlib import Path

from .markers import MarkerError, stub_source

ROOT = Path(__file__).resolve().parents[1]
MANIFEST = ".stubs-manifest.json"
# answers/ holds the answer key to the notebooks' questions: it stays with instructors, like solutions/.
SKIP_PARTS = {"__pycache__", ".ipynb_checkpoints", ".backup", "answers"}


def _digest(text):
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def planned_files(solutions, target_name):
    """Map each file of the student package (relative path) to the text it should have."""
    plan = {}
    for path in sorted(solutions.rglob("*")):
        rel = path.relative_to(solutions)
        if path.is_dir() or SKIP_PARTS & set(rel.parts) or path.suffix == ".pyc":
            continue
        text = path.read_text(encoding="utf-8")
        if path.suffix == ".py":
            text = stub_source(text, f"{target_name}/{rel.as_posix()}", path=str(path))
        plan[rel.as_posix()] = text
    return plan


def read_manifest(target):
    path = target / MANIFEST
    if not path.exists():
        return {}
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError:
        # A damaged manifest only means we can no longer tell "unedited" from "edited";
        # treating every differing file as edited is the safe reading.
        return {}


def classify(target, plan, manifest):
    """Sort planned files into (to_write, up_to_date, edited) lists of relative paths."""
    to_write, up_to_date, edited = [], [], []
    for rel, text in plan.items():
        path = target / rel
        if not path.exists():
            to_write.append(rel)
            continue
        current = path.read_bytes()
        if current == text.encode("utf-8"):
            up_to_date.append(rel)
        elif manifest.get(rel) == hashlib.sha256(current).hexdigest():
            to_write.append(rel)  # still exactly what we generated last time
        else:
            edited.append(rel)
    return to_write, up_to_date, edited


def generate(solutions, target, force=False, out=sys.stdout):
    """Write the stubs. Returns 0 on success, 1 when edited files were left alone."""
    plan = planned_files(solutions, target.name)
    manifest = read_manifest(target)
    to_write, up_to_date, edited = classify(target, plan, manifest)
    if edited and not force:
        print(f"Refusing to overwrite {len(edited)} edited file(s) in {target.name}/:", file=out)
        for rel in edited:
            print(f"  {target.name}/{rel}", file=out)
        print(
            "They differ from the generated stubs, so they probably hold your work. Nothing was "
            "written.\nTo replace them anyway (a copy of each is kept in "
            f"{target.name}/.backup/), run: make stubs FORCE=1",
            file=out,
        )
        return 1
    stamp = time.strftime("%Y%m%d-%H%M%S")
    for rel in edited:
        path = target / rel
        current = path.read_bytes()  # kept byte for byte, even if it is not UTF-8
        diff = difflib.unified_diff(
            current.decode("utf-8", errors="replace").splitlines(keepends=True),
            plan[rel].splitlines(keepends=True),
            fromfile=f"{target.name}/{rel} (yours, will be lost)",
            tofile=f"{target.name}/{rel} (generated stub)",
        )
        out.writelines(diff)
        backup = target / ".backup" / f"{rel}.{stamp}"
        backup.parent.mkdir(parents=True, exist_ok=True)
        backup.write_bytes(current)
        print(f"--force: saved your version of {rel} as {backup.relative_to(target.parent)}", file=out)
    for rel in to_write + edited:
        path = target / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(plan[rel], encoding="utf-8")
    new_manifest = {rel: _digest(text) for rel, text in plan.items()}
    (target / MANIFEST).write_text(json.dumps(new_manifest, indent=2, sort_keys=True) + "\n")
    written = len(to_write) + len(edited)
    print(f"{target.name}/: {written} file(s) written, {len(up_to_date)} already up to date", file=out)
    return 0


def check(solutions, target, out=sys.stdout):
    """Return 0 if target holds exactly the generated stubs and manifest, else 1 (and say why)."""
    plan = planned_files(solutions, target.name)
    problems = []
    for rel, text in plan.items():
        path = target / rel
        if not path.exists():
            problems.append(f"{target.name}/{rel} is missing")
        elif path.read_bytes() != text.encode("utf-8"):
            problems.append(f"{target.name}/{rel} differs from its stub")
    manifest = read_manifest(target)
    if manifest != {rel: _digest(text) for rel, text in plan.items()}:
        problems.append(f"{target.name}/{MANIFEST} is out of date")
    for problem in problems:
        print(problem, file=out)
    if problems:
        print("Regenerate with: make stubs", file=out)
        return 1
    return 0


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--solutions", type=Path, default=ROOT / "solutions")
    parser.add_argument("--target", type=Path, default=ROOT / "assignment")
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--check", action="store_true", help="only verify, write nothing")
    mode.add_argument("--force", action="store_true", help="overwrite edited files (kept in .backup/)")
    args = parser.parse_args(argv)
    try:
        if args.check:
            return check(args.solutions, args.target)
        return generate(args.solutions, args.target, force=args.force)
    except MarkerError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
