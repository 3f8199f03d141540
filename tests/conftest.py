"""Run the longest tests first, so that the two workers of `make test` finish at about the same time.

The tests read assignment/ and checks/handed_out/, which are generated and never committed: `make test`
builds them first, and so does a bare `pytest` on a fresh clone (never touching an edited file).
"""

import io

from course.paths import ASSIGNMENT, HANDED_OUT, ROOT
from tools.stubs import update

update(ROOT / "solutions", ASSIGNMENT, HANDED_OUT, out=io.StringIO())

# The notebooks that train (under their two BLAS settings, in `make nbval-matrix` only)
# take minutes each; everything else takes seconds.
LONGEST_FIRST = (
    "test_release.py",
    "test_matrix_training_notebooks_match_their_references",
    "test_matrix_notebooks_match_their_references",
    "test_no_false_alarms.py",
    "test_speed_hint.py",
    "test_check_isolation.py",
)


def pytest_collection_modifyitems(items):
    def rank(item):
        return next((k for k, part in enumerate(LONGEST_FIRST) if part in item.nodeid), len(LONGEST_FIRST))

    items.sort(key=rank)  # stable: the order within each rank is pytest's
