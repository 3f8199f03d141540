"""Build the student edition (`make release`): everything a student needs, nothing of the solutions.

    python -m tools.release [--out DIR]     default: dist/rnn-course/ and dist/rnn-course.zip

It holds the stubs, the notebooks without outputs, the student check with its reference values and
reference notebooks, and a Makefile with only the student targets (lab, check, restore, data). It never
holds solutions/, the maintainers' tests and tools, or any solution body: the build fails if one shows
up anywhere.

The edition is built from the last commit (HEAD), not from the working tree: an untracked helper, a
scratch notebook, saved outputs or an instructor's answers in assignment/ never ship (the files left out
are listed). The stubs in assignment/ are generated from the commit's solutions/ by the stub generator,
whatever assignment/ holds. The edition is assembled in a staging folder and moved into place only once
the leak search found nothing; a refused build leaves no edition behind.
"""

import argparse
import io
import shutil
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

from course.paths import ROOT

from .markers import BEGIN, END, find_regions
from .stubs import planned_files

TEMPLATES = Path(__file__).resolve().parent / "release_files"
NAME = "rnn-course"

# What a student needs, relative to the repository root. The folders that ship are copied whole, so the
# layout shows the boundary: assignment/, notebooks/, checks/ and course/ ship; solutions/, tools/ and
# tests/ never do (README.md, "Who each folder is for").
INCLUDE = [
    "assignment",
    "checks",
    "course",
    "notebooks",
    "datasets/README.md",
    "docs/conventions.md",
    "requirements.txt",
    "student.mk",
]
# Generated on the way, never part of the edition.
EXCLUDE_NAMES = {"__pycache__", ".ipynb_checkpoints", ".backup", ".stubs-manifest.json"}


def solution_bodies(solutions=ROOT / "solutions"):
    """Every marked solution body as (function, its non-blank, stripped code lines)."""
    bodies = []
    for path in sorted(solutions.glob("*.py")):
        lines = path.read_text(encoding="utf-8").splitlines()
        for region in find_regions("\n".join(lines), str(path)):
            body = [line.strip() for line in lines[region.begin : region.end - 1]]
            body = [line for line in body if line and not line.startswith("#")]
            bodies.append((region.function, body))
    return bodies


def leaks(tree, bodies):
    """Where solution code appears in the tree: markers, or any body, or any distinctive body line.

    A line counts as distinctive when it is at least 30 characters long: shorter ones (`dh0 = dprev_h`)
    can occur in any code about RNNs.
    """
    found = []
    for path in sorted(p for p in Path(tree).rglob("*") if p.is_file()):
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            continue
        flat = "\n".join(line.strip() for line in text.splitlines())
        rel = path.relative_to(tree)
        if BEGIN in text or END in text:
            found.append(f"{rel}: a solution marker")
        for function, body in bodies:
            if body and "\n".join(body) in flat:
                found.append(f"{rel}: the whole body of {function}")
                continue
            found += [
                f"{rel}: a line of {function}: {line}" for line in body if len(line) >= 30 and line in text
            ]
    return found


class ReleaseError(RuntimeError):
    """The edition cannot be built from this checkout; the message says why."""


def _git(*args, root=ROOT):
    proc = subprocess.run(["git", *args], cwd=root, capture_output=True)
    if proc.returncode != 0:
        raise ReleaseError(
            f"git {' '.join(args)} failed in {root}: {proc.stderr.decode(errors='replace').strip()}. "
            "make release builds the edition from the last commit, so it needs a git clone."
        )
    return proc.stdout


def committed_tree(into, root=ROOT):
    """Extract the last commit's files (HEAD) into the folder `into`."""
    archive = _git("archive", "--format=tar", "HEAD", root=root)
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        # The "data" filter (no absolute paths or links out) exists from Python 3.11.4 on.
        tar.extractall(into, **({"filter": "data"} if hasattr(tarfile, "data_filter") else {}))


def left_out(root=ROOT):
    """Files under INCLUDE that differ from HEAD or are not tracked (and not ignored): they do not ship."""
    status = _git("status", "--porcelain", "-z", "--untracked-files=all", "--", *INCLUDE, root=root)
    return sorted(entry[3:] for entry in status.decode("utf-8", errors="replace").split("\0") if entry[3:])


def build(out, root=ROOT):
    """Build the student edition from `root`'s last commit into `out` (replaced); return the leaks found.

    With leaks, nothing is left in `out` (not even a previous edition, which would look current).
    """
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=".release-", dir=out.parent) as scratch:
        commit, edition = Path(scratch) / "commit", Path(scratch) / out.name
        commit.mkdir()
        committed_tree(commit, root)
        ignore = shutil.ignore_patterns(*EXCLUDE_NAMES)
        for item in INCLUDE:
            if item == "assignment":
                continue  # generated below, from solutions/
            source, target = commit / item, edition / item
            target.parent.mkdir(parents=True, exist_ok=True)
            if source.is_dir():
                shutil.copytree(source, target, ignore=ignore)
            else:
                shutil.copy2(source, target)
        # The stubs come from the commit's solutions/ through the stub generator, never from a working
        # copy of assignment/; checks/handed_out/ is what `make restore` writes back from.
        for folder in (edition / "assignment", edition / "checks" / "handed_out"):
            for rel, text in planned_files(commit / "solutions", "assignment").items():
                (folder / rel).parent.mkdir(parents=True, exist_ok=True)
                (folder / rel).write_text(text, encoding="utf-8")
        for template in (commit / TEMPLATES.relative_to(ROOT)).iterdir():
            shutil.copy2(template, edition / template.name)
        found = leaks(edition, solution_bodies(commit / "solutions"))
        if out.exists():
            shutil.rmtree(out)
        if not found:
            edition.rename(out)
    return found


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "dist" / NAME)
    args = parser.parse_args(argv)
    zipped = args.out.with_name(args.out.name + ".zip")
    try:
        stray = left_out()
        found = build(args.out)
    except ReleaseError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    for path in stray:
        print(f"left out (not committed): {path}")
    if found:
        zipped.unlink(missing_ok=True)
        for leak in found:
            print(f"leak: {leak}", file=sys.stderr)
        print(
            "error: the student edition would contain solution code; nothing was written "
            f"(and the previous edition in {args.out.parent} was removed)",
            file=sys.stderr,
        )
        return 1
    archive = shutil.make_archive(str(args.out), "zip", root_dir=args.out.parent, base_dir=args.out.name)
    print(f"student edition: {args.out}/ and {archive}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
