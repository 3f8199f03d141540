"""Realistic wrong versions of the linear-recurrence exercises (notebook 11): edits of the reference
solution's own text (tests/mutants.py's `edited`), and two scans written the way a student might."""

from tests.mutants import Mutant, edited, rewritten

MODULE = "linear_rnn"


def mutant(function, name, hint, *pairs):
    return Mutant(function, name, edited(function, *pairs, module=MODULE), hint, module=MODULE)


def student(function, name, hint, code):
    return Mutant(function, name, rewritten(code, module=MODULE), hint, module=MODULE)


LOOP_STEP = "        prev_h = a[:, t] * prev_h + b[:, t]\n        h[:, t] = prev_h"
HS_STEP = """        B[:, shift:] = A[:, shift:] * B[:, :-shift] + B[:, shift:]
        A[:, shift:] = A[:, shift:] * A[:, :-shift]"""
REVERSE_SCAN = "g = parallel_linear_scan(a_next[:, ::-1], dh[:, ::-1], np.zeros_like(h0))[:, ::-1]"
MINGRU_GATES = "z = sigmoid(pre[:, :, :H])\n    c = pre[:, :, H:]"
MINLSTM_GATES = "f = sigmoid(pre[:, :, :H])\n    i = sigmoid(pre[:, :, H : 2 * H])"
MINLSTM_GATE_GRADS = "df = (df_norm - di_norm) * i / total**2\n    di = (di_norm - df_norm) * f / total**2"

PARALLEL_AS_LOOP = """
def parallel_linear_scan(a, b, h0):
    h = np.empty_like(b)
    prev_h = h0
    for t in range(a.shape[1]):
        prev_h = a[:, t] * prev_h + b[:, t]
        h[:, t] = prev_h
    return h
"""

PARALLEL_CLOSED_FORM = """
def parallel_linear_scan(a, b, h0):
    A = np.cumprod(a, axis=1)
    return A * (h0[:, None] + np.cumsum(b / A, axis=1))
"""

LINEAR_RNN_MUTANTS = [
    mutant(
        "linear_scan",
        "h[:, t] stores the state before the step",
        "it holds the state before it",
        (LOOP_STEP, "        h[:, t] = prev_h\n        prev_h = a[:, t] * prev_h + b[:, t]"),
    ),
    mutant(
        "linear_scan",
        "a and b swapped",
        "Are a and b swapped?",
        ("prev_h = a[:, t] * prev_h + b[:, t]", "prev_h = b[:, t] * prev_h + a[:, t]"),
    ),
    mutant(
        "linear_scan",
        "every step starts from h0",
        "not from h0",
        ("prev_h = a[:, t] * prev_h + b[:, t]", "prev_h = a[:, t] * h0 + b[:, t]"),
    ),
    mutant(
        "linear_scan", "starts from zeros", "Start from h0", ("prev_h = h0", "prev_h = np.zeros_like(h0)")
    ),
    mutant(
        "parallel_linear_scan",
        "A updated before B uses it",
        "B must use A_t before A_t is updated",
        (HS_STEP, "\n".join(reversed(HS_STEP.split("\n")))),
    ),
    mutant(
        "parallel_linear_scan",
        "composed in the wrong order",
        "Compose in the right order",
        (
            "B[:, shift:] = A[:, shift:] * B[:, :-shift] + B[:, shift:]",
            "B[:, shift:] = A[:, :-shift] * B[:, shift:] + B[:, :-shift]",
        ),
    ),
    mutant(
        "parallel_linear_scan",
        "stops doubling too early for T not a power of two",
        "keep doubling the shift while it is below T",
        ("while shift < T:", "while shift <= T // 2:"),
    ),
    mutant(
        "parallel_linear_scan",
        "h0 left out",
        "h_t = A_t * h0 + B_t",
        ("\n    h = A * h0[:, None] + B", "\n    h = B"),
    ),
    student("parallel_linear_scan", "a loop over time", "it loops over the time steps", PARALLEL_AS_LOOP),
    student(
        "parallel_linear_scan",
        "the closed form A_t (h0 + sum b_s / A_s)",
        "never divides",
        PARALLEL_CLOSED_FORM,
    ),
    mutant(
        "linear_scan_backward",
        "carried back by a_t instead of a_{t+1}",
        "a_{t+1}, not a_t",
        (REVERSE_SCAN, REVERSE_SCAN.replace("a_next[:, ::-1]", "a[:, ::-1]")),
    ),
    mutant(
        "linear_scan_backward",
        "no gradient flows back in time",
        "The gradient must flow back in time",
        (REVERSE_SCAN, "g = dh"),
    ),
    mutant(
        "linear_scan_backward",
        "not reversed back",
        "reverse back",
        (REVERSE_SCAN, REVERSE_SCAN.removesuffix("[:, ::-1]")),
    ),
    mutant(
        "linear_scan_backward",
        "da from h_t instead of h_{t-1}",
        "not h_t",
        ("da = g * prev_h", "da = g * h"),
    ),
    mutant(
        "linear_scan_backward",
        "dh0 without a_0",
        "dh0 = a_0 * g_0",
        ("dh0 = a[:, 0] * g[:, 0]", "dh0 = g[:, 0]"),
    ),
    mutant(
        "mingru_forward",
        "z and 1 - z swapped",
        "swapped",
        ("parallel_linear_scan(1.0 - z, z * c, h0)", "parallel_linear_scan(z, (1.0 - z) * c, h0)"),
    ),
    mutant(
        "mingru_forward",
        "tanh on the candidate",
        "no tanh",
        ("c = pre[:, :, H:]", "c = np.tanh(pre[:, :, H:])"),
    ),
    mutant(
        "mingru_forward",
        "gate and candidate columns swapped",
        "column blocks",
        (MINGRU_GATES, "z = sigmoid(pre[:, :, H:])\n    c = pre[:, :, :H]"),
    ),
    mutant(
        "mingru_forward",
        "starts from zeros",
        "Start the scan from h0",
        ("z * c, h0)", "z * c, np.zeros_like(h0))"),
    ),
    mutant(
        "mingru_backward",
        "dz misses the path through a_t = 1 - z_t",
        "twice",
        ("dz = dbt * c - da", "dz = dbt * c"),
    ),
    mutant(
        "mingru_backward",
        "no sigmoid derivative",
        "through the sigmoid",
        ("[dz * z * (1.0 - z), dc]", "[dz, dc]"),
    ),
    mutant("mingru_backward", "dc without z", "dc = db_t * z_t", ("dc = dbt * z", "dc = dbt")),
    mutant(
        "mingru_backward",
        "dh0 left at zero",
        "dh0 is the dh0 that linear_scan_backward returns",
        ("return dx, dh0, dWx, db", "return dx, np.zeros_like(dh0), dWx, db"),
    ),
    mutant(
        "mingru_backward",
        "backward scan with a = z",
        "with the a_t of the forward pass",
        ("linear_scan_backward(dh, 1.0 - z, h0, h)", "linear_scan_backward(dh, z, h0, h)"),
    ),
    mutant(
        "minlstm_forward",
        "gates not normalised",
        "Normalise the gates",
        ("f_norm = f / (f + i)\n    i_norm = i / (f + i)", "f_norm = f\n    i_norm = i"),
    ),
    mutant(
        "minlstm_forward",
        "tanh on the candidate",
        "no tanh",
        ("c = pre[:, :, 2 * H :]", "c = np.tanh(pre[:, :, 2 * H :])"),
    ),
    mutant(
        "minlstm_forward",
        "forget and input gates swapped",
        "Swapped?",
        (MINLSTM_GATES, "i = sigmoid(pre[:, :, :H])\n    f = sigmoid(pre[:, :, H : 2 * H])"),
    ),
    mutant(
        "minlstm_forward",
        "starts from zeros",
        "Start the scan from h0",
        ("i_norm * c, h0)", "i_norm * c, np.zeros_like(h0))"),
    ),
    mutant(
        "minlstm_backward",
        "each gate reaches only its own normalised gate",
        "each reach both normalised gates",
        (MINLSTM_GATE_GRADS, "df = df_norm * i / total**2\n    di = di_norm * f / total**2"),
    ),
    mutant(
        "minlstm_backward",
        "normalisation not differentiated",
        "each reach both normalised gates",
        (MINLSTM_GATE_GRADS, "df = df_norm\n    di = di_norm"),
    ),
    mutant("minlstm_backward", "dc without i'", "db_t * i'_t", ("dc = dbt * i / total", "dc = dbt")),
    mutant(
        "minlstm_backward",
        "backward scan with a = f",
        "with the a_t of the forward pass",
        ("linear_scan_backward(dh, f / total, h0, h)", "linear_scan_backward(dh, f, h0, h)"),
    ),
]
