"""A pytest plugin for the notebook re-run: stop at the first cell that runs out of time.

A cell that hangs (an endless loop in the student's code) would make every later cell that calls
the same function wait out its own time limit too; one timeout is enough to report.
"""

import pytest


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if report.failed and "Timeout of" in str(report.longrepr):
        item.session.shouldstop = "a cell ran out of time"
