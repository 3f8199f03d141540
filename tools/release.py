"""Build the student edition (`make release`): everything a student needs, nothing of the solutions.

    python -m tools.release [--out DIR]     default: dist/rnn-course/ and dist/rnn-course.zip

It holds the stubs, the notebooks without outputs, the student check with its reference values and
reference notebooks, and a Makefile with only `make lab` and `make check`. It never holds solutions/,
the maintainers' tests and tools, or any solution body: the build fails if one shows up anywhere.
"""

import argparse
import shutil
import sys
from pathlib import Path

from .markers import BEGIN, END, find_regions

ROOT = Path(__file__).resolve().parents[1]
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


def build(out):
    """Write the student edition into the empty or missing folder `out`; return the list of leaks."""
    out = Path(out)
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    ignore = shutil.ignore_patterns(*EXCLUDE_NAMES)
    for item in INCLUDE:
        source, target = ROOT / item, out / item
        target.parent.mkdir(parents=True, exist_ok=True)
        if source.is_dir():
            shutil.copytree(source, target, ignore=ignore)
        else:
            shutil.copy2(source, target)
    # The stubs as handed out, from which `make restore` writes back a file a student deleted
    shutil.copytree(ROOT / "assignment", out / "checks" / "pristine_assignment", ignore=ignore)
    for template in TEMPLATES.iterdir():
        shutil.copy2(template, out / template.name)
    return leaks(out, solution_bodies())


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "dist" / NAME)
    args = parser.parse_args(argv)
    found = build(args.out)
    if found:
        for leak in found:
            print(f"leak: {leak}", file=sys.stderr)
        print("error: the student edition would contain solution code; nothing was zipped", file=sys.stderr)
        return 1
    archive = shutil.make_archive(str(args.out), "zip", root_dir=args.out.parent, base_dir=args.out.name)
    print(f"student edition: {args.out}/ and {archive}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
