"""Layer objects: gradients (and a check that catches a wrong backward), carried state, optimizers."""

import numpy as np
import pytest

from solutions.layers import GRU, LSTM, RNN, Embedding, Optimizer, TemporalAffine, layer_gradient_errors
from solutions.rnn_layers import temporal_softmax_loss

RECURRENT = [RNN, LSTM, GRU]


def sequence(N=2, T=4, D=3, seed=0):
    return np.random.RandomState(seed).randn(N, T, D)


@pytest.mark.parametrize("cls", RECURRENT)
def test_recurrent_layers_pass_the_generic_gradient_check_from_a_carried_state(cls):
    layer = cls(3, 5, dtype=np.float64, seed=1, stateful=True)
    layer.forward(sequence(seed=2))  # now the layer carries a non-zero state
    assert layer.state is not None and np.abs(layer.state[0]).max() > 0.05
    errors = layer_gradient_errors(layer, sequence(seed=3))
    assert set(errors) == {*layer.params, "x"}
    assert max(errors.values()) < 1e-7, errors


def test_embedding_and_affine_pass_the_generic_gradient_check():
    emb = Embedding(7, 4, dtype=np.float64, seed=0)
    errors = layer_gradient_errors(emb, np.array([[1, 3, 3], [6, 0, 3]]))
    assert set(errors) == {"W"} and errors["W"] < 1e-7
    aff = TemporalAffine(3, 6, dtype=np.float64, seed=0)
    aff.params["b"] = np.random.RandomState(1).randn(6)
    assert max(layer_gradient_errors(aff, sequence()).values()) < 1e-7


class HalfGradientLSTM(LSTM):
    def backward(self, dh):
        dx = super().backward(dh)
        self.grads["Wh"] = 0.5 * self.grads["Wh"]
        return dx


def test_the_generic_gradient_check_catches_a_wrong_backward():
    layer = HalfGradientLSTM(3, 5, dtype=np.float64)
    errors = layer_gradient_errors(layer, sequence())
    assert errors["Wh"] > 0.1
    assert max(v for k, v in errors.items() if k != "Wh") < 1e-7


@pytest.mark.parametrize("cls", RECURRENT)
def test_a_sequence_in_chunks_gives_what_it_gives_in_one_call(cls):
    x = sequence(N=3, T=9, seed=4)
    whole = cls(3, 5, dtype=np.float64, seed=2).forward(x)
    layer = cls(3, 5, dtype=np.float64, seed=2, stateful=True)
    chunks = [layer.forward(x[:, a:b]) for a, b in ((0, 4), (4, 5), (5, 9))]
    np.testing.assert_allclose(np.concatenate(chunks, axis=1), whole, rtol=1e-12, atol=1e-14)
    layer.reset_state()
    np.testing.assert_allclose(layer.forward(x[:, :4]), whole[:, :4], rtol=1e-12, atol=1e-14)
    with pytest.raises(ValueError, match="the carried state is for 3 sequences, this batch has 2"):
        layer.forward(x[:2])


@pytest.mark.parametrize("cls", RECURRENT)
def test_gradients_stop_at_the_chunk_boundary(cls):
    """A chunk's gradients are those of a fresh sequence that starts from the carried state as a constant."""
    x = sequence(N=2, T=6, seed=5)
    dh = np.random.RandomState(6).randn(2, 3, 5)
    layer = cls(3, 5, dtype=np.float64, seed=3, stateful=True)
    layer.forward(x[:, :3])
    carried = layer.state
    layer.forward(x[:, 3:])
    dx = layer.backward(dh)
    grads = dict(layer.grads)

    other = cls(3, 5, dtype=np.float64, seed=3, stateful=True)
    other.state = tuple(s.copy() for s in carried)
    other.forward(x[:, 3:])
    assert np.array_equal(other.backward(dh), dx)
    for name, g in grads.items():
        assert np.array_equal(other.grads[name], g), name


def test_layers_and_an_optimizer_learn_a_sequence():
    rng = np.random.RandomState(0)
    tokens = rng.randint(0, 6, size=(4, 9))
    inputs, targets = tokens[:, :-1], tokens[:, 1:]
    layers = [Embedding(6, 8, seed=1), LSTM(8, 16, seed=2), TemporalAffine(16, 6, seed=3)]
    opt = Optimizer(layers, "adam", learning_rate=2e-2)
    losses = []
    for _ in range(150):
        out = inputs
        for layer in layers:
            out = layer.forward(out)
        loss, dscores = temporal_softmax_loss(out, targets, np.ones(targets.shape, dtype=bool))
        losses.append(loss)
        for layer in reversed(layers):
            dscores = layer.backward(dscores)
        opt.step()
    assert losses[-1] < 0.05 * losses[0]
    assert all(p.dtype == np.float32 for layer in layers for p in layer.params.values())


def test_clear_errors_for_misuse():
    with pytest.raises(RuntimeError, match="RNN.backward called before forward"):
        RNN(3, 4).backward(np.zeros((1, 1, 4)))
    layer = TemporalAffine(3, 2)
    with pytest.raises(RuntimeError, match="TemporalAffine has no gradient for W: run backward first"):
        Optimizer([layer]).step()
    with pytest.raises(ValueError, match="unknown update rule 'adamw'"):
        Optimizer([layer], "adamw")


def test_the_learning_rate_decays_for_every_parameter_and_steps_shrink_with_it():
    layers = [Embedding(6, 4, seed=1), TemporalAffine(4, 6, seed=2)]
    opt = Optimizer(layers, "sgd", learning_rate=0.2)
    opt.decay_learning_rate(0.5)
    assert sorted({config["learning_rate"] for config in opt.configs.values()}) == [0.1]
    # An SGD step now moves every parameter by 0.1 times its gradient.
    for layer in layers:
        layer.grads = {name: np.ones_like(w) for name, w in layer.params.items()}
    before = {(i, name): w.copy() for i, layer in enumerate(layers) for name, w in layer.params.items()}
    opt.step()
    for i, layer in enumerate(layers):
        for name, w in layer.params.items():
            np.testing.assert_allclose(before[i, name] - w, 0.1, rtol=1e-6)
    with pytest.raises(ValueError, match="factor should be a positive number, got -1"):
        opt.decay_learning_rate(-1)
    with pytest.raises(ValueError, match="give the Optimizer a learning_rate"):
        Optimizer(layers, "adam").decay_learning_rate(0.5)
