"""Generate the student package ``assignment/`` from ``solutions/`` without ever losing a student's work.

    python -m tools.stubs            write the stubs (refuses to overwrite an edited file)
    python -m tools.stubs --update   what `make lab`, `make check` and `make test` run first: rewrite
                                     checks/handed_out/, build assignment/ if it is missing, and bring
                                     each file the student has not edited up to date (never another)
    python -m tools.stubs --check    exit 1 if assignment/ is not exactly what would be written
    python -m tools.stubs --force    overwrite edited files too, after printing what would be lost
                                     and saving a copy of each under assignment/.backup/

assignment/ is not tracked by git: it is built from solutions/ (docs/maintainers.md, "Why assignment/ is
generated"), and checks/handed_out/ holds the same files as handed out, for `make restore` and the check.

A file counts as edited when its content is neither what would be written now nor what was
written last time (recorded by hash in ``assignment/.stubs-manifest.json``).
"""

import argparse
import difflib
import hashlib
import json
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

from course.paths import ASSIGNMENT, HANDED_OUT, ROOT

from .markers import MarkerError, stub_source

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
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError):
        manifest = None
    # A damaged manifest only means we can no longer tell "unedited" from "edited" by it;
    # treating every differing file as edited is the safe reading.
    return manifest if isinstance(manifest, dict) else {}


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


def write_handed_out(plan, folder):
    """Make `folder` hold exactly `plan`, replacing it whole (a reader sees the old tree or the new one)."""
    if _texts(folder) == {rel: text.encode("utf-8") for rel, text in plan.items()}:
        return False
    fresh = Path(tempfile.mkdtemp(dir=folder.parent, prefix=f".{folder.name}.new-"))
    for rel, text in plan.items():
        (fresh / rel).parent.mkdir(parents=True, exist_ok=True)
        (fresh / rel).write_text(text, encoding="utf-8")
    old = Path(tempfile.mkdtemp(dir=folder.parent, prefix=f".{folder.name}.old-"))
    if folder.exists():
        os.replace(folder, old / folder.name)
    os.replace(fresh, folder)
    shutil.rmtree(old, ignore_errors=True)
    return True


def update(solutions, target, handed_out, out=sys.stdout):
    """Keep the generated trees current without touching a student's work. Returns 0.

    checks/handed_out/ is rewritten from `solutions`. A missing `target` is built whole. In an existing
    one, a file the student has not edited follows the course: one whose digest is the manifest's, or
    whose text is the one handed out before (the witness that survives a damaged manifest). A new file of
    the course is added; a file the manifest lists that the student deleted is left to `make restore`. An
    edited file is kept; when the course has changed it, the version the student was handed is saved
    in `target`/.backup/ and one note gives the diff that shows what the course changed.
    """
    plan = planned_files(solutions, target.name)
    before = _texts(handed_out)  # what was handed out until now, if anything
    write_handed_out(plan, handed_out)
    digests = {rel: _digest(text) for rel, text in plan.items()}
    if not target.exists():
        for rel, text in plan.items():
            (target / rel).parent.mkdir(parents=True, exist_ok=True)
            (target / rel).write_text(text, encoding="utf-8")
        (target / MANIFEST).write_text(json.dumps(digests, indent=2, sort_keys=True) + "\n")
        print(f"built {target.name}/ from solutions/: {len(plan)} files, the exercises TODO", file=out)
        return 0
    manifest = read_manifest(target)
    to_write, _, edited = classify(target, plan, manifest)
    unedited = [rel for rel in edited if (target / rel).read_bytes() == before.get(rel)]
    edited = [rel for rel in edited if rel not in unedited]
    new_manifest = dict(manifest)
    for rel in to_write + unedited:
        if not (target / rel).exists() and rel in manifest:
            continue  # the student deleted it: `make restore` brings it back when they ask
        (target / rel).parent.mkdir(parents=True, exist_ok=True)
        (target / rel).write_text(plan[rel], encoding="utf-8")
        new_manifest[rel] = digests[rel]
        print(f"{target.name}/{rel}: brought up to date with the course (you had not edited it)", file=out)
    stamp = time.strftime("%Y%m%d-%H%M%S")
    for rel in edited:
        was = before.get(rel)
        if was is not None and was != plan[rel].encode("utf-8"):
            saved = target / ".backup" / f"{rel}.handed-out-{stamp}"
            saved.parent.mkdir(parents=True, exist_ok=True)
            saved.write_bytes(was)
            now = handed_out.relative_to(ROOT) if handed_out.is_relative_to(ROOT) else handed_out
            changed = f"diff {saved.relative_to(target.parent)} {now}/{rel}"
            print(
                f"{target.name}/{rel}: the course has changed this file since it was handed out; yours is "
                f"kept as it is. What the course changed: {changed}",
                file=out,
            )
        new_manifest[rel] = digests[rel]  # said once; it stays edited, so it is never overwritten
    if new_manifest != manifest:
        (target / MANIFEST).write_text(json.dumps(new_manifest, indent=2, sort_keys=True) + "\n")
    return 0


def _texts(folder):
    """{relative path: bytes} of the files under `folder` ({} if it is missing)."""
    if not folder.is_dir():
        return {}
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in folder.rglob("*") if p.is_file()}


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
    parser.add_argument("--target", type=Path, default=ASSIGNMENT)
    parser.add_argument("--handed-out", type=Path, default=HANDED_OUT)
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--update", action="store_true", help="build or refresh, never touching edited files")
    mode.add_argument("--check", action="store_true", help="only verify, write nothing")
    mode.add_argument("--force", action="store_true", help="overwrite edited files (kept in .backup/)")
    args = parser.parse_args(argv)
    try:
        if args.update:
            return update(args.solutions, args.target, args.handed_out)
        if args.check:
            return check(args.solutions, args.target)
        return generate(args.solutions, args.target, force=args.force)
    except MarkerError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
