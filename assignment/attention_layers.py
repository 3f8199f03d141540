"""Attention over image regions, and an LSTM that attends at every step (notebook 9).

Shapes used below:
    N   batch size
    T   time steps
    D   input dimension (a word vector)
    H   hidden state dimension
    L   regions per image (16: a 4 x 4 grid)
    R   dimension of a region's descriptor

Attention here is scaled dot-product attention with a learned query (Luong et al., 2015, "general";
scaled as in Vaswani et al., 2017): the hidden state is projected to a query q = h @ Wa, every region
v_l is scored by v_l . q / sqrt(R), the scores go through a softmax over the L regions, and the context
is the weighted average of the regions. One matrix product and a softmax, so its backward pass is short
and every step of it is one the course has taught; additive attention (Bahdanau et al., 2015) adds a
tanh layer per region and scores much the same.
"""

import numpy as np

from .rnn_layers import sigmoid
from .shapes import expect_shapes


def attention_forward(h, regions, Wa):
    """Scaled dot-product attention of a batch of hidden states over their images' regions.

        q = h @ Wa
        scores[n, l] = regions[n, l] . q[n] / sqrt(R)
        weights[n] = softmax(scores[n])          (over the L regions)
        context[n] = sum_l weights[n, l] * regions[n, l]

    Inputs:
    - h: hidden states, shape (N, H).
    - regions: region descriptors, shape (N, L, R).
    - Wa: query projection, shape (H, R).

    Returns a tuple of:
    - (context, weights): context of shape (N, R); weights of shape (N, L), each row summing to 1.
    - cache: what attention_backward needs (opaque to the caller).
    """
    expect_shapes("attention_forward", h=(h, "N H"), regions=(regions, "N L R"), Wa=(Wa, "H R"))
    # TODO: the query, one score per region, a softmax over the regions (subtract each row's maximum
    # TODO: first), and the weighted average of the regions.
    raise NotImplementedError("attention_forward is not written yet: fill in its TODO in assignment/attention_layers.py")
    return (context, weights), cache


def attention_backward(dcontext, cache):
    """Backward pass of attention_forward.

    Inputs:
    - dcontext: gradient of the loss with respect to the context, shape (N, R).
    - cache: the cache returned by attention_forward.

    Returns a tuple of:
    - dh: gradient of the hidden states, shape (N, H).
    - dregions: gradient of the regions, shape (N, L, R) (they are averaged and scored: two paths).
    - dWa: gradient of the query projection, shape (H, R).
    """
    expect_shapes("attention_backward", dcontext=(dcontext, "N R"))
    # TODO: back through the average (to the weights and to the regions), through the softmax
    # TODO: (dscores = weights * (dweights - sum over l of weights * dweights)), then through the scores
    # TODO: to the query and the regions, and through the projection.
    raise NotImplementedError("attention_backward is not written yet: fill in its TODO in assignment/attention_layers.py")
    return dh, dregions, dWa


def attention_lstm_step_forward(x, prev_h, prev_c, regions, Wx, Wh, Wc, b, Wa):
    """One step of an LSTM that attends over the image's regions before it writes (Xu et al., 2015).

    The previous hidden state chooses where to look; what it sees enters all four gates:
        (context, weights) = attention(prev_h, regions, Wa)
        the gates read x @ Wx + prev_h @ Wh + context @ Wc + b, split in the order i, f, o, g
        (as in lstm_step_forward)
        next_c = f * prev_c + i * g,  next_h = o * tanh(next_c)

    Inputs:
    - x: input at this step, shape (N, D).
    - prev_h, prev_c: previous hidden and cell states, shape (N, H).
    - regions: region descriptors, shape (N, L, R).
    - Wx: (D, 4H); Wh: (H, 4H); Wc: context-to-gates weights, (R, 4H); b: (4H,); Wa: (H, R).

    Returns a tuple of:
    - next_h, next_c: shape (N, H).
    - weights: the attention weights of this step, shape (N, L).
    - cache: what attention_lstm_step_backward needs.
    """
    expect_shapes(
        "attention_lstm_step_forward",
        x=(x, "N D"),
        prev_h=(prev_h, "N H"),
        prev_c=(prev_c, "N H"),
        regions=(regions, "N L R"),
        Wx=(Wx, "D 4H"),
        Wh=(Wh, "H 4H"),
        Wc=(Wc, "R 4H"),
        b=(b, "4H"),
        Wa=(Wa, "H R"),
    )
    # TODO: attend from prev_h (attention_forward), then an LSTM step whose pre-activation also
    # TODO: gets context @ Wc.
    raise NotImplementedError("attention_lstm_step_forward is not written yet: fill in its TODO in assignment/attention_layers.py")
    return next_h, next_c, weights, cache


def attention_lstm_step_backward(dnext_h, dnext_c, cache):
    """Backward pass of attention_lstm_step_forward.

    Inputs:
    - dnext_h, dnext_c: gradients of next_h and next_c, shape (N, H).
    - cache: the cache returned by attention_lstm_step_forward.

    Returns a tuple of:
    - dx (N, D), dprev_h (N, H), dprev_c (N, H), dregions (N, L, R),
    - dWx (D, 4H), dWh (H, 4H), dWc (R, 4H), db (4H,), dWa (H, R).
    """
    expect_shapes("attention_lstm_step_backward", dnext_h=(dnext_h, "N H"), dnext_c=(dnext_c, "N H"))
    # TODO: the LSTM step's backward pass, with one more input (the context); then back through the
    # TODO: attention, whose dh adds to dprev_h (prev_h reaches the gates twice: directly and as the query).
    raise NotImplementedError("attention_lstm_step_backward is not written yet: fill in its TODO in assignment/attention_layers.py")
    return dx, dprev_h, dprev_c, dregions, dWx, dWh, dWc, db, dWa


def attention_lstm_forward(x, h0, regions, Wx, Wh, Wc, b, Wa):
    """The attention LSTM over a whole sequence; the cell state starts at zero.

    Inputs:
    - x: input sequence, shape (N, T, D).
    - h0: initial hidden state, shape (N, H).
    - regions: region descriptors, shape (N, L, R), the same at every step.
    - Wx, Wh, Wc, b, Wa: as in attention_lstm_step_forward.

    Returns a tuple of:
    - h: hidden state at every step, shape (N, T, H).
    - weights: attention weights at every step, shape (N, T, L).
    - cache: what attention_lstm_backward needs.
    """
    expect_shapes(
        "attention_lstm_forward",
        x=(x, "N T D"),
        h0=(h0, "N H"),
        regions=(regions, "N L R"),
        Wx=(Wx, "D 4H"),
        Wh=(Wh, "H 4H"),
        Wc=(Wc, "R 4H"),
        b=(b, "4H"),
        Wa=(Wa, "H R"),
    )
    # TODO: a loop of attention_lstm_step_forward calls, keeping every step's h, weights and cache.
    raise NotImplementedError("attention_lstm_forward is not written yet: fill in its TODO in assignment/attention_layers.py")
    return h, weights, cache


def attention_lstm_backward(dh, cache):
    """Backpropagation through time for attention_lstm_forward.

    Inputs:
    - dh: upstream gradient of every hidden state, shape (N, T, H).
    - cache: the cache returned by attention_lstm_forward.

    Returns a tuple of:
    - dx (N, T, D), dh0 (N, H), dregions (N, L, R),
    - dWx (D, 4H), dWh (H, 4H), dWc (R, 4H), db (4H,), dWa (H, R).
    The regions and the weights are used at every step, so their gradients add up over the steps.
    """
    expect_shapes("attention_lstm_backward", dh=(dh, "N T H"))
    # TODO: walk back from the last step, carrying dprev_h and dprev_c, and add up the gradients of
    # TODO: everything every step shares (the regions and all weights).
    raise NotImplementedError("attention_lstm_backward is not written yet: fill in its TODO in assignment/attention_layers.py")
    return dx, dprev_h, dregions, dWx, dWh, dWc, db, dWa
