"""Linear recurrences, h_t = a_t * h_{t-1} + b_t, by a loop over time and by a parallel scan, and the two
recurrent layers built on them: the minGRU and the minLSTM (Feng et al., 2024, "Were RNNs All We Needed?").

The gates of these layers read only the input x_t, never h_{t-1}, so every gate of every step is one
matrix product over the whole sequence, and what remains of the recurrence is linear in the state.

Conventions as in rnn_layers.py (docs/conventions.md): batch first, row vectors, weights multiply from
the right, float64 (float32 stays float32). Shapes used below:
    N  number of sequences in a minibatch
    T  number of time steps
    D  input features per time step
    H  hidden units
"""

import numpy as np

from .layers import Recurrent
from .rnn_layers import sigmoid
from .shapes import expect_shapes


def linear_scan(a, b, h0):
    """The linear recurrence h_t = a_t * h_{t-1} + b_t for t = 0..T-1, with h_{-1} = h0, by a loop.

    Inputs:
    - a: the coefficients a_t, shape (N, T, H).
    - b: the inputs b_t, shape (N, T, H).
    - h0: the state before the first step, shape (N, H).

    Returns:
    - h: the state after every step, shape (N, T, H), with h[:, t] = h_t.
    """
    expect_shapes("linear_scan", a=(a, "N T H"), b=(b, "N T H"), h0=(h0, "N H"))
    ### TODO: one step per time step, each from the state the step before produced (h0 for the first).
    ### BEGIN SOLUTION
    h = np.empty(b.shape, dtype=np.result_type(a, b, h0))
    prev_h = h0
    for t in range(a.shape[1]):
        prev_h = a[:, t] * prev_h + b[:, t]
        h[:, t] = prev_h
    ### END SOLUTION
    return h


def parallel_linear_scan(a, b, h0):
    """The same h as linear_scan, by a Hillis-Steele scan: about log2(T) whole-array steps, no loop over t.

    Step t is the affine map h -> a_t * h + b_t, written (a_t, b_t). Two steps, first (a1, b1) then
    (a2, b2), make one: (a1, b1) o (a2, b2) = (a1 * a2, a2 * b1 + b2), an associative operator. The scan
    combines every step t with the one `shift` steps before it, for shift = 1, 2, 4, ...: afterwards
    (A_t, B_t) is the composition of steps 0..t, and h_t = A_t * h0 + B_t.

    Inputs:
    - a: the coefficients a_t, shape (N, T, H).
    - b: the inputs b_t, shape (N, T, H).
    - h0: the state before the first step, shape (N, H).

    Returns:
    - h: the state after every step, shape (N, T, H).
    """
    expect_shapes("parallel_linear_scan", a=(a, "N T H"), b=(b, "N T H"), h0=(h0, "N H"))
    ### TODO: copy a and b to A and B; while shift < T, compose each step t >= shift with the one shift
    ### TODO: steps earlier (earlier one first: B uses the old A), then double shift.
    ### TODO: Finally h = A * h0[:, None] + B.
    ### BEGIN SOLUTION
    dtype = np.result_type(a, b, h0)
    A, B = a.astype(dtype), b.astype(dtype)
    T = a.shape[1]
    shift = 1
    while shift < T:
        B[:, shift:] = A[:, shift:] * B[:, :-shift] + B[:, shift:]
        A[:, shift:] = A[:, shift:] * A[:, :-shift]
        shift *= 2
    h = A * h0[:, None] + B
    ### END SOLUTION
    return h


def linear_scan_backward(dh, a, h0, h):
    """Gradients of a linear recurrence h_t = a_t * h_{t-1} + b_t, by a reverse linear scan.

    The gradient g_t of the loss with respect to h_t (all the ways it reaches the loss) is
    g_t = dh_t + a_{t+1} * g_{t+1}, with g_{T-1} = dh_{T-1}: a linear recurrence that runs backwards in
    time, computed by parallel_linear_scan on the time-reversed arrays. Then da_t = g_t * h_{t-1},
    db_t = g_t and dh0 = a_0 * g_0.

    Inputs:
    - dh: upstream gradient of every state, shape (N, T, H).
    - a: the coefficients of the forward pass, shape (N, T, H).
    - h0: the state before the first step, shape (N, H).
    - h: the states the forward pass returned, shape (N, T, H).

    Returns a tuple of:
    - da: gradient of a, shape (N, T, H).
    - db: gradient of b, shape (N, T, H).
    - dh0: gradient of h0, shape (N, H).
    """
    expect_shapes("linear_scan_backward", dh=(dh, "N T H"), a=(a, "N T H"), h0=(h0, "N H"), h=(h, "N T H"))
    ### TODO: the coefficient that carries g_{t+1} back to step t is a_{t+1} (a zero after the last step);
    ### TODO: reverse time with [:, ::-1], scan, reverse back. h_{t-1} is h0 for t = 0.
    ### BEGIN SOLUTION
    a_next = np.concatenate([a[:, 1:], np.zeros_like(a[:, :1])], axis=1)
    g = parallel_linear_scan(a_next[:, ::-1], dh[:, ::-1], np.zeros_like(h0))[:, ::-1]
    prev_h = np.concatenate([h0[:, None], h[:, :-1]], axis=1)
    da = g * prev_h
    db = g
    dh0 = a[:, 0] * g[:, 0]
    ### END SOLUTION
    return da, db, dh0


def mingru_forward(x, h0, Wx, b):
    """A minGRU over a whole sequence (Feng et al., 2024): a GRU whose gate and candidate read only x_t.

        z_t = sigmoid(x_t @ Wx[:, :H] + b[:H])      update gate
        c_t = x_t @ Wx[:, H:] + b[H:]               candidate state (no tanh)
        h_t = (1 - z_t) * h_{t-1} + z_t * c_t

    Inputs:
    - x: input sequence, shape (N, T, D).
    - h0: initial hidden state, shape (N, H).
    - Wx: input weights, shape (D, 2H), the update gate's columns first.
    - b: biases, shape (2H,).

    Returns a tuple of:
    - h: hidden state at every time step, shape (N, T, H).
    - cache: what mingru_backward needs (opaque to the caller).
    """
    expect_shapes("mingru_forward", x=(x, "N T D"), h0=(h0, "N H"), Wx=(Wx, "D 2H"), b=(b, "2H"))
    ### TODO: one product x @ Wx + b (x reshaped to (N*T, D) rows) gives z and c for every step at once;
    ### TODO: then the recurrence is linear, h_t = a_t * h_{t-1} + b_t: which a_t and b_t? Compute it with
    ### TODO: parallel_linear_scan.
    ### BEGIN SOLUTION
    N, T, D = x.shape
    H = h0.shape[1]
    pre = (x.reshape(N * T, D) @ Wx + b).reshape(N, T, 2 * H)
    z = sigmoid(pre[:, :, :H])
    c = pre[:, :, H:]
    h = parallel_linear_scan(1.0 - z, z * c, h0)
    cache = (x, h0, Wx, z, c, h)
    ### END SOLUTION
    return h, cache


def mingru_backward(dh, cache):
    """Backward pass of mingru_forward.

    Inputs:
    - dh: upstream gradient of every hidden state, shape (N, T, H).
    - cache: the cache returned by mingru_forward.

    Returns a tuple of:
    - dx: gradient of the inputs, shape (N, T, D).
    - dh0: gradient of the initial hidden state, shape (N, H).
    - dWx: gradient of the input weights, shape (D, 2H).
    - db: gradient of the biases, shape (2H,).
    """
    expect_shapes("mingru_backward", dh=(dh, "N T H"))
    ### TODO: linear_scan_backward gives the gradients of a_t = 1 - z_t and b_t = z_t * c_t; from them
    ### TODO: those of z (through both) and c, then of the pre-activations; one product each for dx and
    ### TODO: dWx, a sum for db.
    ### BEGIN SOLUTION
    x, h0, Wx, z, c, h = cache
    N, T, D = x.shape
    da, dbt, dh0 = linear_scan_backward(dh, 1.0 - z, h0, h)
    dz = dbt * c - da
    dc = dbt * z
    dpre = np.concatenate([dz * z * (1.0 - z), dc], axis=2)
    dx = (dpre.reshape(N * T, -1) @ Wx.T).reshape(N, T, D)
    dWx = x.reshape(N * T, D).T @ dpre.reshape(N * T, -1)
    db = dpre.sum(axis=(0, 1))
    ### END SOLUTION
    return dx, dh0, dWx, db


def minlstm_forward(x, h0, Wx, b):
    """A minLSTM over a whole sequence (Feng et al., 2024): forget and input gates that read only x_t,
    normalised to sum to one.

        f_t = sigmoid(x_t @ Wx[:, :H] + b[:H])            forget gate
        i_t = sigmoid(x_t @ Wx[:, H:2H] + b[H:2H])        input gate
        c_t = x_t @ Wx[:, 2H:] + b[2H:]                   candidate state (no tanh)
        f'_t = f_t / (f_t + i_t),   i'_t = i_t / (f_t + i_t)
        h_t = f'_t * h_{t-1} + i'_t * c_t

    Inputs:
    - x: input sequence, shape (N, T, D).
    - h0: initial hidden state, shape (N, H).
    - Wx: input weights, shape (D, 3H), columns in the order forget, input, candidate.
    - b: biases, shape (3H,).

    Returns a tuple of:
    - h: hidden state at every time step, shape (N, T, H).
    - cache: what minlstm_backward needs (opaque to the caller).
    """
    expect_shapes("minlstm_forward", x=(x, "N T D"), h0=(h0, "N H"), Wx=(Wx, "D 3H"), b=(b, "3H"))
    ### TODO: as in mingru_forward: one product for every gate of every step, the normalised gates, then
    ### TODO: the linear recurrence with parallel_linear_scan.
    ### BEGIN SOLUTION
    N, T, D = x.shape
    H = h0.shape[1]
    pre = (x.reshape(N * T, D) @ Wx + b).reshape(N, T, 3 * H)
    f = sigmoid(pre[:, :, :H])
    i = sigmoid(pre[:, :, H : 2 * H])
    c = pre[:, :, 2 * H :]
    f_norm = f / (f + i)
    i_norm = i / (f + i)
    h = parallel_linear_scan(f_norm, i_norm * c, h0)
    cache = (x, h0, Wx, f, i, c, h)
    ### END SOLUTION
    return h, cache


def minlstm_backward(dh, cache):
    """Backward pass of minlstm_forward.

    Inputs:
    - dh: upstream gradient of every hidden state, shape (N, T, H).
    - cache: the cache returned by minlstm_forward.

    Returns a tuple of:
    - dx: gradient of the inputs, shape (N, T, D).
    - dh0: gradient of the initial hidden state, shape (N, H).
    - dWx: gradient of the input weights, shape (D, 3H).
    - db: gradient of the biases, shape (3H,).
    """
    expect_shapes("minlstm_backward", dh=(dh, "N T H"))
    ### TODO: linear_scan_backward gives the gradients of f'_t and of i'_t * c_t; f and i each reach both
    ### TODO: normalised gates (d f'/d f = i / (f + i)**2, d f'/d i = -f / (f + i)**2, and so on).
    ### BEGIN SOLUTION
    x, h0, Wx, f, i, c, h = cache
    N, T, D = x.shape
    total = f + i
    df_norm, dbt, dh0 = linear_scan_backward(dh, f / total, h0, h)
    di_norm = dbt * c
    dc = dbt * i / total
    df = (df_norm - di_norm) * i / total**2
    di = (di_norm - df_norm) * f / total**2
    dpre = np.concatenate([df * f * (1.0 - f), di * i * (1.0 - i), dc], axis=2)
    dx = (dpre.reshape(N * T, -1) @ Wx.T).reshape(N, T, D)
    dWx = x.reshape(N * T, D).T @ dpre.reshape(N * T, -1)
    db = dpre.sum(axis=(0, 1))
    ### END SOLUTION
    return dx, dh0, dWx, db


class MinGRU(Recurrent):
    """A minGRU layer (provided, for models): Wx (D, 2H) and b (2H,), no Wh; see layers.Recurrent."""

    gates = 2
    weight_names = ("Wx",)
    _forward, _backward = staticmethod(mingru_forward), staticmethod(mingru_backward)


class MinLSTM(Recurrent):
    """A minLSTM layer (provided, for models): Wx (D, 3H) and b (3H,), no Wh; see layers.Recurrent."""

    gates = 3
    weight_names = ("Wx",)
    _forward, _backward = staticmethod(minlstm_forward), staticmethod(minlstm_backward)
