"""An independent oracle: the bidirectional and stacked layers, the masked source attention and the
encoder-decoder of solutions/seq2seq.py against PyTorch.

- bidirectional and stacked layers against torch.nn.GRU / torch.nn.LSTM with bidirectional=True,
  batch_first=True and num_layers 1 to 3, our weights copied into PyTorch's (the backward direction into
  its `_reverse` parameters, the LSTM's gate blocks from our i, f, o, g into PyTorch's i, f, g, o);
- source attention against autograd through the formula of its docstring, written here in torch
  (masked_fill with -inf, torch.softmax);
- Seq2Seq.loss against autograd through the same model written in torch: nn.GRU / nn.LSTM encoder,
  nn.GRU decoder from tanh(final @ W_init + b_init), the attention above, cross entropy.

float64; forward outputs and every gradient (inputs and every weight of every layer and direction) must
agree to 1e-9 relative error measured normwise (max |difference| over max |reference|). PyTorch is a
test-only dependency: `make oracle-deps` installs it (CI does); without it these tests are skipped with
a visible reason.
"""

import numpy as np
import pytest

from solutions.gradient_check import normwise_rel_error
from solutions.rnn_layers import gru_backward, gru_forward
from solutions.seq2seq import (
    Seq2Seq,
    bidirectional_backward,
    bidirectional_forward,
    source_attention_backward,
    source_attention_forward,
    stacked_backward,
    stacked_forward,
)

torch = pytest.importorskip("torch", reason="torch is not installed; `make oracle-deps` installs it")

TOL = 1e-9
SHAPES = [(1, 1, 1, 1), (1, 4, 3, 2), (3, 1, 5, 4), (2, 7, 3, 1), (4, 12, 6, 5)]  # N, T, D, H
WEIGHT_NAMES = {"gru": ("Wx", "Wh", "bx", "bh"), "lstm": ("Wx", "Wh", "b")}
GATES = {"gru": 3, "lstm": 4}


def _to_torch_order(w):
    """Our LSTM gate blocks i, f, o, g (last axis) in PyTorch's order i, f, g, o."""
    i, f, o, g = np.split(w, 4, axis=-1)
    return np.concatenate([i, f, g, o], axis=-1)


def _from_torch_order(w):
    i, f, g, o = np.split(w, 4, axis=-1)
    return np.concatenate([i, f, o, g], axis=-1)


def _suffix(layer, direction):
    return f"_l{layer}" + ("_reverse" if direction == 1 else "")


def torch_rnn(cell, D, layers, bidirectional=True):
    """torch.nn.GRU / LSTM (float64, batch_first) holding `layers`: a list of one tuple of weights per
    direction (forward, then backward), bottom layer first."""
    H = layers[0][0][1].shape[0]
    cls = torch.nn.GRU if cell == "gru" else torch.nn.LSTM
    net = cls(
        D, H, num_layers=len(layers), bidirectional=bidirectional, batch_first=True, dtype=torch.float64
    )
    with torch.no_grad():
        for k, directions in enumerate(layers):
            for d, weights in enumerate(directions):
                Wx, Wh, *biases = weights
                if cell == "lstm":
                    Wx, Wh = _to_torch_order(Wx), _to_torch_order(Wh)
                    biases = [_to_torch_order(biases[0]), np.zeros_like(biases[0])]
                s = _suffix(k, d)
                getattr(net, f"weight_ih{s}").copy_(torch.from_numpy(Wx.T.copy()))
                getattr(net, f"weight_hh{s}").copy_(torch.from_numpy(Wh.T.copy()))
                getattr(net, f"bias_ih{s}").copy_(torch.from_numpy(biases[0].copy()))
                getattr(net, f"bias_hh{s}").copy_(torch.from_numpy(biases[1].copy()))
    return net


def torch_rnn_grads(cell, net):
    """The gradients of the net's parameters in our layout: [[dweights per direction] per layer]."""
    directions = 2 if net.bidirectional else 1
    grads = []
    for k in range(net.num_layers):
        layer = []
        for d in range(directions):
            s = _suffix(k, d)
            dWx = getattr(net, f"weight_ih{s}").grad.numpy().T
            dWh = getattr(net, f"weight_hh{s}").grad.numpy().T
            db_ih, db_hh = getattr(net, f"bias_ih{s}").grad.numpy(), getattr(net, f"bias_hh{s}").grad.numpy()
            if cell == "lstm":  # our one bias b stands for b_ih + b_hh: both have its gradient
                layer.append((_from_torch_order(dWx), _from_torch_order(dWh), _from_torch_order(db_ih)))
            else:
                layer.append((dWx, dWh, db_ih, db_hh))
        grads.append(layer)
    return grads


def run_torch_stacked(cell, x, layers, dh):
    """PyTorch's top states, dx and every layer's gradients under the upstream gradient dh.

    PyTorch's default h0 (and c0) is zero in every layer and direction, as in the course's layers."""
    net = torch_rnn(cell, x.shape[2], layers)
    xt = torch.from_numpy(x.copy()).requires_grad_()
    out, _ = net(xt)
    (out * torch.from_numpy(dh)).sum().backward()
    return out.detach().numpy(), xt.grad.numpy(), torch_rnn_grads(cell, net)


def make_direction(cell, D, H, rng):
    g = GATES[cell]
    weights = [0.5 * rng.randn(D, g * H), 0.5 * rng.randn(H, g * H)]
    return tuple(weights + [0.5 * rng.randn(g * H) for _ in WEIGHT_NAMES[cell][2:]])


def make_layers(cell, D, H, num_layers, rng):
    return [
        (
            make_direction(cell, D if k == 0 else 2 * H, H, rng),
            make_direction(cell, D if k == 0 else 2 * H, H, rng),
        )
        for k in range(num_layers)
    ]


def compare(errors, name, ours, ref):
    """Record the normwise error of `ours` against `ref` (after checking the shapes)."""
    ours, ref = np.asarray(ours), np.asarray(ref)
    assert ours.shape == ref.shape, f"{name}: shape {ours.shape}, PyTorch's {ref.shape}"
    errors[name] = normwise_rel_error(ours, ref)


def assert_all_close(errors):
    bad = {name: f"{e:.1e}" for name, e in errors.items() if not e < TOL}
    assert not bad, f"errors above {TOL:.0e}: {bad}"


def compare_layers(errors, cell, dlayers, dlayers_ref):
    assert len(dlayers) == len(dlayers_ref), "one (dforward, dbackward) per layer"
    for k, (ours, ref) in enumerate(zip(dlayers, dlayers_ref, strict=True)):
        assert len(ours) == 2, f"layer {k}: (dweights_forward, dweights_backward)"
        for direction, dweights, dweights_ref in zip("fb", ours, ref, strict=True):
            assert len(dweights) == len(WEIGHT_NAMES[cell]), f"layer {k} {direction}: one gradient per weight"
            for name, dw, dw_ref in zip(WEIGHT_NAMES[cell], dweights, dweights_ref, strict=True):
                compare(errors, f"layer {k} {direction} d{name}", dw, dw_ref)


@pytest.mark.parametrize("N, T, D, H", SHAPES)
@pytest.mark.parametrize("cell", ["gru", "lstm"])
def test_bidirectional_layer_matches_pytorch(cell, N, T, D, H):
    rng = np.random.RandomState(N * 1000 + T * 10 + H)
    x = rng.randn(N, T, D)
    [(forward, backward)] = make_layers(cell, D, H, 1, rng)
    dh = rng.randn(N, T, 2 * H)
    h, cache = bidirectional_forward(x, forward, backward, cell)
    dx, dforward, dbackward = bidirectional_backward(dh, cache)
    h_ref, dx_ref, dlayers_ref = run_torch_stacked(cell, x, [(forward, backward)], dh)
    errors = {}
    compare(errors, "h", h, h_ref)
    compare(errors, "dx", dx, dx_ref)
    compare_layers(errors, cell, [(dforward, dbackward)], dlayers_ref)
    assert_all_close(errors)


@pytest.mark.parametrize("num_layers", [1, 2, 3])
@pytest.mark.parametrize("N, T, D, H", SHAPES)
@pytest.mark.parametrize("cell", ["gru", "lstm"])
def test_stacked_layers_match_pytorch(cell, N, T, D, H, num_layers):
    rng = np.random.RandomState(N * 1000 + T * 10 + H + num_layers)
    x = rng.randn(N, T, D)
    layers = make_layers(cell, D, H, num_layers, rng)
    dh = rng.randn(N, T, 2 * H)
    h, cache = stacked_forward(x, layers, cell)
    dx, dlayers = stacked_backward(dh, cache)
    h_ref, dx_ref, dlayers_ref = run_torch_stacked(cell, x, layers, dh)
    errors = {}
    compare(errors, "h", h, h_ref)
    compare(errors, "dx", dx, dx_ref)
    compare_layers(errors, cell, dlayers, dlayers_ref)
    assert_all_close(errors)


def torch_source_attention(h, states, mask, Wa):
    """The docstring's formula in torch: (context, weights)."""
    E = states.shape[2]
    q = h @ Wa
    scores = torch.einsum("nse,nte->nts", states, q) / E**0.5
    scores = scores.masked_fill(~mask[:, None, :], float("-inf"))
    weights = torch.softmax(scores, dim=2)
    return weights @ states, weights


def padding_mask(rng, N, S):
    """True at the first `length` positions of each row, lengths in 1..S, the first row full and (with
    two rows or more) the second of length 1."""
    lengths = rng.randint(1, S + 1, size=N)
    lengths[0] = S
    if N > 1:
        lengths[1] = 1
    return np.arange(S)[None, :] < lengths[:, None]


@pytest.mark.parametrize(
    "N, T, S, H, E", [(1, 1, 1, 1, 1), (2, 1, 5, 3, 4), (3, 4, 6, 5, 2), (5, 7, 9, 4, 6)]
)
def test_source_attention_matches_pytorch_autograd(N, T, S, H, E):
    rng = np.random.RandomState(N * 100 + T * 10 + S)
    h, states, Wa = rng.randn(N, T, H), rng.randn(N, S, E), rng.randn(H, E)
    mask = padding_mask(rng, N, S)
    dcontext = rng.randn(N, T, E)
    (context, weights), cache = source_attention_forward(h, states, mask, Wa)
    dh, dstates, dWa = source_attention_backward(dcontext, cache)
    tensors = [torch.from_numpy(a.copy()).requires_grad_() for a in (h, states, Wa)]
    context_ref, weights_ref = torch_source_attention(
        tensors[0], tensors[1], torch.from_numpy(mask), tensors[2]
    )
    (context_ref * torch.from_numpy(dcontext)).sum().backward()
    errors = {}
    compare(errors, "context", context, context_ref.detach().numpy())
    compare(errors, "weights", weights, weights_ref.detach().numpy())
    for name, ours, ref in zip(["dh", "dstates", "dWa"], [dh, dstates, dWa], tensors, strict=True):
        compare(errors, name, ours, ref.grad.numpy())
    assert_all_close(errors)
    assert np.all(weights[np.broadcast_to(~mask[:, None, :], weights.shape)] == 0), "padding has weight 0"


def torch_seq2seq_loss(model, sources, targets):
    """Seq2Seq.loss's model written in torch: (loss, {name: gradient}) from autograd."""
    params = model.params
    cell, H = model.cell, params["dec_Wh"].shape[0]
    p = {name: torch.from_numpy(value.copy()).requires_grad_() for name, value in params.items()}
    directions = model.directions
    names = WEIGHT_NAMES[cell]
    layers = [
        [tuple(params[f"enc{k}_{d}_{n}"] for n in names) for d in directions] for k in range(model.num_layers)
    ]
    encoder = torch_rnn(cell, params["W_src"].shape[1], layers, bidirectional=len(directions) == 2)
    decoder = torch_rnn(
        "gru", params["W_tgt"].shape[1], [[tuple(params[f"dec_{n}"] for n in WEIGHT_NAMES["gru"])]], False
    )

    src = torch.from_numpy(sources)
    mask = src != 0
    states, _ = encoder(p["W_src"][src])  # every direction reads the padding too, from zero states
    rows, last = torch.arange(len(sources)), mask.sum(dim=1) - 1
    final = states[rows, last]
    if len(directions) == 2:  # the backward direction's last read is the first character
        final = torch.cat([final[:, :H], states[:, 0, H:]], dim=1)
    h0 = torch.tanh(final @ p["W_init"] + p["b_init"])

    tgt = torch.from_numpy(targets)
    h, _ = decoder(p["W_tgt"][tgt[:, :-1]], h0[None])
    top = h
    if model.attention:
        context, _ = torch_source_attention(h, states, mask, p["Wa"])
        top = torch.tanh(torch.cat([context, h], dim=2) @ p["W_att"] + p["b_att"])
    scores = top @ p["W_out"] + p["b_out"]
    logp = torch.log_softmax(scores, dim=2)
    loss = -logp.gather(2, tgt[:, 1:, None]).sum() / len(sources)
    loss.backward()

    grads = {
        name: t.grad.numpy() if t.grad is not None else np.zeros_like(params[name]) for name, t in p.items()
    }
    for k, layer in enumerate(torch_rnn_grads(cell, encoder)):
        for d, dweights in zip(directions, layer, strict=True):
            grads.update({f"enc{k}_{d}_{n}": g for n, g in zip(names, dweights, strict=True)})
    [[ddecoder]] = torch_rnn_grads("gru", decoder)
    grads.update({f"dec_{n}": g for n, g in zip(WEIGHT_NAMES["gru"], ddecoder, strict=True)})
    return loss.item(), grads


def make_batch(rng, N, S, T, Vs, Vt):
    """Sources padded at the end (lengths 1..S, one full, one of length 1), targets without padding."""
    sources = rng.randint(1, Vs, size=(N, S))
    sources[~padding_mask(rng, N, S)] = 0
    targets = rng.randint(1, Vt, size=(N, T + 1))
    targets[:, 0] = 0  # <start>
    return sources, targets


# cell, bidirectional, num_layers, attention
MODELS = {
    "gru, bidirectional, 2 layers, attention": ("gru", True, 2, True),
    "lstm, bidirectional, 2 layers, attention": ("lstm", True, 2, True),
    "gru, bidirectional, 1 layer, no attention": ("gru", True, 1, False),
    "gru, unidirectional, no attention": ("gru", False, 1, False),
    "lstm, unidirectional, attention": ("lstm", False, 1, True),
}


@pytest.mark.parametrize("N, S, T", [(1, 1, 1), (4, 7, 5)])
@pytest.mark.parametrize("config", list(MODELS))
def test_seq2seq_loss_matches_pytorch_autograd(config, N, S, T):
    rng = np.random.RandomState(N * 100 + S * 10 + T)
    Vs, Vt = 9, 7
    cell, bidirectional, num_layers, attention = MODELS[config]
    model = Seq2Seq(
        Vs, Vt, char_dim=5, hidden_dim=4, cell=cell, bidirectional=bidirectional, num_layers=num_layers,
        attention=attention, dtype=np.float64, seed=3,
    )  # fmt: skip
    sources, targets = make_batch(rng, N, S, T, Vs, Vt)
    loss, grads = model.loss(sources, targets)
    loss_ref, grads_ref = torch_seq2seq_loss(model, sources, targets)
    assert set(grads) == set(model.params) == set(grads_ref)
    errors = {"loss": abs(loss - loss_ref) / abs(loss_ref)}
    for name in model.params:
        compare(errors, name, grads[name], grads_ref[name])
    assert_all_close(errors)


def _not_reversed_back(x, weights_forward, weights_backward):
    """A wrong bidirectional GRU layer: the backward direction's states stay in the reversed order."""
    zeros = np.zeros((x.shape[0], weights_forward[1].shape[0]))
    h_forward, _ = gru_forward(x, zeros, *weights_forward)
    h_reversed, cache = gru_forward(x[:, ::-1], zeros, *weights_backward)
    return np.concatenate([h_forward, h_reversed], axis=2), cache


def test_the_oracle_itself_sees_a_backward_direction_not_reversed_back():
    """A bidirectional layer whose backward states are left in reversed order (and whose backward
    gradient is not reversed either) must make the comparison fail, forward and backward."""
    rng = np.random.RandomState(0)
    N, T, D, H = 2, 5, 3, 4
    x, dh = rng.randn(N, T, D), rng.randn(N, T, 2 * H)
    [(forward, backward)] = make_layers("gru", D, H, 1, rng)
    h, cache = _not_reversed_back(x, forward, backward)
    dx_reversed, *_ = gru_backward(dh[:, :, H:], cache)  # dh's backward half not reversed
    h_ref, dx_ref, _ = run_torch_stacked("gru", x, [(forward, backward)], dh)
    assert normwise_rel_error(h[:, :, :H], h_ref[:, :, :H]) < TOL  # the forward half is right
    assert normwise_rel_error(h, h_ref) > 1e-2
    dx_forward, *_ = gru_backward(dh[:, :, :H], gru_forward(x, np.zeros((N, H)), *forward)[1])
    assert normwise_rel_error(dx_forward + dx_reversed[:, ::-1], dx_ref) > 1e-2
