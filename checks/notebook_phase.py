"""The notebook phase of ``make check``: re-run each notebook whose exercises are all done.

Notebooks run two at a time on a machine with two cores or more, each with one BLAS thread (the
outputs do not depend on the thread count: the course's own tests re-run every notebook with 1 and 2). A
notebook that matched its reference outputs is not re-run while nothing it uses has changed
(``verdict_cache``). Rows appear in course order with the time each run took; on a terminal, a
status line says which notebooks are running and for how long.
"""

import os
import sys
import time
from concurrent.futures import FIRST_COMPLETED, ThreadPoolExecutor, wait

from . import verdict_cache
from .core import DONE, TODO, WRONG, display_path
from .exercise_runs import is_done
from .isolation import stop_all
from .notebook_runs import REFERENCE_NOTEBOOKS, cell_timeout_for, run_notebook
from .results import NotebookResult

ONE_BLAS_THREAD = dict.fromkeys(("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"), "1")


def duration(seconds):
    return f"{seconds:.0f} s" if seconds < 100 else f"{seconds / 60:.1f} min"


def decided_without_running(notebook, waiting_for, package_dir, blocked):
    """(NotebookResult or None, digest): a result when the notebook is decided without running it, else
    the digest of everything its run uses (for the verdict cache)."""
    if waiting_for:
        more = f" and {len(waiting_for) - 3} more" if len(waiting_for) > 3 else ""
        return NotebookResult(notebook, TODO, ("waits for " + ", ".join(waiting_for[:3]) + more,)), None
    if blocked:
        return NotebookResult(notebook, WRONG, (blocked,)), None
    value = verdict_cache.digest(package_dir, REFERENCE_NOTEBOOKS / f"{notebook}.ipynb")
    record = verdict_cache.passed_before(f"notebook:{notebook}", value)
    if record:
        note = f"matched on {record['when']}; nothing it uses has changed since"
        return NotebookResult(notebook, DONE, note=note), None
    return None, value


def run_result(notebook, passed, problems, log, seconds, advice):
    """The NotebookResult of a run: `problems` are nbval's differences, `advice` what may explain them."""
    if passed:
        return NotebookResult(notebook, DONE, seconds=seconds)
    return NotebookResult(notebook, WRONG, tuple(problems), tuple(advice), seconds, log=display_path(log))


def rows(result):
    """The table's rows for one notebook: [notebook, state, time, note] and continuation rows."""
    time_cell = "-" if result.note else "" if result.seconds is None else duration(result.seconds)
    if result.passed:
        return [[result.name, DONE, time_cell, result.note or "every output matches the reference"]]
    first, *rest = result.notes()
    return [[result.name, result.state, time_cell, first], *[["", "", "", line] for line in rest]]


def printing(notebook, exercises_in, reports):
    """Advice naming the notebook's exercises that print: their text is part of the cells' outputs."""
    names = [n for n in exercises_in(notebook) if reports.get(n) and reports[n].printed]
    if not names:
        return []
    verb = "prints" if len(names) == 1 else "print"
    return [
        f"(note: {', '.join(names)} {verb} while it runs, and printed text is compared too: remove the print)"
    ]


def waiting_for(notebook, exercises_in, reports):
    names = [n for n in exercises_in(notebook) if not is_done(reports.get(n))]
    return [f"{n} ({reports[n].state})" if n in reports else n for n in names]


class Progress:
    """The table's rows in course order, each notebook's as soon as it and every one before it are
    decided; on a terminal, a status line below them says which notebooks are running and for how long."""

    def __init__(self, table, notebooks):
        self.table, self.order = table, list(notebooks)
        self.results, self.started, self.shown = {}, {}, 0
        self.live = sys.stdout.isatty()

    def start(self, notebook):
        self.started[notebook] = time.monotonic()

    def decide(self, result):
        self.started.pop(result.name, None)
        self.results[result.name] = result
        self._clear()
        while self.shown < len(self.order) and self.order[self.shown] in self.results:
            for row in rows(self.results[self.order[self.shown]]):
                self.table.row(row)
            self.shown += 1

    def tick(self):
        if self.live and self.started:
            now = time.monotonic()
            running = ", ".join(f"{n} ({duration(now - t)})" for n, t in self.started.items())
            print(f"\r\x1b[K  running {running}", end="", flush=True)

    def _clear(self):
        if self.live:
            print("\r\x1b[K", end="", flush=True)


def check_notebooks(package_dir, notebooks, reports, table, exercises_in, time_scale=1.0, blocked=None):
    """Decide every notebook, printing its rows into `table`. Returns {notebook: NotebookResult}."""
    progress = Progress(table, notebooks)
    results, to_run = {}, {}
    for notebook in notebooks:
        waits = waiting_for(notebook, exercises_in, reports)
        result, value = decided_without_running(notebook, waits, package_dir, blocked)
        if result:
            results[notebook] = result
            progress.decide(result)
        else:
            to_run[notebook] = value
    jobs = min(2, os.cpu_count() or 1, len(to_run)) or 1
    env = ONE_BLAS_THREAD if jobs > 1 else {}

    def run(notebook):
        start = time.monotonic()
        limit = cell_timeout_for(notebook, time_scale)
        passed, problems, log = run_notebook(notebook, package_dir, env=env, cell_timeout=limit)
        return passed, problems, log, time.monotonic() - start

    with ThreadPoolExecutor(jobs) as pool:
        try:
            running, queue = {}, list(to_run)
            while queue or running:
                while queue and len(running) < jobs:
                    notebook = queue.pop(0)
                    progress.start(notebook)
                    running[pool.submit(run, notebook)] = notebook
                progress.tick()
                finished, _ = wait(running, timeout=0.5, return_when=FIRST_COMPLETED)
                for future in finished:
                    notebook = running.pop(future)
                    passed, problems, log, seconds = future.result()
                    if passed:
                        verdict_cache.remember(
                            f"notebook:{notebook}", to_run[notebook], seconds=round(seconds)
                        )
                    advice = [] if passed else printing(notebook, exercises_in, reports)
                    results[notebook] = run_result(notebook, passed, problems, log, seconds, advice)
                    progress.decide(results[notebook])
        except KeyboardInterrupt:
            stop_all()
            raise
    return {notebook: results[notebook] for notebook in notebooks}
