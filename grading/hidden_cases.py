"""Check cases that students never see: yours to add (a grader runs them; the student edition lacks them).

HIDDEN maps an exercise's name to extra `checks.core.Case`s. Each runs like a published case (the same
runner, so the inputs are the keys that exercise's cases use), on fresh random inputs for every class or
Gradescope submission when its inputs come from `checks.inputs` (`array`, `random_state`, the `*_params`
helpers), and is compared with what solutions/ computes on the same inputs. A student's answer must
be right on inputs it has never seen.
"""

from checks.core import Case
from checks.inputs import gru_params, lstm_params, rnn_params
from checks.linear_rnn import layer_inputs, scan_inputs
from checks.sequences import seq_inputs

HIDDEN = {
    "rnn_forward": [
        Case("h_long", "a long batch (N = 4, T = 30)", lambda: seq_inputs(rnn_params, N=4, T=30)),
    ],
    "lstm_forward": [
        Case(
            "h_wide",
            "more hidden units than inputs (D = 2, H = 9)",
            lambda: seq_inputs(lstm_params, D=2, H=9),
        ),
    ],
    "gru_backward": [
        Case("h_long", "a long sequence (T = 25)", lambda: seq_inputs(gru_params, N=3, T=25)),
    ],
    "parallel_linear_scan": [
        Case("h_long", "T = 1000, not a power of two", lambda: scan_inputs(N=3, T=1000, H=2, seed=2000)),
    ],
    "mingru_backward": [
        Case("h_long", "a long sequence (T = 40)", lambda: layer_inputs("mingru", N=3, T=40, seed=2100)),
    ],
}
