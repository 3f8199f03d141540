"""The speed line of `make check`: what it says, and that slow code gets the hint (no timing asserted)."""

import json
import statistics

import numpy as np

from checks import speed
from checks.inputs import GATE_BLOCKS
from solutions import rnn_layers
from tests.helpers import ROOT, make_package, replace_function, run_check_cli
from tests.mutants import MUTANTS


def test_a_time_near_the_floor_gets_no_hint_and_a_far_slower_one_does():
    line, hint = speed.verdict("lstm", seconds=0.060, floor=0.040, reference=1.42)
    assert (
        "lstm_forward + lstm_backward" in line
        and "60 ms, 1.5x the matrix products" in line
        and "(the reference solution: 1.4x)" in line
    )
    assert hint is None
    line, hint = speed.verdict("lstm", seconds=0.200, floor=0.040)
    assert "5.0x" in line and "x @ Wx for all steps at once" in hint and "loops over the batch" in hint
    assert "busy" not in line


def test_a_large_spread_between_repeats_says_the_machine_was_busy_and_gives_no_one_number():
    line, hint = speed.verdict("rnn", seconds=0.076, floor=0.040, slowest_ratio=2.8, reference=2.5)
    assert "not timed, the machine was busy: the repeats ranged from 1.9x to 2.8x" in line
    # a single number below the reference's own would read as "faster than the reference"
    assert "the reference solution" not in line and "ms," not in line and hint is None
    line, _ = speed.verdict("rnn", seconds=0.076, floor=0.040, slowest_ratio=2.1)
    assert "busy" not in line


def test_the_timed_problem_is_what_the_layers_take():
    for cell in GATE_BLOCKS:
        x, h0, params, dh = speed.problem(cell, shape=(2, 3, 4, 5))
        h, *_, cache = getattr(rnn_layers, f"{cell}_forward")(x, h0, *params)
        assert h.shape == dh.shape and np.all(np.isfinite(h))
        runs = {
            "layer": speed.layer_run(rnn_layers, cell, shape=(2, 3, 4, 5)),
            "floor": speed.floor_products(cell, shape=(2, 3, 4, 5)),
        }
        assert all(t[0] > 0 for t in speed.paired_times(runs, repeats=1).values())


def test_make_check_times_only_the_cells_whose_sequence_functions_are_done(tmp_path):
    stub = (ROOT / "assignment" / "rnn_layers.py").read_text()
    solved = (ROOT / "solutions" / "rnn_layers.py").read_text()
    # Solved RNN functions, everything else a stub: only the RNN can be timed.
    for name in ("rnn_step_forward", "rnn_forward", "rnn_step_backward", "rnn_backward"):
        start = solved.index(f"def {name}(")
        end = solved.index("\ndef ", start + 1)
        stub = replace_function(stub, solved[start:end])
    code, out = run_check_cli(make_package(tmp_path, modules={"rnn_layers": stub}), "--no-notebooks")
    assert code == 1
    assert "rnn_forward + rnn_backward (N=32, T=64, D=64, H=256, float64):" in out
    assert "lstm_forward + lstm_backward" not in out and "gru_forward + gru_backward" not in out


def test_paired_timing_alternates_and_rotates_the_order():
    calls = []
    runs = {name: (lambda name=name: calls.append(name)) for name in "abc"}
    times = speed.paired_times(runs, repeats=3, lead_in=0)
    assert calls[:3] == ["a", "b", "c"]  # the warm-up
    assert calls[3:] == ["a", "b", "c", "b", "c", "a", "c", "a", "b"]
    calls.clear()
    speed.paired_times(runs, repeats=2, lead_in=1)  # each timed run follows an untimed one of its own
    assert calls[3:] == ["a", "a", "b", "b", "c", "c", "b", "b", "c", "c", "a", "a"]
    assert {name: len(t) for name, t in times.items()} == {"a": 3, "b": 3, "c": 3}


def test_ratios_are_taken_repeat_by_repeat():
    # The machine slowed down for repeats 2 and 3, and the reference's third run was disturbed as well:
    # run by run the layer takes 1.5x the reference, while the ratio of the medians would say 0.75x.
    layer, reference = [1.5, 3.0, 1.5], [1.0, 2.0, 2.0]
    assert speed.median_ratio(layer, reference) == 1.5
    assert statistics.median(layer) / statistics.median(reference) == 0.75


def test_no_speed_line_while_an_exercise_of_that_cell_is_wrong(tmp_path):
    mutant = next(m for m in MUTANTS if m.function == "rnn_step_backward" and m.name == "dWh transposed")
    # The GRU left as a stub, so that only the LSTM is timed (each timed cell costs seconds).
    stubs = (ROOT / "assignment" / "rnn_layers.py").read_text()
    start = stubs.index("def gru_forward(")
    gru_stub = stubs[start : stubs.index("\ndef ", start + 1)]
    code, out = run_check_cli(
        make_package(tmp_path, [gru_stub], modules={mutant.module: mutant.source}), "--no-notebooks"
    )
    assert code == 1
    assert "rnn_forward + rnn_backward" not in out and "gru_forward + gru_backward" not in out
    assert "lstm_forward + lstm_backward (N=32" in out


def test_the_reference_ratio_quoted_is_the_one_make_bench_measured(tmp_path):
    """The number comes from checks/speed_reference.json, which `make bench` writes, never from the code."""
    stored = json.loads(speed.REFERENCE_FILE.read_text())
    assert list(stored["shape"]) == list(speed.SHAPE) and stored["dtype"] == "float64"
    for cell in GATE_BLOCKS:
        assert 1.0 < stored["ratio_to_floor"][cell] < speed.FAR_SLOWER  # a measured multiple of the floor
        line, _ = speed.verdict(cell, seconds=0.060, floor=0.040)
        assert f"(the reference solution: {stored['ratio_to_floor'][cell]:.1f}x)" in line
    (tmp_path / "bad.json").write_text("{")
    assert speed.reference_ratio("rnn", tmp_path / "bad.json") is None
    assert speed.reference_ratio("rnn", tmp_path / "missing.json") is None
