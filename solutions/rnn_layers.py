"""Recurrent layers as pairs of plain functions: ``out, cache = *_forward(...)`` and
``grads = *_backward(dout, cache)``.

Conventions (see ``docs/conventions.md``): batch first, row vectors, weights multiply from the
right (``x @ Wx``), float64. A backward function never changes the arrays it is given.

Shapes used below:
    N  number of sequences in a minibatch
    T  number of time steps
    D  input features per time step
    H  hidden units
"""

import numpy as np

from .shapes import expect_indices, expect_mask, expect_shapes


def sigmoid(x):
    """Logistic sigmoid, 1 / (1 + exp(-x)), exact to float rounding for any input.

    Inputs:
    - x: array of any shape.

    Returns an array of the same shape.
    """
    # For x < -709, exp(-x) overflows to inf and 1 / (1 + inf) = 0, the right answer to float
    # precision, so the overflow is harmless and its warning is silenced.
    with np.errstate(over="ignore"):
        return 1.0 / (1.0 + np.exp(-x))


def rnn_step_forward(x, prev_h, Wx, Wh, b):
    """One time step of a vanilla RNN: next_h = tanh(x @ Wx + prev_h @ Wh + b).

    Inputs:
    - x: input at this step, shape (N, D).
    - prev_h: hidden state of the previous step, shape (N, H).
    - Wx: input-to-hidden weights, shape (D, H).
    - Wh: hidden-to-hidden weights, shape (H, H).
    - b: bias, shape (H,).

    Returns a tuple of:
    - next_h: next hidden state, shape (N, H).
    - cache: what rnn_step_backward needs (opaque to the caller).
    """
    expect_shapes(
        "rnn_step_forward", x=(x, "N D"), prev_h=(prev_h, "N H"), Wx=(Wx, "D H"), Wh=(Wh, "H H"), b=(b, "H")
    )
    ### TODO: compute the pre-activation, apply tanh, and keep in the cache what backward needs.
    ### BEGIN SOLUTION
    next_h = np.tanh(x @ Wx + prev_h @ Wh + b)
    cache = (x, prev_h, Wx, Wh, next_h)
    ### END SOLUTION
    return next_h, cache


def rnn_step_backward(dnext_h, cache):
    """Backward pass of one vanilla RNN time step.

    Inputs:
    - dnext_h: gradient of the loss with respect to next_h, shape (N, H).
    - cache: the cache returned by rnn_step_forward.

    Returns a tuple of:
    - dx: gradient of the input, shape (N, D).
    - dprev_h: gradient of the previous hidden state, shape (N, H).
    - dWx: gradient of the input-to-hidden weights, shape (D, H).
    - dWh: gradient of the hidden-to-hidden weights, shape (H, H).
    - db: gradient of the bias, shape (H,).
    """
    expect_shapes("rnn_step_backward", dnext_h=(dnext_h, "N H"))
    ### TODO: backpropagate through tanh (d tanh(a)/da = 1 - tanh(a)**2), then through the
    ### TODO: affine map x @ Wx + prev_h @ Wh + b; the bias is shared by every row of the batch.
    ### BEGIN SOLUTION
    x, prev_h, Wx, Wh, next_h = cache
    da = dnext_h * (1.0 - next_h**2)
    dx = da @ Wx.T
    dprev_h = da @ Wh.T
    dWx = x.T @ da
    dWh = prev_h.T @ da
    db = da.sum(axis=0)
    ### END SOLUTION
    return dx, dprev_h, dWx, dWh, db


def rnn_forward(x, h0, Wx, Wh, b):
    """A vanilla RNN over a whole sequence: rnn_step_forward's formula at every time step.

    The product x[:, t] @ Wx of a step does not depend on the previous state, so it is computed for all
    steps at once, as one product over the N*T rows of x; only prev_h @ Wh waits for the loop.

    Inputs:
    - x: input sequence, shape (N, T, D).
    - h0: initial hidden state, shape (N, H).
    - Wx: input-to-hidden weights, shape (D, H).
    - Wh: hidden-to-hidden weights, shape (H, H).
    - b: bias, shape (H,).

    Returns a tuple of:
    - h: hidden state at every time step, shape (N, T, H); h[:, t] is the state after step t.
    - cache: what rnn_backward needs (opaque to the caller).
    """
    expect_shapes("rnn_forward", x=(x, "N T D"), h0=(h0, "N H"), Wx=(Wx, "D H"), Wh=(Wh, "H H"), b=(b, "H"))
    ### TODO: compute x @ Wx for all steps in one product (reshape x to (N*T, D) rows), then loop over
    ### TODO: time: each step adds prev_h @ Wh (h0 for the first step) and b, and applies tanh.
    ### BEGIN SOLUTION
    N, T, D = x.shape
    x_proj = (x.reshape(N * T, D) @ Wx).reshape(N, T, -1)
    states = []
    prev_h = h0
    for t in range(T):
        prev_h = np.tanh(x_proj[:, t] + prev_h @ Wh + b)
        states.append(prev_h)
    h = np.stack(states, axis=1)
    cache = (x, h0, Wx, Wh, h)
    ### END SOLUTION
    return h, cache


def rnn_backward(dh, cache):
    """Backpropagation through time for a vanilla RNN over a whole sequence.

    The loop walks the steps backwards and computes only what must be sequential: the gradient of every
    step's pre-activation. The weights are shared by all steps, so each weight gradient is a sum over
    steps of one product per step, which is one product over all N*T rows, taken after the loop.

    Inputs:
    - dh: upstream gradient of every hidden state, shape (N, T, H). dh[:, t] is the gradient that
      reaches h[:, t] from outside the recurrence (e.g. from a loss at step t).
    - cache: the cache returned by rnn_forward.

    Returns a tuple of:
    - dx: gradient of the inputs, shape (N, T, D).
    - dh0: gradient of the initial hidden state, shape (N, H).
    - dWx: gradient of the input-to-hidden weights, shape (D, H).
    - dWh: gradient of the hidden-to-hidden weights, shape (H, H).
    - db: gradient of the bias, shape (H,).
    """
    expect_shapes("rnn_backward", dh=(dh, "N T H"))
    ### TODO: walk the steps backwards in time. The gradient reaching h[:, t] is dh[:, t] plus what
    ### TODO: flows back from step t+1; keep every step's pre-activation gradient. After the loop, dx and
    ### TODO: the weight gradients are one product each over all N*T rows (summed over the steps).
    ### BEGIN SOLUTION
    x, h0, Wx, Wh, h = cache
    N, T, D = x.shape
    H = h0.shape[1]
    da = np.empty_like(h)
    dprev_h = np.zeros_like(h0)
    for t in reversed(range(T)):
        da[:, t] = (dh[:, t] + dprev_h) * (1.0 - h[:, t] ** 2)
        dprev_h = da[:, t] @ Wh.T
    dh0 = dprev_h
    prev_h = np.concatenate([h0[:, None], h[:, :-1]], axis=1)  # the state each step started from
    dx = (da.reshape(N * T, H) @ Wx.T).reshape(N, T, D)
    dWx = x.reshape(N * T, D).T @ da.reshape(N * T, H)
    dWh = prev_h.reshape(N * T, H).T @ da.reshape(N * T, H)
    db = da.sum(axis=(0, 1))
    ### END SOLUTION
    return dx, dh0, dWx, dWh, db


def lstm_step_forward(x, prev_h, prev_c, Wx, Wh, b):
    """One time step of an LSTM.

    With a = x @ Wx + prev_h @ Wh + b split into four (N, H) blocks in the order i, f, o, g:
        i = sigmoid(a[:, :H])      input gate
        f = sigmoid(a[:, H:2H])    forget gate
        o = sigmoid(a[:, 2H:3H])   output gate
        g = tanh(a[:, 3H:])        candidate cell values
        next_c = f * prev_c + i * g
        next_h = o * tanh(next_c)

    Inputs:
    - x: input at this step, shape (N, D).
    - prev_h: previous hidden state, shape (N, H).
    - prev_c: previous cell state, shape (N, H).
    - Wx: input-to-hidden weights, shape (D, 4H).
    - Wh: hidden-to-hidden weights, shape (H, 4H).
    - b: biases, shape (4H,).

    Returns a tuple of:
    - next_h: next hidden state, shape (N, H).
    - next_c: next cell state, shape (N, H).
    - cache: what lstm_step_backward needs (opaque to the caller).
    """
    expect_shapes(
        "lstm_step_forward",
        x=(x, "N D"),
        prev_h=(prev_h, "N H"),
        prev_c=(prev_c, "N H"),
        Wx=(Wx, "D 4H"),
        Wh=(Wh, "H 4H"),
        b=(b, "4H"),
    )
    ### TODO: one pre-activation for all four gates, then split it in the order i, f, o, g;
    ### TODO: the cell state mixes old and new, the hidden state is a gated view of it.
    ### BEGIN SOLUTION
    H = prev_h.shape[1]
    a = x @ Wx + prev_h @ Wh + b
    i = sigmoid(a[:, :H])
    f = sigmoid(a[:, H : 2 * H])
    o = sigmoid(a[:, 2 * H : 3 * H])
    g = np.tanh(a[:, 3 * H :])
    next_c = f * prev_c + i * g
    tanh_c = np.tanh(next_c)
    next_h = o * tanh_c
    cache = (x, prev_h, prev_c, Wx, Wh, i, f, o, g, tanh_c)
    ### END SOLUTION
    return next_h, next_c, cache


def lstm_step_backward(dnext_h, dnext_c, cache):
    """Backward pass of one LSTM time step.

    Inputs:
    - dnext_h: gradient of the loss with respect to next_h, shape (N, H).
    - dnext_c: gradient of the loss with respect to next_c, shape (N, H).
    - cache: the cache returned by lstm_step_forward.

    Returns a tuple of:
    - dx: gradient of the input, shape (N, D).
    - dprev_h: gradient of the previous hidden state, shape (N, H).
    - dprev_c: gradient of the previous cell state, shape (N, H).
    - dWx: gradient of the input-to-hidden weights, shape (D, 4H).
    - dWh: gradient of the hidden-to-hidden weights, shape (H, 4H).
    - db: gradient of the biases, shape (4H,).
    """
    expect_shapes("lstm_step_backward", dnext_h=(dnext_h, "N H"), dnext_c=(dnext_c, "N H"))
    ### TODO: next_c receives gradient twice: directly (dnext_c) and through next_h. From the total,
    ### TODO: go back to each gate, then through the gate nonlinearities to the stacked pre-activation.
    ### BEGIN SOLUTION
    x, prev_h, prev_c, Wx, Wh, i, f, o, g, tanh_c = cache
    dc = dnext_c + dnext_h * o * (1.0 - tanh_c**2)
    di = dc * g
    df = dc * prev_c
    do = dnext_h * tanh_c
    dg = dc * i
    dprev_c = dc * f
    da = np.concatenate(
        [di * i * (1.0 - i), df * f * (1.0 - f), do * o * (1.0 - o), dg * (1.0 - g**2)], axis=1
    )
    dx = da @ Wx.T
    dprev_h = da @ Wh.T
    dWx = x.T @ da
    dWh = prev_h.T @ da
    db = da.sum(axis=0)
    ### END SOLUTION
    return dx, dprev_h, dprev_c, dWx, dWh, db


def lstm_forward(x, h0, Wx, Wh, b, c0=None):
    """An LSTM over a whole sequence: lstm_step_forward's formulas at every time step.

    As in rnn_forward, x @ Wx (all four gates) is one product for all steps. The cell state starts at
    c0, or at zero, and every step's is returned beside the hidden states: a model that reads a long
    text in chunks starts each chunk from the last one's (notebook 7).

    Inputs:
    - x: input sequence, shape (N, T, D).
    - h0: initial hidden state, shape (N, H).
    - Wx: input-to-hidden weights, shape (D, 4H).
    - Wh: hidden-to-hidden weights, shape (H, 4H).
    - b: biases, shape (4H,).
    - c0: initial cell state, shape (N, H); None starts from zeros.

    Returns a tuple of:
    - h: hidden state at every time step, shape (N, T, H).
    - c: cell state at every time step, shape (N, T, H).
    - cache: what lstm_backward needs (opaque to the caller).
    """
    expect_shapes(
        "lstm_forward", x=(x, "N T D"), h0=(h0, "N H"), Wx=(Wx, "D 4H"), Wh=(Wh, "H 4H"), b=(b, "4H")
    )
    if c0 is not None:
        expect_shapes("lstm_forward", h0=(h0, "N H"), c0=(c0, "N H"))
    ### TODO: as in rnn_forward, x @ Wx for all steps first; then the loop, where two states travel
    ### TODO: from step to step. The cell state starts at c0 (zeros if c0 is None); keep every step's
    ### TODO: cell state as well as its hidden state.
    ### BEGIN SOLUTION
    N, T, D = x.shape
    H = h0.shape[1]
    x_proj = (x.reshape(N * T, D) @ Wx).reshape(N, T, 4 * H)
    prev_h = h0
    prev_c = np.zeros_like(h0) if c0 is None else c0
    hs, cs, steps = [], [], []
    for t in range(T):
        a = x_proj[:, t] + prev_h @ Wh + b
        i = sigmoid(a[:, :H])
        f = sigmoid(a[:, H : 2 * H])
        o = sigmoid(a[:, 2 * H : 3 * H])
        g = np.tanh(a[:, 3 * H :])
        next_c = f * prev_c + i * g
        tanh_c = np.tanh(next_c)
        next_h = o * tanh_c
        steps.append((prev_c, i, f, o, g, tanh_c))
        hs.append(next_h)
        cs.append(next_c)
        prev_h, prev_c = next_h, next_c
    h = np.stack(hs, axis=1)
    c = np.stack(cs, axis=1)
    cache = (x, h0, Wx, Wh, h, steps)
    ### END SOLUTION
    return h, c, cache


def lstm_backward(dh, cache):
    """Backpropagation through time for an LSTM over a whole sequence.

    As in rnn_backward, the loop computes every step's pre-activation gradient (the four gates');
    dx and the weight gradients are one product each after it.

    Inputs:
    - dh: upstream gradient of every hidden state, shape (N, T, H).
    - cache: the cache returned by lstm_forward.

    Returns a tuple of:
    - dx: gradient of the inputs, shape (N, T, D).
    - dh0: gradient of the initial hidden state, shape (N, H).
    - dWx: gradient of the input-to-hidden weights, shape (D, 4H).
    - dWh: gradient of the hidden-to-hidden weights, shape (H, 4H).
    - db: gradient of the biases, shape (4H,).
    """
    expect_shapes("lstm_backward", dh=(dh, "N T H"))
    ### TODO: as in rnn_backward, but the cell state's gradient also flows back from step to step
    ### TODO: (the last step's cell state gets none from outside).
    ### BEGIN SOLUTION
    x, h0, Wx, Wh, h, steps = cache
    N, T, D = x.shape
    H = h0.shape[1]
    da = np.empty((N, T, 4 * H), dtype=h.dtype)
    dprev_h = np.zeros_like(h0)
    dprev_c = np.zeros_like(h0)
    for t in reversed(range(T)):
        prev_c, i, f, o, g, tanh_c = steps[t]
        dnext_h = dh[:, t] + dprev_h
        dc = dprev_c + dnext_h * o * (1.0 - tanh_c**2)
        da[:, t, :H] = dc * g * i * (1.0 - i)  # through i = sigmoid(a_i), and so on for f, o, g
        da[:, t, H : 2 * H] = dc * prev_c * f * (1.0 - f)
        da[:, t, 2 * H : 3 * H] = dnext_h * tanh_c * o * (1.0 - o)
        da[:, t, 3 * H :] = dc * i * (1.0 - g**2)
        dprev_c = dc * f
        dprev_h = da[:, t] @ Wh.T
    dh0 = dprev_h
    prev_h = np.concatenate([h0[:, None], h[:, :-1]], axis=1)  # the state each step started from
    dx = (da.reshape(N * T, 4 * H) @ Wx.T).reshape(N, T, D)
    dWx = x.reshape(N * T, D).T @ da.reshape(N * T, 4 * H)
    dWh = prev_h.reshape(N * T, H).T @ da.reshape(N * T, 4 * H)
    db = da.sum(axis=(0, 1))
    ### END SOLUTION
    return dx, dh0, dWx, dWh, db


def gru_step_forward(x, prev_h, Wx, Wh, bx, bh):
    """One time step of a GRU, with the semantics of PyTorch's nn.GRU.

    With the columns of Wx, Wh, bx, bh in three (.., H) blocks in the order r, z, n:
        r = sigmoid(x @ Wx_r + bx_r + prev_h @ Wh_r + bh_r)     reset gate
        z = sigmoid(x @ Wx_z + bx_z + prev_h @ Wh_z + bh_z)     update gate
        n = tanh(x @ Wx_n + bx_n + r * (prev_h @ Wh_n + bh_n))  candidate state
        next_h = (1 - z) * n + z * prev_h

    Inputs:
    - x: input at this step, shape (N, D).
    - prev_h: previous hidden state, shape (N, H).
    - Wx: input-to-hidden weights, shape (D, 3H).
    - Wh: hidden-to-hidden weights, shape (H, 3H).
    - bx: input biases, shape (3H,).
    - bh: hidden biases, shape (3H,).

    Returns a tuple of:
    - next_h: next hidden state, shape (N, H).
    - cache: what gru_step_backward needs (opaque to the caller).
    """
    expect_shapes(
        "gru_step_forward",
        x=(x, "N D"),
        prev_h=(prev_h, "N H"),
        Wx=(Wx, "D 3H"),
        Wh=(Wh, "H 3H"),
        bx=(bx, "3H"),
        bh=(bh, "3H"),
    )
    ### TODO: compute the input part and the hidden part of all three gates separately: the reset
    ### TODO: gate multiplies only the hidden part of n, bias bh_n included.
    ### BEGIN SOLUTION
    H = prev_h.shape[1]
    gx = x @ Wx + bx
    gh = prev_h @ Wh + bh
    r = sigmoid(gx[:, :H] + gh[:, :H])
    z = sigmoid(gx[:, H : 2 * H] + gh[:, H : 2 * H])
    gh_n = gh[:, 2 * H :]
    n = np.tanh(gx[:, 2 * H :] + r * gh_n)
    next_h = (1.0 - z) * n + z * prev_h
    cache = (x, prev_h, Wx, Wh, r, z, n, gh_n)
    ### END SOLUTION
    return next_h, cache


def gru_step_backward(dnext_h, cache):
    """Backward pass of one GRU time step.

    Inputs:
    - dnext_h: gradient of the loss with respect to next_h, shape (N, H).
    - cache: the cache returned by gru_step_forward.

    Returns a tuple of:
    - dx: gradient of the input, shape (N, D).
    - dprev_h: gradient of the previous hidden state, shape (N, H).
    - dWx: gradient of the input-to-hidden weights, shape (D, 3H).
    - dWh: gradient of the hidden-to-hidden weights, shape (H, 3H).
    - dbx: gradient of the input biases, shape (3H,).
    - dbh: gradient of the hidden biases, shape (3H,).
    """
    expect_shapes("gru_step_backward", dnext_h=(dnext_h, "N H"))
    ### TODO: prev_h reaches next_h directly (through z * prev_h) and through all three gates. The
    ### TODO: input and hidden parts differ only in the n block, where the hidden part is scaled by r.
    ### BEGIN SOLUTION
    x, prev_h, Wx, Wh, r, z, n, gh_n = cache
    dn = dnext_h * (1.0 - z)
    dz = dnext_h * (prev_h - n)
    dan = dn * (1.0 - n**2)
    dr = dan * gh_n
    dar = dr * r * (1.0 - r)
    daz = dz * z * (1.0 - z)
    dgx = np.concatenate([dar, daz, dan], axis=1)
    dgh = np.concatenate([dar, daz, dan * r], axis=1)
    dx = dgx @ Wx.T
    dprev_h = dnext_h * z + dgh @ Wh.T
    dWx = x.T @ dgx
    dWh = prev_h.T @ dgh
    dbx = dgx.sum(axis=0)
    dbh = dgh.sum(axis=0)
    ### END SOLUTION
    return dx, dprev_h, dWx, dWh, dbx, dbh


def gru_forward(x, h0, Wx, Wh, bx, bh):
    """A GRU over a whole sequence: gru_step_forward's formulas at every time step.

    As in rnn_forward, x @ Wx (all three blocks) is one product for all steps.

    Inputs:
    - x: input sequence, shape (N, T, D).
    - h0: initial hidden state, shape (N, H).
    - Wx: input-to-hidden weights, shape (D, 3H).
    - Wh: hidden-to-hidden weights, shape (H, 3H).
    - bx: input biases, shape (3H,).
    - bh: hidden biases, shape (3H,).

    Returns a tuple of:
    - h: hidden state at every time step, shape (N, T, H).
    - cache: what gru_backward needs (opaque to the caller).
    """
    expect_shapes(
        "gru_forward",
        x=(x, "N T D"),
        h0=(h0, "N H"),
        Wx=(Wx, "D 3H"),
        Wh=(Wh, "H 3H"),
        bx=(bx, "3H"),
        bh=(bh, "3H"),
    )
    ### TODO: the loop of rnn_forward with gru_step_forward's formulas: x @ Wx for all steps first, then
    ### TODO: per step the input part (+ bx), the hidden part prev_h @ Wh + bh, the gates, the new state.
    ### BEGIN SOLUTION
    N, T, D = x.shape
    H = h0.shape[1]
    x_proj = (x.reshape(N * T, D) @ Wx).reshape(N, T, 3 * H)
    prev_h = h0
    hs, steps = [], []
    for t in range(T):
        gx = x_proj[:, t] + bx
        gh = prev_h @ Wh + bh
        r = sigmoid(gx[:, :H] + gh[:, :H])
        z = sigmoid(gx[:, H : 2 * H] + gh[:, H : 2 * H])
        gh_n = gh[:, 2 * H :]
        n = np.tanh(gx[:, 2 * H :] + r * gh_n)
        next_h = (1.0 - z) * n + z * prev_h
        steps.append((r, z, n, gh_n))
        hs.append(next_h)
        prev_h = next_h
    h = np.stack(hs, axis=1)
    cache = (x, h0, Wx, Wh, h, steps)
    ### END SOLUTION
    return h, cache


def gru_backward(dh, cache):
    """Backpropagation through time for a GRU over a whole sequence.

    As in rnn_backward, the loop computes every step's pre-activation gradients, those of the input
    part and of the hidden part (they differ only in the n block, where the hidden part is scaled by r);
    dx and the weight and bias gradients are one product or sum each after it.

    Inputs:
    - dh: upstream gradient of every hidden state, shape (N, T, H).
    - cache: the cache returned by gru_forward.

    Returns a tuple of:
    - dx: gradient of the inputs, shape (N, T, D).
    - dh0: gradient of the initial hidden state, shape (N, H).
    - dWx: gradient of the input-to-hidden weights, shape (D, 3H).
    - dWh: gradient of the hidden-to-hidden weights, shape (H, 3H).
    - dbx: gradient of the input biases, shape (3H,).
    - dbh: gradient of the hidden biases, shape (3H,).
    """
    expect_shapes("gru_backward", dh=(dh, "N T H"))
    ### TODO: the same walk back in time as rnn_backward, with gru_step_backward's formulas; the input
    ### TODO: and hidden parts get separate weight and bias gradients.
    ### BEGIN SOLUTION
    x, h0, Wx, Wh, h, steps = cache
    N, T, D = x.shape
    H = h0.shape[1]
    prev_h = np.concatenate([h0[:, None], h[:, :-1]], axis=1)  # the state each step started from
    dgx = np.empty((N, T, 3 * H), dtype=h.dtype)
    dgh = np.empty_like(dgx)
    dprev_h = np.zeros_like(h0)
    for t in reversed(range(T)):
        r, z, n, gh_n = steps[t]
        dnext_h = dh[:, t] + dprev_h
        dan = dnext_h * (1.0 - z) * (1.0 - n**2)  # through n = tanh(a_n)
        dgx[:, t, :H] = dan * gh_n * r * (1.0 - r)  # through r = sigmoid(a_r)
        dgx[:, t, H : 2 * H] = dnext_h * (prev_h[:, t] - n) * z * (1.0 - z)  # through z = sigmoid(a_z)
        dgx[:, t, 2 * H :] = dan
        dgh[:, t, : 2 * H] = dgx[:, t, : 2 * H]  # r and z: the hidden part's gradient is the input part's
        dgh[:, t, 2 * H :] = dan * r  # n: the hidden part is scaled by r
        dprev_h = dnext_h * z + dgh[:, t] @ Wh.T
    dh0 = dprev_h
    dx = (dgx.reshape(N * T, 3 * H) @ Wx.T).reshape(N, T, D)
    dWx = x.reshape(N * T, D).T @ dgx.reshape(N * T, 3 * H)
    dWh = prev_h.reshape(N * T, H).T @ dgh.reshape(N * T, 3 * H)
    dbx = dgx.sum(axis=(0, 1))
    dbh = dgh.sum(axis=(0, 1))
    ### END SOLUTION
    return dx, dh0, dWx, dWh, dbx, dbh


def word_embedding_forward(x, W):
    """Look up a vector for every word of a minibatch of sequences.

    Inputs:
    - x: word indices, integer array of shape (N, T), each in range(V).
    - W: one vector per word of the vocabulary, shape (V, D).

    Returns a tuple of:
    - out: the vectors, shape (N, T, D); out[n, t] = W[x[n, t]].
    - cache: what word_embedding_backward needs (opaque to the caller).
    """
    sizes = expect_shapes("word_embedding_forward", x=(x, "N T", "int"), W=(W, "V D"))
    expect_indices("word_embedding_forward", "x", x, sizes["V"], "V")
    ### TODO: one line with integer-array indexing, no loop.
    ### BEGIN SOLUTION
    out = W[x]
    cache = (x, W.shape)
    ### END SOLUTION
    return out, cache


def word_embedding_backward(dout, cache):
    """Backward pass of word_embedding_forward: the gradient of the embedding matrix.

    Inputs:
    - dout: upstream gradient of the vectors, shape (N, T, D).
    - cache: the cache returned by word_embedding_forward.

    Returns:
    - dW: gradient of the embedding matrix, shape (V, D). A word that occurs several times in x
      collects the gradient of every occurrence.
    """
    expect_shapes("word_embedding_backward", dout=(dout, "N T D"))
    ### TODO: scatter-add every row of dout into the row of its word. Careful: dW[x] += dout adds only
    ### TODO: one occurrence of a repeated word; np.add.at adds them all.
    ### BEGIN SOLUTION
    x, W_shape = cache
    dW = np.zeros(W_shape, dtype=dout.dtype)
    np.add.at(dW, x, dout)
    ### END SOLUTION
    return dW


def temporal_affine_forward(x, w, b):
    """An affine layer applied at every time step (provided).

    Inputs:
    - x: inputs, shape (N, T, D).
    - w: weights, shape (D, M).
    - b: biases, shape (M,).

    Returns a tuple of:
    - out: x @ w + b, shape (N, T, M).
    - cache: (x, w, b, out).
    """
    expect_shapes("temporal_affine_forward", x=(x, "N T D"), w=(w, "D M"), b=(b, "M"))
    out = x @ w + b
    return out, (x, w, b, out)


def temporal_affine_backward(dout, cache):
    """Backward pass of temporal_affine_forward (provided).

    Inputs:
    - dout: upstream gradient, shape (N, T, M).
    - cache: the cache returned by temporal_affine_forward.

    Returns a tuple of:
    - dx: shape (N, T, D).
    - dw: shape (D, M).
    - db: shape (M,).
    """
    x, w, b, _ = cache
    expect_shapes("temporal_affine_backward", dout=(dout, "N T M"), w=(w, "D M"))
    N, T, D = x.shape
    dx = dout @ w.T
    # One product over all N*T rows instead of a sum of N*T outer products.
    dw = x.reshape(N * T, D).T @ dout.reshape(N * T, -1)
    db = dout.sum(axis=(0, 1))
    return dx, dw, db


def temporal_softmax_loss(x, y, mask):
    """Softmax cross-entropy at every time step, counting only the steps where mask is true.

    The loss is summed over the (unmasked) time steps and averaged over the N sequences:
        loss = -(1/N) * sum over n, t with mask[n, t] of log softmax(x[n, t])[y[n, t]]

    Inputs:
    - x: scores, shape (N, T, V).
    - y: target word indices, integer array of shape (N, T), each in range(V).
    - mask: boolean array of shape (N, T) (or 1/0); False marks padding (<NULL>) that must not count.

    Returns a tuple of:
    - loss: a float.
    - dx: gradient of the loss with respect to x, shape (N, T, V).
    """
    sizes = expect_shapes(
        "temporal_softmax_loss", x=(x, "N T V"), y=(y, "N T", "int"), mask=(mask, "N T", "any")
    )
    expect_indices("temporal_softmax_loss", "y", y, sizes["V"], "V")
    mask = expect_mask("temporal_softmax_loss", "mask", mask)
    ### TODO: a stable softmax (subtract each row's maximum), then the cross-entropy of the right
    ### TODO: words. Padding neither adds to the loss nor receives gradient; divide by N, not by N*T.
    ### BEGIN SOLUTION
    N, T, V = x.shape
    shifted = x - x.max(axis=2, keepdims=True)
    log_probs = shifted - np.log(np.exp(shifted).sum(axis=2, keepdims=True))
    picked = np.take_along_axis(log_probs, y[:, :, None], axis=2)[:, :, 0]
    loss = -np.sum(picked * mask) / N
    dx = np.exp(log_probs)
    np.put_along_axis(dx, y[:, :, None], np.take_along_axis(dx, y[:, :, None], axis=2) - 1.0, axis=2)
    dx *= mask[:, :, None] / N
    ### END SOLUTION
    return loss, dx
