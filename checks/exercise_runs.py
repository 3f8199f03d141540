"""Decide every selected exercise, each in a worker process, two at a time, foundation first.

An exercise runs once the exercises it builds on (``needs``) are decided: if one of them hung,
crashed or exited, the exercise waits for it instead of hanging the same way; if one is wrong, the
exercise's hint says to fix that one first. When a file of the package does not import, the first
worker to meet it says where, and the other exercises of that module wait for it without running.
"""

import os
from concurrent.futures import FIRST_COMPLETED, ThreadPoolExecutor, wait
from dataclasses import dataclass
from pathlib import Path

from .core import DONE, TODO, WRONG, Report, display_path
from .grading import VARIANTS_FLAG
from .isolation import fatal_cause, run_worker, stop_all


@dataclass
class FileProblem:
    """A file of the student's package that cannot be imported, or is missing."""

    kind: str  # "import", "import_exit" or "missing"
    file: str  # shown to the student, e.g. assignment/rnn_layers.py
    line: int = None
    error: str = ""
    text: str = ""

    @property
    def where(self):
        return f"{self.file}:{self.line}" if self.line else self.file

    def waiting_note(self):
        if self.kind == "missing":
            return f"waits for {self.file}, which is missing (see below)"
        return f"waits for {self.where} to import (see below)"


def file_problem(result):
    return FileProblem(
        kind=result["kind"],
        file=display_path(result["file"]) if result.get("file") else "",
        line=result.get("line"),
        error=result.get("error") or (f"exit code {result['code']}" if result.get("code") else ""),
        text=result.get("text", ""),
    )


def exit_problem(result):
    """One line on a call to exit() during a check."""
    where = f" at {display_path(result['file'])}:{result['line']}" if result.get("file") else ""
    call = f" (`{result['text']}`)" if result.get("text") else ""
    return (
        f"called exit(){where}{call} while being checked: a function must return its result (raise an "
        "exception to stop with an error)"
    )


def readable(result):
    """True if a worker's result has the form checks.worker writes (not something else in the file)."""
    if result.get("kind") == "report":
        return result.get("state") in (DONE, WRONG, TODO) and isinstance(result.get("problems"), list)
    return result.get("kind") in ("import", "import_exit", "missing", "exit")


def report_from(name, outcome, timeout):
    """(Report, FileProblem or None) for an exercise's worker outcome."""
    cause = fatal_cause(outcome, timeout)
    report = Report(name)
    if cause:
        report.wrong(cause)
        report.fatal = True
        return report, None
    result = outcome.result
    if not readable(result):
        report.wrong("the worker's result was unreadable: does the code write to files it was not given?")
        report.fatal = True
        return report, None
    if result["kind"] in ("import", "import_exit", "missing"):
        problem = file_problem(result)
        report.wrong(problem.waiting_note())
        report.waits_for = problem
        return report, problem
    if result["kind"] == "exit":
        report.wrong(exit_problem(result))
        report.fatal = True
        return report, None
    report.state, report.problems = result["state"], result["problems"]
    report.hint, report.location = result["hint"], result["location"]
    report.printed = outcome.lines
    return report, None


class ExerciseRun:
    """Runs the workers and collects Reports: {name: Report} and {file: FileProblem}."""

    def __init__(
        self,
        package_dir,
        exercises,
        by_name,
        timeout,
        jobs=None,
        verifier=None,
        launcher=None,
        variants=None,
        stubs=(),
    ):
        """For grading: verifier, a checks.grading.Verifier (only its comparison makes an exercise done);
        variants, {exercise: the file of its graded inputs, as the worker sees it}; launcher, how the
        workers start (checks.isolation.SameUser when None); stubs, the modules known to be exactly the
        handed-out stubs, whose exercises are TODO without starting a worker (every stub raises)."""
        self.package_dir = Path(package_dir) if launcher else Path(package_dir).resolve()
        self.verifier, self.launcher, self.variants = verifier, launcher, variants or {}
        self.by_name, self.timeout, self.stubs = by_name, timeout, set(stubs)
        self.jobs = jobs or min(2, os.cpu_count() or 1)
        self.to_run = self._with_needs(exercises)
        self.reports, self.file_problems = {}, {}
        self._failed_modules = {}
        init = self.package_dir / "__init__.py"
        if (
            launcher is None and not init.exists()
        ):  # Python would import the folder anyway, as a namespace package
            problem = FileProblem("missing", display_path(init))
            self.file_problems[problem.file] = problem
            self._failed_modules = {e.module: problem for e in self.to_run}

    def _with_needs(self, exercises):
        """The exercises and, foundation first, all that they build on (for hints and waiting)."""
        names = []

        def add(name):
            for need in self.by_name[name].needs:
                add(need)
            if name not in names:
                names.append(name)

        for exercise in exercises:
            add(exercise.name)
        return [self.by_name[n] for n in names]

    def _decide_without_running(self, exercise):
        """A Report when the exercise cannot be run meaningfully now, else None."""
        if exercise.module in self.stubs:
            return Report(
                exercise.name,
                state=TODO,
                problems=[f"not written yet: assignment/{exercise.module}.py is the file as handed out"],
            )
        problem = self._failed_modules.get(exercise.module)
        if problem:
            return Report(exercise.name, state=WRONG, problems=[problem.waiting_note()], waits_for=problem)
        for need in exercise.needs:
            if self.reports[need].fatal:
                return Report(
                    exercise.name,
                    state=TODO,
                    problems=[f"can be checked once {need} returns (it is called here; see below)"],
                )
        return None

    def _ready(self, exercise):
        return all(need in self.reports for need in exercise.needs)

    def run(self, on_decided=lambda report: None):
        """Decide every exercise; call on_decided(report) as each one is decided."""
        with ThreadPoolExecutor(self.jobs) as pool:
            try:
                self._run(pool, on_decided)
            except KeyboardInterrupt:
                stop_all()  # before leaving `with`, which waits for the threads, which wait for the workers
                raise
        return self.reports

    def _run(self, pool, on_decided):
        pending = list(self.to_run)
        running = {}
        while pending or running:
            for exercise in [e for e in pending if self._ready(e)]:
                report = self._decide_without_running(exercise)
                if report is not None:
                    pending.remove(exercise)
                    self._record(exercise, report, on_decided)
                elif len(running) < self.jobs:
                    pending.remove(exercise)
                    args = (self.package_dir, exercise.name)
                    grading = self.verifier is not None
                    if grading:
                        args += (VARIANTS_FLAG, self.variants[exercise.name])
                    work = pool.submit(run_worker, args, self.timeout, None, grading, self.launcher)
                    running[work] = exercise
            if not running:
                continue
            # A short timeout, so that Ctrl-C is handled at once (a plain wait defers it)
            finished, _ = wait(running, timeout=0.2, return_when=FIRST_COMPLETED)
            for future in finished:
                exercise = running.pop(future)
                outcome = future.result()
                report, problem = report_from(exercise.name, outcome, self.timeout)
                if self.verifier is not None and report.state == DONE:
                    self._confirm(exercise, report, outcome)
                if problem is not None:
                    self._failed_modules[exercise.module] = problem
                    self.file_problems.setdefault(problem.file, problem)
                self._record(exercise, report, on_decided)

    def _confirm(self, exercise, report, outcome):
        """Grading: the worker said done; done only if the grader's own comparison agrees."""
        errors = outcome.result.get("output_errors")
        arrays = outcome.outputs if isinstance(outcome.outputs, dict) else {}
        found = self.verifier.problems(exercise, arrays, errors if isinstance(errors, dict) else {})
        if found:
            report.state, report.problems = WRONG, found
            report.hint = (
                "Right on the published cases but not on inputs it has not seen: does it depend on the "
                "particular numbers of the checks?"
                if all("hidden" in p for p in found)
                else None
            )

    def _record(self, exercise, report, on_decided):
        if report.state == WRONG and report.waits_for is None:
            for need in exercise.needs:
                if self.reports[need].state != DONE:
                    report.hint = (
                        f"{need} is {self.reports[need].state} and {exercise.name} builds on it: "
                        f"fix {need} first."
                    )
                    break
        self.reports[exercise.name] = report
        on_decided(report)


def is_done(report):
    return report is not None and report.state == DONE
