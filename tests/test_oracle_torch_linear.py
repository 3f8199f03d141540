"""An independent oracle: the linear scans, the minGRU and the minLSTM of solutions/linear_rnn.py against
PyTorch's autograd on a plain loop over time, written here from the formulas.

float64; forward outputs and every gradient must agree to 1e-9 relative error measured normwise (max
|difference| over max |reference|). The reference loops compute each step's gates from x_t inside the
loop, so they share neither the scan nor the one-product-for-all-steps of the code they check.
PyTorch is a test-only dependency: `make oracle-deps` installs it (CI does); without it these tests
are skipped with a visible reason.
"""

import numpy as np
import pytest

from solutions.gradient_check import normwise_rel_error
from solutions.linear_rnn import (
    linear_scan,
    linear_scan_backward,
    mingru_backward,
    mingru_forward,
    minlstm_backward,
    minlstm_forward,
    parallel_linear_scan,
)

torch = pytest.importorskip("torch", reason="torch is not installed; `make oracle-deps` installs it")

TOL = 1e-9
SHAPES = [(1, 1, 1, 1), (1, 4, 3, 2), (3, 1, 5, 4), (2, 7, 3, 1), (4, 50, 6, 8), (2, 100, 3, 5)]


def tensors(*arrays):
    """float64 tensors that autograd follows, from copies of the arrays."""
    return [torch.from_numpy(np.array(a, dtype=np.float64)).requires_grad_() for a in arrays]


def scan_loop(a, b, h0):
    """h_t = a_t * h_{t-1} + b_t, one step at a time; shape (N, T, H)."""
    h, hs = h0, []
    for a_t, b_t in zip(a.unbind(1), b.unbind(1), strict=True):
        h = a_t * h + b_t
        hs.append(h)
    return torch.stack(hs, 1)


def mingru_loop(x, h0, Wx, b):
    H = h0.shape[1]
    h, hs = h0, []
    for x_t in x.unbind(1):
        z = torch.sigmoid(x_t @ Wx[:, :H] + b[:H])
        c = x_t @ Wx[:, H:] + b[H:]
        h = (1 - z) * h + z * c
        hs.append(h)
    return torch.stack(hs, 1)


def minlstm_loop(x, h0, Wx, b):
    H = h0.shape[1]
    h, hs = h0, []
    for x_t in x.unbind(1):
        f = torch.sigmoid(x_t @ Wx[:, :H] + b[:H])
        i = torch.sigmoid(x_t @ Wx[:, H : 2 * H] + b[H : 2 * H])
        c = x_t @ Wx[:, 2 * H :] + b[2 * H :]
        h = f / (f + i) * h + i / (f + i) * c
        hs.append(h)
    return torch.stack(hs, 1)


def scan_problem(N, T, H):
    rng = np.random.RandomState(N * 1000 + T * 10 + H)
    # In (0, 1) as a gate makes it, most near 1 (a gate that remembers): steps 64 and more back still
    # count at 1e-6, so a scan that drops them (one doubling short when T is not a power of two) is seen.
    a = 1 / (1 + np.exp(-(rng.randn(N, T, H) + 2)))
    return a, rng.randn(N, T, H), rng.randn(N, H), rng.randn(N, T, H)


def layer_problem(gates, N, T, D, H):
    rng = np.random.RandomState(N * 1000 + T * 10 + H)
    x, h0 = rng.randn(N, T, D), rng.randn(N, H)
    Wx, b = 0.5 * rng.randn(D, gates * H), 0.5 * rng.randn(gates * H)
    return x, h0, Wx, b, rng.randn(N, T, H)


@pytest.mark.parametrize("N, T, D, H", SHAPES)
@pytest.mark.parametrize("scan", [linear_scan, parallel_linear_scan], ids=lambda f: f.__name__)
def test_scans_match_a_pytorch_loop(scan, N, T, D, H):
    a, b, h0, _ = scan_problem(N, T, H)
    h = scan(a, b, h0)
    h_ref = scan_loop(*tensors(a, b, h0)).detach().numpy()
    assert h.shape == h_ref.shape
    assert normwise_rel_error(h, h_ref) < TOL, f"{normwise_rel_error(h, h_ref):.1e}"


@pytest.mark.parametrize("N, T, D, H", SHAPES)
def test_scan_backward_matches_pytorch_autograd(N, T, D, H):
    a, b, h0, dh = scan_problem(N, T, H)
    at, bt, h0t = tensors(a, b, h0)
    h = scan_loop(at, bt, h0t)
    (h * torch.from_numpy(dh)).sum().backward()
    grads = linear_scan_backward(dh, a, h0, h.detach().numpy())
    refs = [at.grad.numpy(), bt.grad.numpy(), h0t.grad.numpy()]
    assert len(grads) == 3
    for name, ours, ref in zip(["da", "db", "dh0"], grads, refs, strict=True):
        assert ours.shape == ref.shape, name
        assert normwise_rel_error(ours, ref) < TOL, f"{name}: {normwise_rel_error(ours, ref):.1e}"


LAYERS = {
    "mingru": (2, mingru_forward, mingru_backward, mingru_loop),
    "minlstm": (3, minlstm_forward, minlstm_backward, minlstm_loop),
}


@pytest.mark.parametrize("N, T, D, H", SHAPES)
@pytest.mark.parametrize("kind", list(LAYERS))
def test_forward_and_every_gradient_match_pytorch(kind, N, T, D, H):
    gates, forward, backward, loop = LAYERS[kind]
    x, h0, Wx, b, dh = layer_problem(gates, N, T, D, H)
    h, cache = forward(x, h0, Wx, b)
    grads = backward(dh, cache)
    inputs = tensors(x, h0, Wx, b)
    h_ref = loop(*inputs)
    (h_ref * torch.from_numpy(dh)).sum().backward()
    h_ref = h_ref.detach().numpy()
    assert h.shape == h_ref.shape
    assert normwise_rel_error(h, h_ref) < TOL, f"{kind} h: {normwise_rel_error(h, h_ref):.1e}"
    assert len(grads) == 4
    for name, ours, ref in zip(["dx", "dh0", "dWx", "db"], grads, inputs, strict=True):
        ref = ref.grad.numpy()
        assert ours.shape == ref.shape, name
        assert normwise_rel_error(ours, ref) < TOL, f"{kind} {name}: {normwise_rel_error(ours, ref):.1e}"


def test_the_oracle_itself_sees_a_wrong_gate():
    """A minGRU that keeps z of the old state and 1 - z of the candidate must make the comparison fail."""
    x, h0, Wx, b, _ = layer_problem(2, 2, 7, 3, 4)
    H = h0.shape[1]
    pre = x @ Wx + b
    z, c = 1 / (1 + np.exp(-pre[:, :, :H])), pre[:, :, H:]
    h, prev = np.empty_like(c), h0
    for t in range(x.shape[1]):
        prev = h[:, t] = z[:, t] * prev + (1 - z[:, t]) * c[:, t]  # z and 1 - z swapped
    h_ref = mingru_loop(*tensors(x, h0, Wx, b)).detach().numpy()
    assert normwise_rel_error(h, h_ref) > 1e-3
