"""Build the Gradescope autograder (`make autograder`): dist/autograder.zip.

    python -m tools.autograder [--out dist/autograder.zip]

The zip holds, at its root, Gradescope's two scripts (grading/gradescope/setup.sh and run_autograder)
and the course as the grader needs it: the student edition (`make release`, from the last commit),
plus solutions/ (for the hidden variants' expected outputs, unreadable to the student's code there)
and grading/ (the points table and the runner). Upload it as the assignment's autograder.
"""

import argparse
import shutil
import sys
import tempfile
import zipfile
from pathlib import Path

from .release import ROOT, ReleaseError, build, committed_tree

SCRIPTS = ("setup.sh", "run_autograder")


def build_autograder(out, root=ROOT):
    """Write the autograder zip to `out`; returns [] or the leaks that stopped the edition's build."""
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=".autograder-", dir=out.parent) as scratch:
        course, commit = Path(scratch) / "source", Path(scratch) / "commit"
        found = build(course, root)
        if found:
            return found
        commit.mkdir()
        committed_tree(commit, root)
        for folder in ("solutions", "grading"):
            shutil.copytree(commit / folder, course / folder, ignore=shutil.ignore_patterns("__pycache__"))
        partial = out.with_suffix(".partial")
        with zipfile.ZipFile(partial, "w", zipfile.ZIP_DEFLATED) as archive:
            for name in SCRIPTS:
                info = zipfile.ZipInfo(name)
                info.external_attr = 0o755 << 16  # executable, as Gradescope runs them
                archive.writestr(info, (course / "grading" / "gradescope" / name).read_bytes())
            for path in sorted(course.rglob("*")):
                if path.is_file():
                    archive.write(path, path.relative_to(course).as_posix())
        partial.replace(out)
    return []


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "dist" / "autograder.zip")
    args = parser.parse_args(argv)
    try:
        found = build_autograder(args.out)
    except ReleaseError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    if found:
        for leak in found:
            print(f"leak: {leak}", file=sys.stderr)
        print(
            "error: the student edition would contain solution code; no autograder was built", file=sys.stderr
        )
        return 1
    print(f"Gradescope autograder: {args.out} (choose the Ubuntu 24.04 base image; see README.md)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
