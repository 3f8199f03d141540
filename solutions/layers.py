"""Layer objects (provided): thin classes over the layer functions, for models of more than one function.

Each layer holds its parameters in ``params`` and, after ``backward``, their gradients in ``grads``,
under the same stable names (``Wx``, ``Wh``, ``b``...). ``forward(x)`` returns the output and keeps what
``backward(dout)`` needs; ``backward`` returns the gradient of the input (None for an embedding, whose
input is word indices). ``Adam``-style training of any list of layers is ``Optimizer``.

The recurrent layers can carry their state across calls (``stateful=True``): each call starts from the
state the previous call ended in, which is how a long text is processed in chunks (truncated
backpropagation through time); ``reset_state()`` starts afresh. Gradients never flow back across calls.
(The LSTM's state is (h, c).)

Shapes used below:
    N  sequences in a minibatch    T  time steps    D  input features    H  hidden units    V  vocabulary
"""

import numpy as np

from . import optim
from .rnn_layers import (
    gru_backward,
    gru_forward,
    lstm_backward,
    lstm_forward,
    rnn_backward,
    rnn_forward,
    temporal_affine_backward,
    temporal_affine_forward,
    word_embedding_backward,
    word_embedding_forward,
)


class Layer:
    """What every layer has: params, grads, forward, backward."""

    def __init__(self):
        self.params, self.grads, self._cache = {}, {}, None

    def forward(self, x):
        raise NotImplementedError

    def backward(self, dout):
        raise NotImplementedError

    def _check_cache(self):
        if self._cache is None:
            raise RuntimeError(f"{type(self).__name__}.backward called before forward")
        return self._cache


class Embedding(Layer):
    """Word vectors: (N, T) integer indices -> (N, T, D). Parameter W (V, D)."""

    def __init__(self, vocab_size, dim, dtype=np.float32, seed=0):
        super().__init__()
        self.params["W"] = (np.random.RandomState(seed).randn(vocab_size, dim) / np.sqrt(dim)).astype(dtype)

    def forward(self, x):
        out, self._cache = word_embedding_forward(x, self.params["W"])
        return out

    def backward(self, dout):
        self.grads["W"] = word_embedding_backward(dout, self._check_cache())
        return None


class TemporalAffine(Layer):
    """The same affine map at every step: (N, T, D) -> (N, T, M). Parameters W (D, M), b (M,)."""

    def __init__(self, input_dim, output_dim, dtype=np.float32, seed=0):
        super().__init__()
        rng = np.random.RandomState(seed)
        self.params["W"] = (rng.randn(input_dim, output_dim) / np.sqrt(input_dim)).astype(dtype)
        self.params["b"] = np.zeros(output_dim, dtype=dtype)

    def forward(self, x):
        out, self._cache = temporal_affine_forward(x, self.params["W"], self.params["b"])
        return out

    def backward(self, dout):
        dx, self.grads["W"], self.grads["b"] = temporal_affine_backward(dout, self._check_cache())
        return dx


class Recurrent(Layer):
    """A recurrent layer over whole sequences: (N, T, D) -> (N, T, H), with an optional carried state.

    Weights as in rnn_layers: Wx (D, gH), Wh (H, gH) and b (gH,), or bx and bh for the GRU.
    ``state`` is None (start from zeros) or the state the last call ended in (if stateful).
    """

    gates = 1
    bias_names = ("b",)
    weight_names = ("Wx", "Wh")  # a layer whose gates never read h_{t-1} has no Wh (notebook 11)

    def __init__(self, input_dim, hidden_dim, dtype=np.float32, seed=0, stateful=False):
        super().__init__()
        rng = np.random.RandomState(seed)
        g, k = self.gates * hidden_dim, 1 / np.sqrt(hidden_dim)
        # PyTorch's default initialization: uniform in +-1/sqrt(H), biases included.
        self.params["Wx"] = rng.uniform(-k, k, size=(input_dim, g)).astype(dtype)
        if "Wh" in self.weight_names:
            self.params["Wh"] = rng.uniform(-k, k, size=(hidden_dim, g)).astype(dtype)
        for name in self.bias_names:
            self.params[name] = rng.uniform(-k, k, size=g).astype(dtype)
        self.hidden_dim, self.stateful, self.state = hidden_dim, stateful, None

    def reset_state(self):
        """Forget the carried state: the next call starts from zeros."""
        self.state = None

    def _weights(self):
        return [self.params[n] for n in (*self.weight_names, *self.bias_names)]

    def _zeros(self, x):
        return np.zeros((x.shape[0], self.hidden_dim), dtype=self.params["Wx"].dtype)

    def _start(self, x):
        if self.state is not None and self.state[0].shape[0] != x.shape[0]:
            raise ValueError(
                f"{type(self).__name__}: the carried state is for {self.state[0].shape[0]} sequences, "
                f"this batch has {x.shape[0]}; call reset_state() before changing the batch size"
            )
        return self.state

    def forward(self, x):
        state = self._start(x)
        h0 = self._zeros(x) if state is None else state[0]
        h, self._cache = self._forward(x, h0, *self._weights())
        if self.stateful:
            self.state = (h[:, -1].copy(),)  # a copy: the next call must not see later changes
        return h

    def backward(self, dh):
        dx, _dh0, *dweights = self._backward(dh, self._check_cache())
        # _dh0 is dropped: the gradient stops at the start of the chunk (truncated backpropagation).
        self.grads = dict(zip([*self.weight_names, *self.bias_names], dweights, strict=True))
        return dx


class RNN(Recurrent):
    gates = 1
    _forward, _backward = staticmethod(rnn_forward), staticmethod(rnn_backward)


class GRU(Recurrent):
    gates = 3
    bias_names = ("bx", "bh")
    _forward, _backward = staticmethod(gru_forward), staticmethod(gru_backward)


class LSTM(Recurrent):
    """An LSTM layer; its carried state is (h, c), passed back to lstm_forward as h0 and c0."""

    gates = 4
    _backward = staticmethod(lstm_backward)

    def forward(self, x):
        state = self._start(x)
        h0 = self._zeros(x) if state is None else state[0]
        c0 = None if state is None else state[1]
        h, c, self._cache = lstm_forward(x, h0, *self._weights(), c0=c0)
        if self.stateful:
            self.state = (h[:, -1].copy(), c[:, -1].copy())
        return h


class Optimizer:
    """One update rule of optim.py applied to every parameter of some layers, each with its own state."""

    def __init__(self, layers, update_rule="adam", **config):
        self.layers, self.update = list(layers), optim.update_rule(update_rule)
        self.configs = {
            (i, name): dict(config) for i, layer in enumerate(self.layers) for name in layer.params
        }

    def decay_learning_rate(self, factor):
        """Multiply every parameter's learning rate by factor (e.g. 0.5 to halve it)."""
        if not factor > 0:
            raise ValueError(f"decay_learning_rate: factor should be a positive number, got {factor!r}")
        for config in self.configs.values():
            if "learning_rate" not in config:
                raise ValueError(
                    "decay_learning_rate: give the Optimizer a learning_rate (or take one step) first, "
                    "so that there is a learning rate to decay"
                )
            config["learning_rate"] *= factor

    def step(self):
        """Update every parameter from the gradient its layer's last backward left in grads."""
        for i, layer in enumerate(self.layers):
            for name, w in layer.params.items():
                if name not in layer.grads:
                    raise RuntimeError(
                        f"{type(layer).__name__} has no gradient for {name}: run backward first"
                    )
                layer.params[name], self.configs[i, name] = self.update(
                    w, layer.grads[name], self.configs[i, name]
                )


def layer_gradient_errors(layer, x, seed=0, h=1e-6):
    """Compare a layer's backward with numeric gradients: {name: normwise relative error}.

    Checks every parameter and, for a float input, the input ("x"), on the scalar sum(forward(x) * dout)
    for a fixed random dout. Use float64 layers. A stateful layer is checked from its current state,
    which is restored after every evaluation.
    """
    from .gradient_check import eval_numerical_gradient, normwise_rel_error

    saved = layer.state if hasattr(layer, "state") else None

    def run(inp):
        if hasattr(layer, "state"):
            layer.state = saved
        return layer.forward(inp)

    out = run(x)
    dout = np.random.RandomState(seed).randn(*out.shape)
    run(x)
    dx = layer.backward(dout)
    analytic = dict(layer.grads)
    errors = {}
    for name, value in layer.params.items():
        numeric = eval_numerical_gradient(lambda _: np.sum(run(x) * dout), value, h=h)
        errors[name] = normwise_rel_error(analytic[name], numeric)
    if np.issubdtype(np.asarray(x).dtype, np.floating):
        x = np.array(x, dtype=np.float64)
        numeric = eval_numerical_gradient(lambda v: np.sum(run(v) * dout), x, h=h)
        errors["x"] = normwise_rel_error(dx, numeric)
    if hasattr(layer, "state"):
        layer.state = saved
    return errors
