"""Build the Gradescope autograder (`make autograder`): dist/autograder.zip.

    python -m grading.autograder [--out dist/autograder.zip]

The zip holds, at its root, Gradescope's two scripts (grading/gradescope/setup.sh and run_autograder)
and the course as the grader needs it: the student edition (`make release`, from the last commit), the
grader (this folder, without the instructor's hidden cases) and the plan (grading/plan.pkl): the inputs
and expected outputs of every graded variant, computed here from the commit's solutions/, with hidden
inputs drawn once for this zip. It holds no solutions/ and no answer key, so that nothing in the
container where a student's code runs can give the answers away. Upload it as the assignment's
autograder.
"""

import argparse
import secrets
import shutil
import sys
import tempfile
import zipfile
from pathlib import Path

from checks.core import load_references
from checks.registry import EXERCISES
from grading.plan import build_plan, save_plan
from tools.release import ROOT, ReleaseError, build, committed_tree

SCRIPTS = ("setup.sh", "run_autograder")
LEFT_OUT = ("__pycache__", "hidden_cases.py", "gradebook.py", "autograder.py")
PRIVATE = {"grading/plan.pkl"}  # readable by root only once unzipped (setup.sh also sees to it)


def build_autograder(out, root=ROOT, offset=None):
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
        shutil.copytree(commit / "grading", course / "grading", ignore=shutil.ignore_patterns(*LEFT_OUT))
        references = load_references(commit / "checks" / "reference_values.json")
        offset = 1 + secrets.randbelow(2**31) if offset is None else offset
        save_plan(
            build_plan(commit / "solutions", offset, EXERCISES, references), course / "grading" / "plan.pkl"
        )
        partial = out.with_suffix(".partial")
        with zipfile.ZipFile(partial, "w", zipfile.ZIP_DEFLATED) as archive:
            for name in SCRIPTS:
                info = zipfile.ZipInfo(name)
                info.external_attr = 0o755 << 16  # executable, as Gradescope runs them
                archive.writestr(info, (course / "grading" / "gradescope" / name).read_bytes())
            for path in sorted(course.rglob("*")):
                if path.is_file():
                    name = path.relative_to(course).as_posix()
                    info = zipfile.ZipInfo.from_file(path, name)
                    info.external_attr = (0o600 if name in PRIVATE else 0o644) << 16
                    info.compress_type = zipfile.ZIP_DEFLATED
                    archive.writestr(info, path.read_bytes())
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
    print(f"Gradescope autograder: {args.out} (choose the Ubuntu 24.04 base image; see docs/)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
