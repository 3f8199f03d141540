"""Sequence to sequence (notebook 10): bidirectional and stacked encoders, attention over a source, and
an encoder-decoder trained with teacher forcing.

    source characters --embedding--> encoder (GRU or LSTM; bidirectional, stacked) --> states (N, S, E)
    <start> y1 y2 ... --embedding--> decoder GRU (h0 from the encoder) --> attention over the states
        --> scores over the target characters

Shapes used below:
    N  sequences in a minibatch          S  source characters (padded)    T  target characters
    D  input (character vector) size     H  hidden units of one direction  E  encoder state size
    Vs, Vt  source and target vocabulary sizes

A direction's weights are a tuple in rnn_layers' order: (Wx, Wh, bx, bh) for a GRU, (Wx, Wh, b) for an
LSTM. A bidirectional layer's states are [forward | backward], PyTorch's layout: h[:, t, :H] has read
x[:, :t+1], h[:, t, H:] has read x[:, t:] from the end.
"""

import numpy as np

from .rnn_layers import (
    gru_backward,
    gru_forward,
    gru_step_forward,
    lstm_backward,
    lstm_forward,
    temporal_affine_backward,
    temporal_affine_forward,
    temporal_softmax_loss,
    word_embedding_backward,
    word_embedding_forward,
)
from .shapes import expect_indices, expect_mask, expect_shapes

CELLS = {"gru": 3, "lstm": 4}  # gate blocks per cell


def _expect_cell(function, cell):
    if cell not in CELLS:
        raise ValueError(f"{function}: cell should be 'gru' or 'lstm', got {cell!r}")


def recurrent_forward(cell, x, weights):
    """One direction of a recurrent layer from a zero state (provided): (h (N, T, H), cache).

    weights: the direction's tuple, (Wx, Wh, bx, bh) for "gru" or (Wx, Wh, b) for "lstm".
    """
    _expect_cell("recurrent_forward", cell)
    h0 = np.zeros((x.shape[0], weights[1].shape[0]), dtype=x.dtype)
    if cell == "gru":
        return gru_forward(x, h0, *weights)
    h, _c, cache = lstm_forward(x, h0, *weights)  # the cell states stay inside the layer
    return h, cache


def recurrent_backward(cell, dh, cache):
    """Backward of recurrent_forward (provided): (dx (N, T, D), dweights, a tuple like weights)."""
    _expect_cell("recurrent_backward", cell)
    dx, _dh0, *dweights = (gru_backward if cell == "gru" else lstm_backward)(dh, cache)
    return dx, tuple(dweights)  # _dh0 is dropped: the state starts at zero, it is not a parameter


def _expect_direction(function, x, weights, cell, name):
    gates = CELLS[cell]
    if not isinstance(weights, tuple | list) or len(weights) != (4 if cell == "gru" else 3):
        order = "(Wx, Wh, bx, bh)" if cell == "gru" else "(Wx, Wh, b)"
        raise ValueError(f"{function}: {name} should be the {cell.upper()}'s tuple {order}")
    shapes = {"x": (x, "N T D"), "Wx": (weights[0], f"D {gates}H"), "Wh": (weights[1], f"H {gates}H")}
    for bias, value in zip(("bx", "bh") if cell == "gru" else ("b",), weights[2:], strict=True):
        shapes[bias] = (value, f"{gates}H")
    expect_shapes(f"{function} ({name})", **shapes)


def bidirectional_forward(x, weights_forward, weights_backward, cell="gru"):
    """A bidirectional recurrent layer: one direction reads x forward, the other reads it reversed.

        h[:, t] = [forward state after x[:, 0..t] | backward state after x[:, T-1..t]]

    Both directions start from zero states.

    Inputs:
    - x: input sequence, shape (N, T, D).
    - weights_forward, weights_backward: each direction's weights, (Wx, Wh, bx, bh) for a GRU (Wx of
      shape (D, 3H), Wh (H, 3H), biases (3H,)) or (Wx, Wh, b) for an LSTM ((D, 4H), (H, 4H), (4H,)).
    - cell: "gru" or "lstm".

    Returns a tuple of:
    - h: states of both directions at every step, shape (N, T, 2H), forward first.
    - cache: what bidirectional_backward needs (opaque to the caller).
    """
    _expect_cell("bidirectional_forward", cell)
    _expect_direction("bidirectional_forward", x, weights_forward, cell, "weights_forward")
    _expect_direction("bidirectional_forward", x, weights_backward, cell, "weights_backward")
    ### TODO: run one direction with recurrent_forward on x, the other on x reversed in time
    ### TODO: (x[:, ::-1]); turn the backward direction's states back into the order of x before
    ### TODO: concatenating [forward | backward] on the last axis.
    ### BEGIN SOLUTION
    h_forward, cache_forward = recurrent_forward(cell, x, weights_forward)
    h_reversed, cache_backward = recurrent_forward(cell, x[:, ::-1], weights_backward)
    h = np.concatenate([h_forward, h_reversed[:, ::-1]], axis=2)
    cache = (cell, h_forward.shape[2], cache_forward, cache_backward)
    ### END SOLUTION
    return h, cache


def bidirectional_backward(dh, cache):
    """Backward pass of bidirectional_forward.

    Inputs:
    - dh: upstream gradient of every state, shape (N, T, 2H).
    - cache: the cache returned by bidirectional_forward.

    Returns a tuple of:
    - dx: gradient of the inputs, shape (N, T, D) (both directions read x: two paths).
    - dweights_forward, dweights_backward: gradients of each direction's weights, tuples in the order of
      the weights.
    """
    expect_shapes("bidirectional_backward", dh=(dh, "N T 2H"))
    ### TODO: split dh into its forward and backward halves; the backward direction read x reversed,
    ### TODO: so reverse its half of dh before recurrent_backward, and reverse the dx it returns. Both
    ### TODO: directions read x: add their two dx.
    ### BEGIN SOLUTION
    cell, H, cache_forward, cache_backward = cache
    dx_forward, dweights_forward = recurrent_backward(cell, dh[:, :, :H], cache_forward)
    dx_reversed, dweights_backward = recurrent_backward(cell, dh[:, ::-1, H:], cache_backward)
    dx = dx_forward + dx_reversed[:, ::-1]
    ### END SOLUTION
    return dx, dweights_forward, dweights_backward


def stacked_forward(x, layers, cell="gru"):
    """Stacked bidirectional layers: the states of each layer are the inputs of the next.

    Inputs:
    - x: input sequence, shape (N, T, D).
    - layers: a list of (weights_forward, weights_backward), one per layer, bottom first. The first
      layer's Wx have D rows; every later layer reads the 2H states below it, so its Wx have 2H rows.
    - cell: "gru" or "lstm".

    Returns a tuple of:
    - h: the top layer's states, shape (N, T, 2H).
    - cache: what stacked_backward needs (opaque to the caller).
    """
    _expect_cell("stacked_forward", cell)
    if not isinstance(layers, list | tuple) or not layers:
        raise ValueError("stacked_forward: layers should be a non-empty list of (forward, backward) weights")
    ### TODO: bidirectional_forward layer after layer, bottom first, keeping every layer's cache.
    ### BEGIN SOLUTION
    h, caches = x, []
    for weights_forward, weights_backward in layers:
        h, cache = bidirectional_forward(h, weights_forward, weights_backward, cell)
        caches.append(cache)
    ### END SOLUTION
    return h, caches


def stacked_backward(dh, cache):
    """Backward pass of stacked_forward.

    Inputs:
    - dh: upstream gradient of the top layer's states, shape (N, T, 2H).
    - cache: the cache returned by stacked_forward.

    Returns a tuple of:
    - dx: gradient of the inputs, shape (N, T, D).
    - dlayers: a list of (dweights_forward, dweights_backward), one per layer, bottom first (as layers).
    """
    expect_shapes("stacked_backward", dh=(dh, "N T 2H"))
    ### TODO: bidirectional_backward from the top layer down: each layer's dx is the upstream gradient
    ### TODO: of the layer below. Return the layers' gradients bottom first.
    ### BEGIN SOLUTION
    dx, dlayers = dh, []
    for layer_cache in reversed(cache):
        dx, dweights_forward, dweights_backward = bidirectional_backward(dx, layer_cache)
        dlayers.append((dweights_forward, dweights_backward))
    dlayers.reverse()
    ### END SOLUTION
    return dx, dlayers


def source_attention_forward(h, states, mask, Wa):
    """Attention of every decoder state over the encoder's states of its own source (notebook 9's
    scaled dot-product attention, at every target step at once, and masked).

        q[n, t] = h[n, t] @ Wa
        scores[n, t, s] = states[n, s] . q[n, t] / sqrt(E)    (-inf where mask[n, s] is False: padding)
        weights[n, t] = softmax(scores[n, t])                   (over the S source positions)
        context[n, t] = sum_s weights[n, t, s] * states[n, s]

    Inputs:
    - h: decoder states, shape (N, T, H).
    - states: encoder states, shape (N, S, E).
    - mask: shape (N, S), True at real characters, False at padding; every row has a True.
    - Wa: query projection, shape (H, E).

    Returns a tuple of:
    - (context, weights): context of shape (N, T, E); weights of shape (N, T, S), each row summing to 1
      and 0 at padding.
    - cache: what source_attention_backward needs (opaque to the caller).
    """
    expect_shapes(
        "source_attention_forward",
        h=(h, "N T H"),
        states=(states, "N S E"),
        mask=(mask, "N S", "any"),
        Wa=(Wa, "H E"),
    )
    mask = expect_mask("source_attention_forward", "mask", mask)
    if not mask.any(axis=1).all():
        raise ValueError("source_attention_forward: every row of mask needs a True (a source of length 0)")
    ### TODO: notebook 9's attention_forward with a time axis: the queries, the scores of every target
    ### TODO: step against every source position, -np.inf where the mask is False, a softmax over the
    ### TODO: source positions (subtract each row's maximum), and the weighted average of the states.
    ### BEGIN SOLUTION
    E = states.shape[2]
    q = h @ Wa
    scores = np.einsum("nse,nte->nts", states, q) / E**0.5
    scores = np.where(mask[:, None, :], scores, -np.inf)
    exp = np.exp(scores - scores.max(axis=2, keepdims=True))
    weights = exp / exp.sum(axis=2, keepdims=True)
    context = np.einsum("nts,nse->nte", weights, states)
    cache = (h, states, Wa, q, weights)
    ### END SOLUTION
    return (context, weights), cache


def source_attention_backward(dcontext, cache):
    """Backward pass of source_attention_forward.

    Inputs:
    - dcontext: gradient of the loss with respect to the context, shape (N, T, E).
    - cache: the cache returned by source_attention_forward.

    Returns a tuple of:
    - dh: gradient of the decoder states, shape (N, T, H).
    - dstates: gradient of the encoder states, shape (N, S, E) (every target step reads them: sum).
    - dWa: gradient of the query projection, shape (H, E).
    """
    expect_shapes("source_attention_backward", dcontext=(dcontext, "N T E"))
    ### TODO: attention_backward's steps with a time axis; padding has weight 0, so it gets no gradient
    ### TODO: through the softmax without any extra code.
    ### BEGIN SOLUTION
    h, states, Wa, q, weights = cache
    E = states.shape[2]
    dweights = np.einsum("nte,nse->nts", dcontext, states)
    dscores = weights * (dweights - np.sum(weights * dweights, axis=2, keepdims=True))
    dq = np.einsum("nts,nse->nte", dscores, states) / E**0.5
    dstates = np.einsum("nts,nte->nse", weights, dcontext) + np.einsum("nts,nte->nse", dscores, q) / E**0.5
    dh = dq @ Wa.T
    dWa = np.einsum("nth,nte->he", h, dq)
    ### END SOLUTION
    return dh, dstates, dWa


class Seq2Seq:
    """An encoder-decoder with parameters in ``self.params`` (a dict of arrays of dtype ``dtype``).

    Parameters:
    - W_src (Vs, D), W_tgt (Vt, D): the source and target character vectors.
    - the encoder's: enc{l}_{f|b}_{Wx|Wh|bx|bh|b} for layer l and direction f (forward) or b (backward);
      a unidirectional encoder has one layer and the forward direction only.
    - W_init (E, H), b_init (H,): the decoder's first state, tanh(final @ W_init + b_init), where final
      is the encoder's state after the last real character of each source: [forward | backward] states
      at the ends each direction read last.
    - dec_Wx (D, 3H), dec_Wh (H, 3H), dec_bx, dec_bh (3H,): the decoder GRU.
    - with attention: Wa (H, E), and W_att (E + H, H), b_att (H,) for the attentional state
      tanh([context | h] @ W_att + b_att) (Luong et al., 2015); without, the decoder states themselves.
    - W_out (H, Vt), b_out (Vt,): scores over the target characters.
    """

    def __init__(
        self,
        source_size,
        target_size,
        char_dim=32,
        hidden_dim=64,
        cell="gru",
        bidirectional=True,
        num_layers=1,
        attention=True,
        dtype=np.float32,
        seed=0,
    ):
        """
        Inputs:
        - source_size: Vs (index 0 is padding); target_size: Vt (index 0 is <start>).
        - char_dim: D; hidden_dim: H, of each encoder direction and of the decoder.
        - cell: the encoder's cell, "gru" or "lstm" (the decoder is a GRU).
        - bidirectional, num_layers: the encoder; a unidirectional encoder has one layer.
        - attention: whether the decoder attends over the encoder's states.
        - dtype: np.float32 to train, np.float64 for gradient checks; seed: of the initial weights.
        """
        _expect_cell("Seq2Seq", cell)
        if not bidirectional and num_layers != 1:
            raise ValueError("Seq2Seq: a unidirectional encoder has one layer (num_layers=1)")
        if not isinstance(num_layers, int) or num_layers < 1:
            raise ValueError(f"Seq2Seq: num_layers should be a whole number >= 1, got {num_layers!r}")
        self.cell, self.bidirectional, self.num_layers = cell, bidirectional, num_layers
        self.attention, self.dtype = attention, dtype
        self.directions = "fb" if bidirectional else "f"
        H, E = hidden_dim, hidden_dim * len(self.directions)
        rng = np.random.RandomState(seed)
        shapes = {"W_src": (source_size, char_dim), "W_tgt": (target_size, char_dim)}
        g = CELLS[cell]
        for layer in range(num_layers):
            rows = char_dim if layer == 0 else E
            for d in self.directions:
                shapes.update({f"enc{layer}_{d}_Wx": (rows, g * H), f"enc{layer}_{d}_Wh": (H, g * H)})
                for bias in self._bias_names(cell):
                    shapes[f"enc{layer}_{d}_{bias}"] = (g * H,)
        shapes.update({"W_init": (E, H), "b_init": (H,)})
        shapes.update(
            {"dec_Wx": (char_dim, 3 * H), "dec_Wh": (H, 3 * H), "dec_bx": (3 * H,), "dec_bh": (3 * H,)}
        )
        if attention:
            shapes.update({"Wa": (H, E), "W_att": (E + H, H), "b_att": (H,)})
        shapes.update({"W_out": (H, target_size), "b_out": (target_size,)})
        self.params = {}
        for name, shape in shapes.items():
            if name.startswith("W_src") or name.startswith("W_tgt"):
                value = rng.randn(*shape)  # character vectors: unit variance, as nn.Embedding
            else:
                fan_in = shape[0] if len(shape) == 2 else H
                value = rng.uniform(-1, 1, size=shape) / np.sqrt(fan_in)
            self.params[name] = value.astype(dtype)

    @staticmethod
    def _bias_names(cell):
        return ("bx", "bh") if cell == "gru" else ("b",)

    def _direction(self, layer, d):
        names = ("Wx", "Wh", *self._bias_names(self.cell))
        return tuple(self.params[f"enc{layer}_{d}_{n}"] for n in names)

    def _store_direction(self, grads, layer, d, dweights):
        names = ("Wx", "Wh", *self._bias_names(self.cell))
        grads.update({f"enc{layer}_{d}_{n}": g for n, g in zip(names, dweights, strict=True)})

    def _check_sources(self, function, sources):
        expect_shapes(function, sources=(sources, "N S", "int"))
        expect_indices(function, "sources", sources, self.params["W_src"].shape[0], "Vs")
        if not (sources[:, 0] != 0).all():
            raise ValueError(f"{function}: every source should start with a character, not padding (0)")

    def encode(self, sources):
        """Read the sources (provided): (states (N, S, E), h0 (N, H), mask (N, S), cache).

        sources: int array (N, S), padded at the end with 0. mask is True at real characters; h0 is the
        decoder's first state.
        """
        self._check_sources("Seq2Seq.encode", sources)
        p = self.params
        mask = sources != 0
        x, embed_cache = word_embedding_forward(sources, p["W_src"])
        if self.bidirectional:
            layers = [(self._direction(k, "f"), self._direction(k, "b")) for k in range(self.num_layers)]
            states, encoder_cache = stacked_forward(x, layers, self.cell)
        else:
            states, encoder_cache = recurrent_forward(self.cell, x, self._direction(0, "f"))
        H = p["dec_Wh"].shape[0]
        last = mask.sum(axis=1) - 1  # each source's last real character
        final = states[np.arange(len(sources)), last].copy()
        if self.bidirectional:
            final[:, H:] = states[:, 0, H:]  # the backward direction read the first character last
        h0 = np.tanh(final @ p["W_init"] + p["b_init"])
        cache = (embed_cache, encoder_cache, last, final, h0)
        return states, h0, mask, cache

    def encode_backward(self, dstates, dh0, cache):
        """Backward of encode (provided): a dict of the gradients of W_src, the encoder's weights, W_init
        and b_init. dstates: (N, S, E); dh0: (N, H)."""
        embed_cache, encoder_cache, last, final, h0 = cache
        p, grads = self.params, {}
        H = p["dec_Wh"].shape[0]
        da = dh0 * (1 - h0**2)
        grads["W_init"], grads["b_init"] = final.T @ da, da.sum(axis=0)
        dfinal = da @ p["W_init"].T
        dstates = dstates.copy()
        rows = np.arange(len(last))
        if self.bidirectional:
            dstates[rows, last, :H] += dfinal[:, :H]
            dstates[:, 0, H:] += dfinal[:, H:]
            dx, dlayers = stacked_backward(dstates, encoder_cache)
            for k, (dforward, dbackward) in enumerate(dlayers):
                self._store_direction(grads, k, "f", dforward)
                self._store_direction(grads, k, "b", dbackward)
        else:
            dstates[rows, last] += dfinal
            dx, dweights = recurrent_backward(self.cell, dstates, encoder_cache)
            self._store_direction(grads, 0, "f", dweights)
        grads["W_src"] = word_embedding_backward(dx, embed_cache)
        return grads

    def _decoder_weights(self):
        return tuple(self.params[n] for n in ("dec_Wx", "dec_Wh", "dec_bx", "dec_bh"))

    def loss(self, sources, targets):
        """Training loss and gradients for a minibatch, with teacher forcing.

        The decoder reads targets[:, :-1] (starting with <start>, index 0) and is scored on predicting
        targets[:, 1:]: at every step it reads the true previous character, never its own prediction.

        Inputs:
        - sources: int array (N, S), padded at the end with 0.
        - targets: int array (N, T + 1), each row <start> and then T characters.

        Returns a tuple of:
        - loss: a float, summed over the T steps and averaged over N (temporal_softmax_loss).
        - grads: a dict with the same keys as self.params, each gradient of its parameter's shape.
        """
        self._check_sources("Seq2Seq.loss", sources)
        expect_shapes("Seq2Seq.loss", sources=(sources, "N S", "int"), targets=(targets, "N T", "int"))
        expect_indices("Seq2Seq.loss", "targets", targets, self.params["W_tgt"].shape[0], "Vt")
        if targets.shape[1] < 2:
            raise ValueError(f"Seq2Seq.loss: targets need <start> and a character, got shape {targets.shape}")
        p = self.params
        ### TODO: self.encode(sources) gives the encoder's states, the decoder's h0, the mask and a cache.
        ### TODO: Split targets into what the decoder reads and what it must predict. Forward: embed,
        ### TODO: gru_forward from h0 (self._decoder_weights()); with self.attention, the context of
        ### TODO: every step (source_attention_forward) and the attentional state tanh of the temporal
        ### TODO: affine of [context | h] (W_att, b_att); scores (W_out, b_out); temporal_softmax_loss
        ### TODO: (no padding in the targets). Back through the same layers in reverse order (dstates is
        ### TODO: zeros of the states' shape without attention); the encoder's gradients come from
        ### TODO: self.encode_backward(dstates, dh0, encoder_cache).
        ### BEGIN SOLUTION
        states, h0, mask, encoder_cache = self.encode(sources)
        inputs, outputs = targets[:, :-1], targets[:, 1:]
        x, embed_cache = word_embedding_forward(inputs, p["W_tgt"])
        h, decoder_cache = gru_forward(x, h0, *self._decoder_weights())
        top = h
        if self.attention:
            (context, _), attention_cache = source_attention_forward(h, states, mask, p["Wa"])
            a, att_cache = temporal_affine_forward(
                np.concatenate([context, h], axis=2), p["W_att"], p["b_att"]
            )
            top = np.tanh(a)
        scores, scores_cache = temporal_affine_forward(top, p["W_out"], p["b_out"])
        loss, dscores = temporal_softmax_loss(scores, outputs, np.ones(outputs.shape, dtype=bool))

        grads = {}
        dtop, grads["W_out"], grads["b_out"] = temporal_affine_backward(dscores, scores_cache)
        dh, dstates = dtop, np.zeros_like(states)
        if self.attention:
            dboth, grads["W_att"], grads["b_att"] = temporal_affine_backward(dtop * (1 - top**2), att_cache)
            E = states.shape[2]
            dh_query, dstates, grads["Wa"] = source_attention_backward(dboth[:, :, :E], attention_cache)
            dh = dboth[:, :, E:] + dh_query
        dx, dh0, grads["dec_Wx"], grads["dec_Wh"], grads["dec_bx"], grads["dec_bh"] = gru_backward(
            dh, decoder_cache
        )
        grads["W_tgt"] = word_embedding_backward(dx, embed_cache)
        grads.update(self.encode_backward(dstates, dh0, encoder_cache))
        ### END SOLUTION
        return loss, grads

    def decode(self, sources, length, targets=None):
        """Greedy decoding: at every step the most likely character.

        Free running (targets None): the decoder reads its own previous prediction. Teacher forced
        (targets given): it reads the true previous character, as in training, and the predictions
        show the errors of each step on its own.

        Inputs:
        - sources: int array (N, S), padded at the end with 0.
        - length: T, the characters to write.
        - targets: None, or an int array (N, T + 1) as in loss.

        Returns a tuple of:
        - predicted: int array (N, T) of target indices.
        - weights: the attention weights of every step, shape (N, T, S); None without attention.
        """
        self._check_sources("Seq2Seq.decode", sources)
        if not isinstance(length, int | np.integer) or isinstance(length, bool) or length < 1:
            raise ValueError(f"Seq2Seq.decode: length should be a whole number >= 1, got {length!r}")
        if targets is not None:
            expect_shapes("Seq2Seq.decode", sources=(sources, "N S", "int"), targets=(targets, "N T", "int"))
            if targets.shape[1] != length + 1:
                raise ValueError(
                    f"Seq2Seq.decode: targets should have length + 1 = {length + 1} columns, "
                    f"got shape {targets.shape}"
                )
            expect_indices("Seq2Seq.decode", "targets", targets, self.params["W_tgt"].shape[0], "Vt")
        p = self.params
        N = len(sources)
        predicted = np.zeros((N, length), dtype=np.int64)
        ### TODO: self.encode(sources) gives the states, h0 and the mask; weights is an (N, length, S) array
        ### TODO: to fill with attention, None without. Start from <start> (index 0). At each step: the
        ### TODO: previous character (the prediction of the step before, or targets[:, t] when teacher
        ### TODO: forced), its vector, one gru_step_forward, with attention the context for this one step
        ### TODO: (source_attention_forward on h[:, None]) and the attentional state, the scores, the argmax.
        ### BEGIN SOLUTION
        states, h, mask, _ = self.encode(sources)
        weights = np.zeros((N, length, states.shape[1]), dtype=states.dtype) if self.attention else None
        previous = np.zeros(N, dtype=np.int64)
        for t in range(length):
            if targets is not None:
                previous = targets[:, t]
            h, _ = gru_step_forward(p["W_tgt"][previous], h, *self._decoder_weights())
            top = h
            if self.attention:
                (context, step_weights), _ = source_attention_forward(h[:, None], states, mask, p["Wa"])
                weights[:, t] = step_weights[:, 0]
                top = np.tanh(np.concatenate([context[:, 0], h], axis=1) @ p["W_att"] + p["b_att"])
            previous = np.argmax(top @ p["W_out"] + p["b_out"], axis=1)
            predicted[:, t] = previous
        ### END SOLUTION
        return predicted, weights
