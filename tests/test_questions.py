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


# A number that states a result: a decimal, a percentage, or two digits or more (single digits count
# steps, seeds and notebooks). Not in the quoted question, code spans, formulas, citations' years or
# "notebook 5"; the key declares the numbers it computes or proposes itself: <!-- own numbers: 440, 0.73 -->
RESULT = re.compile(r"(?<![\w.^])-?(?:\d+\.\d+(?:e-?\d+)?|\d{2,}|\d+%)(?![\w.]?\d)")
NOT_RESULTS = [
    r"<!--.*?-->",
    r"`[^`]*`",
    r"\$[^$]*\$",
    r"(?:et al\.,?|,) (?:19|20)\d\d[a-z]?",
    r"\((?:19|20)\d\d\)",
]


def printed_text(notebook):
    """Everything a reference notebook's cells printed or displayed as text."""
    texts = []
    for cell in json.loads(notebook.read_text(encoding="utf-8"))["cells"]:
        for output in cell.get("outputs", []):
            texts.append("".join(output.get("text", "")))
            texts += ["".join(v) for k, v in output.get("data", {}).items() if k.startswith("text/")]
    return "\n".join(texts)


def result_numbers(text):
    for pattern in NOT_RESULTS:
        text = re.sub(pattern, "", text, flags=re.S)
    return RESULT.findall(re.sub(r"[Nn]otebooks? \d+", "", text))


def unprinted_numbers(key, printed):
    """[(question, number)] for each number of an answer that `printed` does not hold."""
    found = []
    for k, question, answer in re.findall(r"## Question (\d+)\n\n> (.+?)\n\n(.+?)(?=\n## |\Z)", key, re.S):
        own = {n.strip() for d in re.findall(r"<!-- own numbers: (.*?) -->", answer) for n in d.split(",")}
        asked = set(result_numbers(question))
        for number in result_numbers(answer):
            shown = re.search(rf"(?<![\d.]){re.escape(number.rstrip('%'))}(?![\d])", printed)
            if number not in own | asked and not shown:
                found.append((int(k), number))
    return found


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=lambda p: p.stem[:2])
def test_every_number_of_an_answer_is_one_its_notebook_prints(notebook):
    key = (SOLUTIONS / "answers" / f"{notebook.stem}.md").read_text(encoding="utf-8")
    printed = printed_text(ROOT / "checks" / "reference_notebooks" / notebook.name)
    assert unprinted_numbers(key, printed) == []


def test_an_answer_quoting_a_number_the_notebook_never_printed_is_caught():
    key = (  # notebook 5's answer to question 2 before it was checked: lengths the table never printed
        "## Question 2\n\n> Are the captions shorter than the references?\n\n"
        "Greedy captions averaged about 10.3 to 10.5 words against 9.9 for the references (Wu et al., 2016)."
    )
    printed = "references (held out)  0.748  100%  9.91\nLSTM greedy  0.656  88%  10.46\n"
    assert unprinted_numbers(key, printed) == [(2, "10.3"), (2, "10.5"), (2, "9.9")]
    fixed = key.replace("10.3 to 10.5", "10.46").replace("9.9 ", "9.91 ") + " 0.9 <!-- own numbers: 0.9 -->"
    assert unprinted_numbers(fixed, printed) == []
