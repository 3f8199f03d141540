"""An independent, correct implementation of the sequence-to-sequence exercises (notebook 10), written
differently on purpose.

solutions/seq2seq.py is the reference; this one reaches the same numbers another way, so that the
student checks are shown to accept other correct styles (no false alarms): time is reversed with np.flip
and the backward direction's H read off dh rather than the cache; caches are dicts (the stacked one keyed
by layer, filled and emptied top-down); the attention's masked softmax takes the maximum over the real
positions only (np.max with where=) and exponentiates only there (np.exp with where=, zeros elsewhere),
with batched matmul instead of einsum and the softmax's backward as w * dw - w * (w . dw); the loss runs
the decoder one gru_step_forward at a time, splits W_att into its context and state rows instead of
concatenating [context | h], writes its own log-softmax cross entropy (a one-hot subtracted from the
probabilities) and scatters the embedding gradient with np.add.at; decode runs gru_forward on sequences
of length 1 and feeds the teacher-forced characters as a slice of targets. The provided parts (the
argument checks, recurrent_forward/backward, the constructor, encode, encode_backward) are as a
student's file keeps them.
"""

import numpy as np

from .rnn_layers import (
    gru_backward,
    gru_forward,
    gru_step_backward,
    gru_step_forward,
    lstm_backward,
    lstm_forward,
    word_embedding_backward,
    word_embedding_forward,
)
from .shapes import expect_indices, expect_mask, expect_shapes

CELLS = {"gru": 3, "lstm": 4}  # gate blocks per cell


def _expect_cell(function, cell):
    if cell not in CELLS:
        raise ValueError(f"{function}: cell should be 'gru' or 'lstm', got {cell!r}")


def recurrent_forward(cell, x, weights):
    """One direction of a recurrent layer from a zero state (provided): (h (N, T, H), cache)."""
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
    _expect_cell("bidirectional_forward", cell)
    _expect_direction("bidirectional_forward", x, weights_forward, cell, "weights_forward")
    _expect_direction("bidirectional_forward", x, weights_backward, cell, "weights_backward")
    ahead, ahead_cache = recurrent_forward(cell, x, weights_forward)
    behind, behind_cache = recurrent_forward(cell, np.flip(x, axis=1), weights_backward)
    h = np.empty(ahead.shape[:2] + (2 * ahead.shape[2],), dtype=np.result_type(ahead, behind))
    H = ahead.shape[2]
    h[..., :H] = ahead
    h[..., H:] = np.flip(behind, axis=1)
    return h, {"cell": cell, "ahead": ahead_cache, "behind": behind_cache}


def bidirectional_backward(dh, cache):
    expect_shapes("bidirectional_backward", dh=(dh, "N T 2H"))
    H = dh.shape[2] // 2
    dx_ahead, dweights_forward = recurrent_backward(cache["cell"], dh[..., :H], cache["ahead"])
    dx_behind, dweights_backward = recurrent_backward(
        cache["cell"], np.flip(dh[..., H:], axis=1), cache["behind"]
    )
    dx = np.flip(dx_behind, axis=1) + dx_ahead
    return dx, dweights_forward, dweights_backward


def stacked_forward(x, layers, cell="gru"):
    _expect_cell("stacked_forward", cell)
    if not isinstance(layers, list | tuple) or not layers:
        raise ValueError("stacked_forward: layers should be a non-empty list of (forward, backward) weights")
    cache = {}
    h = x
    for depth, pair in enumerate(layers):
        h, cache[depth] = bidirectional_forward(h, pair[0], pair[1], cell=cell)
    return h, cache


def stacked_backward(dh, cache):
    expect_shapes("stacked_backward", dh=(dh, "N T 2H"))
    dlayers = [None] * len(cache)
    upstream = dh
    for depth in sorted(cache, reverse=True):
        upstream, *pair = bidirectional_backward(upstream, cache[depth])
        dlayers[depth] = tuple(pair)
    return upstream, dlayers


def source_attention_forward(h, states, mask, Wa):
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
    scale = states.shape[-1] ** -0.5  # a Python float: it keeps float32 arrays float32
    queries = np.matmul(h, Wa)
    scores = np.matmul(queries, np.swapaxes(states, 1, 2)) * scale  # (N, T, S)
    real = np.broadcast_to(mask[:, None, :], scores.shape)
    top = np.max(scores, axis=-1, keepdims=True, where=real, initial=-np.inf)
    unnormalised = np.exp(scores - top, where=real, out=np.zeros_like(scores))
    weights = unnormalised / np.sum(unnormalised, axis=-1, keepdims=True)
    context = np.matmul(weights, states)
    cache = {"h": h, "states": states, "Wa": Wa, "queries": queries, "weights": weights, "scale": scale}
    return (context, weights), cache


def source_attention_backward(dcontext, cache):
    expect_shapes("source_attention_backward", dcontext=(dcontext, "N T E"))
    states, weights, scale = cache["states"], cache["weights"], cache["scale"]
    dweights = np.matmul(dcontext, np.swapaxes(states, 1, 2))  # (N, T, S)
    dscores = weights * dweights - weights * np.sum(weights * dweights, axis=-1, keepdims=True)
    dscores = dscores * scale
    dqueries = np.matmul(dscores, states)
    dstates = np.matmul(np.swapaxes(weights, 1, 2), dcontext) + np.matmul(
        np.swapaxes(dscores, 1, 2), cache["queries"]
    )
    h = cache["h"]
    dh = np.matmul(dqueries, cache["Wa"].T)
    dWa = h.reshape(-1, h.shape[-1]).T @ dqueries.reshape(-1, dqueries.shape[-1])
    return dh, dstates, dWa


class Seq2Seq:
    """An encoder-decoder with parameters in ``self.params`` (as solutions/seq2seq.py's)."""

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
        """Read the sources (provided): (states (N, S, E), h0 (N, H), mask (N, S), cache)."""
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
        """Backward of encode (provided)."""
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

    def _attentional(self, context, h):
        """tanh([context | h] @ W_att + b_att), with W_att split into its context and state rows."""
        W_att, E = self.params["W_att"], context.shape[-1]
        return np.tanh(context @ W_att[:E] + h @ W_att[E:] + self.params["b_att"])

    def loss(self, sources, targets):
        self._check_sources("Seq2Seq.loss", sources)
        expect_shapes("Seq2Seq.loss", sources=(sources, "N S", "int"), targets=(targets, "N T", "int"))
        expect_indices("Seq2Seq.loss", "targets", targets, self.params["W_tgt"].shape[0], "Vt")
        if targets.shape[1] < 2:
            raise ValueError(f"Seq2Seq.loss: targets need <start> and a character, got shape {targets.shape}")
        p = self.params
        states, h0, mask, encoder_cache = self.encode(sources)
        read, predict = targets[:, :-1], targets[:, 1:]
        N, T = read.shape
        vectors = p["W_tgt"][read]
        decoder = self._decoder_weights()
        h, steps, step_caches = h0, [], []
        for t in range(T):
            h, step_cache = gru_step_forward(vectors[:, t], h, *decoder)
            steps.append(h)
            step_caches.append(step_cache)
        hs = np.stack(steps, axis=1)
        if self.attention:
            (context, _), attention_cache = source_attention_forward(hs, states, mask, p["Wa"])
            top = self._attentional(context, hs)
        else:
            top = hs
        scores = top @ p["W_out"] + p["b_out"]
        shifted = scores - scores.max(axis=-1, keepdims=True)
        log_probs = shifted - np.log(np.exp(shifted).sum(axis=-1, keepdims=True))
        one_hot = np.eye(scores.shape[-1], dtype=scores.dtype)[predict]
        loss = -float(np.sum(log_probs * one_hot)) / N
        dscores = (np.exp(log_probs) - one_hot) / N

        grads = {
            "W_out": np.einsum("ntk,ntv->kv", top, dscores),
            "b_out": np.einsum("ntv->v", dscores),
        }
        dtop = dscores @ p["W_out"].T
        if self.attention:
            E = context.shape[-1]
            dpre = dtop * (1 - top * top)
            grads["W_att"] = np.concatenate(
                [np.einsum("nte,ntk->ek", context, dpre), np.einsum("nth,ntk->hk", hs, dpre)], axis=0
            )
            grads["b_att"] = np.einsum("ntk->k", dpre)
            dcontext = dpre @ p["W_att"][:E].T
            dhs_query, dstates, grads["Wa"] = source_attention_backward(dcontext, attention_cache)
            dhs = dpre @ p["W_att"][E:].T + dhs_query
        else:
            dhs, dstates = dtop, np.zeros_like(states)
        dvectors = np.zeros_like(vectors)
        ddecoder = [np.zeros_like(w) for w in decoder]
        dcarry = np.zeros_like(h0)
        for t in range(T - 1, -1, -1):
            dvectors[:, t], dcarry, *dw = gru_step_backward(dhs[:, t] + dcarry, step_caches[t])
            ddecoder = [total + part for total, part in zip(ddecoder, dw, strict=True)]
        grads.update(zip(("dec_Wx", "dec_Wh", "dec_bx", "dec_bh"), ddecoder, strict=True))
        grads["W_tgt"] = np.zeros_like(p["W_tgt"])
        np.add.at(grads["W_tgt"], read, dvectors)
        grads.update(self.encode_backward(dstates, dcarry, encoder_cache))
        return loss, grads

    def decode(self, sources, length, targets=None):
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
        p = self.params
        states, h, mask, _ = self.encode(sources)
        forced = None if targets is None else targets[:, :length]
        char = np.zeros(len(sources), dtype=np.int64)  # <start>
        predictions, step_weights = [], []
        for t in range(length):
            if forced is not None:
                char = forced[:, t]
            hs, _ = gru_forward(p["W_tgt"][char][:, None, :], h, *self._decoder_weights())
            h = hs[:, 0]
            top = h
            if self.attention:
                (context, weights), _ = source_attention_forward(hs, states, mask, p["Wa"])
                step_weights.append(weights[:, 0])
                top = self._attentional(context[:, 0], h)
            char = np.argmax(top @ p["W_out"] + p["b_out"], axis=-1).astype(np.int64)
            predictions.append(char)
        predicted = np.stack(predictions, axis=1)
        return predicted, (np.stack(step_weights, axis=1) if self.attention else None)
