"""The student check catches every realistic mistake, names the function, and hints at the cause."""

import re
from collections import Counter

import pytest

from checks.core import DONE, WRONG, check_exercise, check_with_needs, load_references
from checks.notebook import format_report
from checks.registry import BY_NAME, EXERCISES, find
from tests.helpers import SOLUTIONS, import_fresh, make_package, module_for, run_check_cli
from tests.mutants import MUTANTS as RNN_MUTANTS
from tests.mutants import edited
from tests.mutants_attention import ATTENTION_MUTANTS
from tests.mutants_captioning import CAPTIONING_MUTANTS
from tests.mutants_char_lm import CHAR_LM_MUTANTS
from tests.mutants_gated import GATED_MUTANTS
from tests.mutants_linear_rnn import LINEAR_RNN_MUTANTS
from tests.mutants_seq2seq import SEQ2SEQ_MUTANTS

REFERENCES = load_references()
MUTANTS = (
    RNN_MUTANTS
    + GATED_MUTANTS
    + CAPTIONING_MUTANTS
    + CHAR_LM_MUTANTS
    + ATTENTION_MUTANTS
    + SEQ2SEQ_MUTANTS
    + LINEAR_RNN_MUTANTS
)


def mutant_module(tmp_path, mutant):
    """The rnn_layers module of a copy of solutions/ with the mutant in place."""
    return import_fresh(make_package(tmp_path, modules={mutant.module: mutant.source}))


@pytest.mark.parametrize("mutant", MUTANTS, ids=lambda m: f"{m.function}: {m.name}")
def test_mutant_is_reported_wrong_with_its_function_named(tmp_path, mutant):
    module = mutant_module(tmp_path, mutant)
    report = check_exercise(find(mutant.function), module_for(find(mutant.function), module), REFERENCES)
    assert report.state == WRONG, f"{mutant.name} was reported {report.state}"
    text = format_report(report, len(find(mutant.function).cases))
    assert text.startswith(f"✗ {mutant.function} is wrong"), text
    if mutant.hint is not None:
        assert mutant.hint in text, f"the hint should name the mistake ({mutant.hint!r}):\n{text}"


def wrong_dependents(tmp_path, mutant):
    """{exercise: hint} for the exercises built on the mutated function that the mutant makes wrong."""
    module = mutant_module(tmp_path, mutant)
    found = {}
    for exercise in EXERCISES:
        if mutant.function in exercise.needs:
            report = check_with_needs(exercise, module_for(exercise, module), REFERENCES, BY_NAME)
            if report.state == WRONG:
                found[exercise.name] = report.hint or ""
    return found


# The exercises built on these call them in the solved package, so a mutant of each of them makes
# at least one of those wrong. The step backward functions are not among them: the solved sequence
# backward works on whole sequences and never calls them (tested below), so their mutants break
# nothing else; in-place and overflow mutants may leave callers right, too.
BREAKS_DEPENDENTS = {
    "rnn_step_forward", "rnn_forward", "rnn_backward", "lstm_step_forward", "lstm_forward",
    "lstm_backward", "gru_step_forward", "gru_forward", "gru_backward", "word_embedding_forward",
    "word_embedding_backward", "temporal_softmax_loss", "attention_forward", "attention_backward",
    "attention_lstm_step_forward", "attention_lstm_step_backward", "attention_lstm_forward",
    "bidirectional_forward", "bidirectional_backward", "stacked_forward", "stacked_backward",
    "source_attention_forward", "source_attention_backward",
    "parallel_linear_scan", "linear_scan_backward", "mingru_forward", "minlstm_forward",
}  # fmt: skip


@pytest.mark.parametrize("mutant", MUTANTS, ids=lambda m: f"{m.function}: {m.name}")
def test_exercises_a_mutant_breaks_point_at_it(tmp_path, mutant):
    """An exercise that fails only because one it builds on is wrong says which one to fix first."""
    for name, hint in wrong_dependents(tmp_path, mutant).items():
        assert f"fix {mutant.function} first" in hint, (name, hint)


def test_every_function_the_solution_builds_on_has_a_mutant_that_breaks_its_dependents(tmp_path):
    """So the test above has something to check for each of them (it asserts nothing where none breaks)."""
    broken = {
        m.function for k, m in enumerate(MUTANTS) if wrong_dependents(tmp_path / str(k), m)
    }  # fmt: skip
    assert broken == BREAKS_DEPENDENTS


@pytest.mark.parametrize("cell", ["rnn", "lstm", "gru"])
def test_the_solved_sequence_backward_never_calls_the_step_backward(tmp_path, cell):
    """Why a step backward mutant leaves the sequence backward done (a student's may call it, then fail)."""
    source = f"""
def {cell}_step_backward(*args):
    raise AssertionError("called")
"""
    module = import_fresh(make_package(tmp_path, [source]))
    assert check_exercise(find(f"{cell}_backward"), module, REFERENCES).state == DONE


def modules_read_by(name, found=None):
    """The modules of solutions/ that module `name` imports, directly or through others, and itself."""
    found = set() if found is None else found
    if name not in found:
        found.add(name)
        source = (SOLUTIONS / f"{name}.py").read_text()
        for imported in re.findall(r"^from \.(\w+) import|^from \. import (\w+)", source, re.M):
            modules_read_by("".join(imported), found)
    return found


def test_modules_read_by_follows_imports_through_other_modules():
    assert {"rnn_layers", "layers", "optim", "shapes"} <= modules_read_by("char_lm")
    assert "rnn_layers" not in modules_read_by("dates")


@pytest.mark.parametrize("mutant", MUTANTS, ids=lambda m: f"{m.function}: {m.name}")
def test_mutant_leaves_the_other_exercises_alone(tmp_path, mutant):
    """Only the mutated function and the exercises checked through it may be reported wrong."""
    module = mutant_module(tmp_path, mutant)
    for exercise in EXERCISES:
        if exercise.name == mutant.function or mutant.function in exercise.needs:
            continue
        # An exercise whose module never reads the mutated one cannot see the mutant: skipped, for time
        # (checking every exercise against every mutant is most of this file's minutes).
        if mutant.module not in modules_read_by(exercise.module):
            continue
        assert check_exercise(exercise, module_for(exercise, module), REFERENCES).state == DONE, exercise.name


def test_a_mutant_edit_must_match_exactly_once_in_its_function():
    """So a changed reference can neither turn a mutant silently correct nor edit the wrong line."""
    with pytest.raises(AssertionError, match="must match once, not 0"):
        edited("rnn_step_forward", ("np.tanh(x @ Wx.T", "np.tanh(x"))
    with pytest.raises(AssertionError, match="must match once, not 3"):
        edited("lstm_step_forward", ("sigmoid(a[:, ", "tanh(a[:, "))
    # The docstring restates the formulas: an edit reaches the code only.
    assert "next_h = o * tanh(next_c)" in edited("lstm_step_forward", ("next_h = o * tanh_c", "next_h = 0"))


def test_every_exercise_has_at_least_three_mutants():
    counts = Counter(m.function for m in MUTANTS)
    assert {e.name: counts[e.name] for e in EXERCISES if counts[e.name] < 3} == {}


def test_the_command_line_check_names_a_mutant_and_fails(tmp_path):
    mutant = next(m for m in MUTANTS if m.name == "upstream gradient added only at the last step")
    code, out = run_check_cli(
        make_package(tmp_path, modules={"rnn_layers": mutant.source}), "--no-notebooks", "--no-speed"
    )
    assert code == 1
    assert re.search(r"^rnn_backward +04_backprop_through_time +wrong", out, re.M), out
    assert "rnn_backward is wrong" in out and "added at every step" in out
    for other in ("rnn_step_forward", "rnn_forward", "rnn_step_backward"):
        assert re.search(rf"^{other} +\S+ +done", out, re.M), other
