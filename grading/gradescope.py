"""The Gradescope autograder's run (``run_autograder`` calls this), and results.json from the verdicts.

    python -m grading.gradescope [--root /autograder]

Gradescope's layout (its autograder specification): the course is in ROOT/source (the autograder zip
that ``make autograder`` builds), the student's upload in ROOT/submission, and the results go to
ROOT/results/results.json: a total ``score`` and one test per exercise and per notebook, each with
``name``, ``score``, ``max_score``, ``status``, ``output`` (what was wrong and the hint) and
``visibility``.
"""

import argparse
import json
import secrets
import sys
import time
from pathlib import Path

from grading.submission import TIME_LIMIT, Graded, grade, hidden_variants

VISIBILITY = "visible"  # the feedback is the point of the course; Gradescope also knows "after_due_date"


def item_output(item):
    lines = [f"{item['state']}"] + [f"- {problem}" for problem in item["problems"]]
    if item.get("hint"):
        lines.append(f"Hint: {item['hint']}")
    return "\n".join(lines)


def test_name(item):
    """ "rnn_forward (notebook 03_sequences)" for an exercise, "notebook 03_sequences" for a notebook."""
    if "notebook" in item:
        return f"{item['name']} (notebook {item['notebook']})"
    return f"notebook {item['name']}"


def results(graded, seconds):
    """The results.json document (Gradescope's specification) for one graded submission."""
    notes = list(graded.notes)
    if graded.doc is None:
        return {"score": 0, "execution_time": round(seconds), "output": "\n".join(notes), "tests": []}
    doc = graded.doc
    tests = [
        {
            "name": test_name(item),
            "score": item["earned"],
            "max_score": item["points"],
            "status": "passed" if item["earned"] == item["points"] else "failed",
            "output": item_output(item),
            "visibility": VISIBILITY,
        }
        for item in doc["exercises"] + doc["notebooks"]
    ]
    output = "\n".join([doc["summary"], *notes, *doc["file_problems"]])
    return {"score": doc["score"], "execution_time": round(seconds), "output": output, "tests": tests}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--root", type=Path, default=Path("/autograder"))
    parser.add_argument("--no-notebooks", action="store_true", help="grade the exercises only")
    parser.add_argument("--time-limit", type=float, default=TIME_LIMIT)
    parser.add_argument("--user", default=None, help="run the student's code as this user (root only)")
    args = parser.parse_args(argv)
    course, started = args.root / "source", time.monotonic()
    try:
        hidden = hidden_variants(course / "solutions", 1 + secrets.randbelow(2**31))
        graded = grade(
            args.root / "submission", course, hidden,
            notebooks=not args.no_notebooks, time_limit=args.time_limit, user=args.user,
        )  # fmt: skip
    except Exception as error:  # never leave Gradescope without a results.json
        graded = Graded(notes=[f"the autograder failed: {type(error).__name__}: {error}"])
    document = results(graded, time.monotonic() - started)
    out = args.root / "results" / "results.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(document, indent=1), encoding="utf-8")
    print(document.get("output", ""))
    print(f"score {document['score']:g}; results in {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
