"""Every notebook ends with questions to think about, and the answer key (solutions/answers/) answers them."""

import json
import re

import pytest

from tests.helpers import ROOT, SOLUTIONS
from tools.stubs import planned_files

NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
QUESTION = re.compile(r"\*\*Question (\d+)\.\*\* (.+?)(?=\n\n|\Z)", re.S)


def questions_of(notebook):
    cells = ["".join(c["source"]) for c in json.loads(notebook.read_text())["cells"]]
    assert cells[-2].startswith("## Questions to think about"), (
        f"{notebook.name} does not end with its questions"
    )
    assert cells[-1].strip() == "*Your answers:*", f"{notebook.name}: no cell for the student's answers"
    return {int(k): " ".join(q.split()) for k, q in QUESTION.findall(cells[-2])}


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=lambda p: p.stem[:2])
def test_the_answer_key_answers_the_notebooks_questions(notebook):
    questions = questions_of(notebook)
    assert sorted(questions) == list(range(1, len(questions) + 1)) and len(questions) >= 2, questions
    key = (SOLUTIONS / "answers" / f"{notebook.stem}.md").read_text(encoding="utf-8")
    sections = re.findall(r"## Question (\d+)\n\n> (.+?)\n\n(.+?)(?=\n## |\Z)", key, re.S)
    answered = {int(k): (" ".join(q.split()), a.strip()) for k, q, a in sections}
    assert sorted(answered) == sorted(questions), f"{notebook.stem}: the key answers {sorted(answered)}"
    for k, question in questions.items():
        assert answered[k][0] == question, f"{notebook.stem}, question {k}: the key quotes another wording"
        assert len(answered[k][1].split()) >= 15, f"{notebook.stem}, question {k}: no real answer"


def test_the_answer_key_is_not_part_of_the_student_package():
    assert not [rel for rel in planned_files(SOLUTIONS, "assignment") if rel.startswith("answers/")]
