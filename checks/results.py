"""What a check found, as data: a result per exercise (``core.Report``), a result per notebook
(``NotebookResult``), the run that holds them (``CheckRun``), and ``Item``, one of them with its points.

The table `make check` prints renders Reports and NotebookResults as they arrive; its ``--json``
document and the grader's feedback and Gradescope results render Items (``document`` here,
``grading/gradescope.py``). Nothing reads a verdict back from printed text.
"""

from dataclasses import dataclass, field

from .core import DONE, TODO, WRONG


@dataclass(frozen=True)
class NotebookResult:
    """One notebook's verdict.

    state: DONE (every output matches its reference), WRONG (an output differs, or it cannot run), or
    TODO (an exercise it uses is not done yet, named in `problems`).
    problems: why it is not done, the first one the headline; empty when done.
    advice: what may explain a failure (an exercise that prints while it runs).
    seconds: how long its run took; None when it was decided without running.
    note: why it was decided without running, e.g. "matched on ...; nothing it uses has changed since".
    log: the file with the whole run's report, after a failed run.
    """

    name: str
    state: str
    problems: tuple = ()
    advice: tuple = ()
    seconds: float = None
    note: str = ""
    log: str = None

    @property
    def passed(self):
        return self.state == DONE

    def notes(self, shown=4):
        """What a student reads about a notebook that is not done: the first `shown` problems (the first
        with where the whole report is), how many more, then the advice."""
        if self.passed:
            return []
        first = [self.problems[0] + (f" (details: {self.log})" if self.log else ""), *self.problems[1:shown]]
        more = [f"... and {len(self.problems) - shown} more"] if len(self.problems) > shown else []
        return [*first, *more, *self.advice]


@dataclass
class CheckRun:
    """Everything one `make check` found, in course order."""

    package: str  # the package folder, as a student reads it
    exercises: dict  # {exercise: core.Report}
    notebooks: dict = field(default_factory=dict)  # {notebook: NotebookResult}, empty if none ran
    file_problems: list = field(default_factory=list)  # one text per file that is missing or does not import
    encoding_problems: list = field(default_factory=list)  # one text per file that is not UTF-8
    edited: list = field(default_factory=list)  # provided modules that differ from the files handed out

    @property
    def summary(self):
        states = [r.state for r in self.exercises.values()]
        text = (
            f"{states.count(DONE)} of {len(states)} exercises done, {states.count(WRONG)} wrong, "
            f"{states.count(TODO)} TODO"
        )
        if self.notebooks:
            matched = sum(n.passed for n in self.notebooks.values())
            text += f"; {matched} of {len(self.notebooks)} notebooks match their reference outputs"
        return text

    @property
    def all_done(self):
        exercises = all(r.state == DONE for r in self.exercises.values())
        return exercises and all(n.passed for n in self.notebooks.values()) and not self.encoding_problems

    def items(self, points, notebook_of):
        """[Item] for every exercise, then every notebook. points: ({exercise: points}, {notebook:
        points}); notebook_of: {exercise: its notebook}."""
        exercise_points, notebook_points = points
        return [
            Item.of_exercise(report, exercise_points[name], notebook_of[name])
            for name, report in self.exercises.items()
        ] + [Item.of_notebook(result, notebook_points[name]) for name, result in self.notebooks.items()]


@dataclass
class Item:
    """One exercise or notebook with the points it is worth and what it earned: the grader's unit, and
    the unit of every document (the check's JSON, the grader's feedback, its CSV, Gradescope's results)."""

    name: str
    kind: str  # "exercise" or "notebook"
    state: str  # done, wrong, TODO or "not graded"
    points: float
    earned: float = 0
    problems: list = field(default_factory=list)
    hint: str = None
    notebook: str = None  # an exercise's notebook
    location: str = None  # an exercise's file and line, where a student looks first

    @classmethod
    def of_exercise(cls, report, points, notebook):
        state = report.state if report.state in (DONE, WRONG, TODO) else WRONG
        earned = points if state == DONE else 0
        problems = [str(p) for p in report.problems]
        return cls(
            report.exercise,
            "exercise",
            state,
            points,
            earned,
            problems,
            report.hint,
            notebook,
            report.location,
        )

    @classmethod
    def of_notebook(cls, result, points):
        earned = points if result.passed else 0
        return cls(result.name, "notebook", result.state, points, earned, result.notes())


def document(package, items, file_problems, summary):
    """The --json document: every item with its points, and the totals."""

    def exercise(item):
        keys = ("name", "notebook", "state", "problems", "hint", "location", "points", "earned")
        return {key: getattr(item, key) for key in keys}

    def notebook(item):
        return {key: getattr(item, key) for key in ("name", "state", "problems", "points", "earned")}

    return {
        "package": package,
        "exercises": [exercise(i) for i in items if i.kind == "exercise"],
        "notebooks": [notebook(i) for i in items if i.kind == "notebook"],
        "file_problems": list(file_problems),
        "score": sum(i.earned for i in items),
        "max_score": sum(i.points for i in items),
        "summary": summary,
    }
