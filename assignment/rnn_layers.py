"""Recurrent layers as pairs of plain functions: ``out, cache = *_forward(...)`` and
``grads = *_backward(dout, cache)``.

Conventions (see ``shared/conventions.md``): batch first, row vectors, weights multiply from the
right (``x @ Wx``), float64. A backward function never changes the arrays it is given.

Shapes used below:
    N  number of sequences in a minibatch
    T  number of time steps
    D  input features per time step
    H  hidden units
"""

import numpy as np

from .shapes import expect_shapes


def sigmoid(x):
    """Logistic sigmoid, stable for any finite input (no overflow warning at +-1e4).

    Inputs:
    - x: array of any shape.

    Returns an array of the same shape, 1 / (1 + exp(-x)).
    """
    # exp of a non-positive number never overflows; pick the algebraically equal form that
    # only ever exponentiates -|x|.
    e = np.exp(-np.abs(x))
    return np.where(x >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


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
    # TODO: compute the pre-activation, apply tanh, and keep in the cache what backward needs.
    raise NotImplementedError("rnn_step_forward is not written yet: fill in its TODO in assignment/rnn_layers.py")
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
    # TODO: backpropagate through tanh (d tanh(a)/da = 1 - tanh(a)**2), then through the
    # TODO: affine map x @ Wx + prev_h @ Wh + b; the bias is shared by every row of the batch.
    raise NotImplementedError("rnn_step_backward is not written yet: fill in its TODO in assignment/rnn_layers.py")
    return dx, dprev_h, dWx, dWh, db


def rnn_forward(x, h0, Wx, Wh, b):
    """A vanilla RNN over a whole sequence, one rnn_step_forward per time step.

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
    # TODO: loop over time; each step starts from the hidden state the previous step produced
    # TODO: (h0 for the first one); store every step's state in h and every step's cache.
    raise NotImplementedError("rnn_forward is not written yet: fill in its TODO in assignment/rnn_layers.py")
    return h, cache


def rnn_backward(dh, cache):
    """Backpropagation through time for a vanilla RNN over a whole sequence.

    Inputs:
    - dh: upstream gradient of every hidden state, shape (N, T, H). dh[:, t] is the gradient that
      reaches h[:, t] from outside the recurrence (e.g. from a loss at step t).

    Returns a tuple of:
    - dx: gradient of the inputs, shape (N, T, D).
    - dh0: gradient of the initial hidden state, shape (N, H).
    - dWx: gradient of the input-to-hidden weights, shape (D, H).
    - dWh: gradient of the hidden-to-hidden weights, shape (H, H).
    - db: gradient of the bias, shape (H,).
    """
    expect_shapes("rnn_backward", dh=(dh, "N T H"))
    # TODO: walk the steps backwards in time. The gradient reaching h[:, t] is dh[:, t] plus
    # TODO: what flows back from step t+1; the weights are shared, so their gradients add up.
    raise NotImplementedError("rnn_backward is not written yet: fill in its TODO in assignment/rnn_layers.py")
    return dx, dh0, dWx, dWh, db
