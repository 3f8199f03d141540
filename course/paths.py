"""Where the parts of the course are: the one module that knows the layout of the folder.

Everything else (the check, the data builders, the provided modules, the maintainers' tools and tests)
asks here. It names only what ships in the student edition; the maintainers' folders (solutions/,
tools/, grading/, tests/) are found from ROOT by the code that lives in them.
"""

from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
ASSIGNMENT = ROOT / "assignment"  # the student's package: a build output, see docs/maintainers.md
CHECKS = ROOT / "checks"
HANDED_OUT = CHECKS / "handed_out"  # assignment/ as handed out, which `make restore` writes back from
REFERENCE_NOTEBOOKS = CHECKS / "reference_notebooks"
REFERENCE_VALUES = CHECKS / "reference_values.json"
DATASETS = ROOT / "datasets"
NOTEBOOKS = ROOT / "notebooks"
BUILD = ROOT / "build"  # logs and caches, never needed to run anything
