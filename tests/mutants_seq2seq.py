"""Realistic wrong versions of the sequence-to-sequence exercises (notebook 10): edits of the reference
solution's own text (tests/mutants.py's `edited`), in solutions/seq2seq.py's functions and Seq2Seq's
methods."""

from tests.mutants import Mutant, edited

MODULE = "seq2seq"


def mutant(function, name, hint, *pairs):
    return Mutant(function, name, edited(function, *pairs, module=MODULE), hint, module=MODULE)


BACKWARD_DIRECTION = "recurrent_forward(cell, x[:, ::-1], weights_backward)"
MASKED = "    scores = np.where(mask[:, None, :], scores, -np.inf)\n"
SOFTMAX = """    exp = np.exp(scores - scores.max(axis=2, keepdims=True))
    weights = exp / exp.sum(axis=2, keepdims=True)"""
SCORING_PATH = ' + np.einsum("nts,nte->nse", dscores, q) / E**0.5'
TEACHER = "inputs, outputs = targets[:, :-1], targets[:, 1:]"
ENCODE_BACKWARD = "grads.update(self.encode_backward(dstates, dh0, encoder_cache))"
STEP = '            h, _ = gru_step_forward(p["W_tgt"][previous], h, *self._decoder_weights())\n'
ATTEND = (
    "                (context, step_weights), _ = "
    'source_attention_forward(h[:, None], states, mask, p["Wa"])\n'
)
ATTENTIONAL = 'np.concatenate([context[:, 0], h], axis=1) @ p["W_att"] + p["b_att"]'
PREDICT = (
    '            previous = np.argmax(top @ p["W_out"] + p["b_out"], axis=1)\n'
    "            predicted[:, t] = previous"
)

SEQ2SEQ_MUTANTS = [
    # ---- bidirectional_forward
    mutant(
        "bidirectional_forward",
        "the backward direction's states not reversed back",
        "in the wrong order",
        ("h_reversed[:, ::-1]], axis=2", "h_reversed], axis=2"),
    ),
    mutant(
        "bidirectional_forward",
        "the backward direction reads x forward",
        "Right when x reads the same backwards",
        (BACKWARD_DIRECTION, "recurrent_forward(cell, x, weights_backward)"),
    ),
    mutant(
        "bidirectional_forward",
        "neither the input nor the states reversed",
        "then its states reversed back",
        (BACKWARD_DIRECTION, "recurrent_forward(cell, x, weights_backward)"),
        ("h_reversed[:, ::-1]], axis=2", "h_reversed], axis=2"),
    ),
    mutant(
        "bidirectional_forward",
        "concatenated [backward | forward]",
        "The halves are swapped",
        ("[h_forward, h_reversed[:, ::-1]]", "[h_reversed[:, ::-1], h_forward]"),
    ),
    mutant(
        "bidirectional_forward",
        "weights_forward used for both directions",
        "runs with weights_backward",
        (BACKWARD_DIRECTION, "recurrent_forward(cell, x[:, ::-1], weights_forward)"),
    ),
    mutant(
        "bidirectional_forward",
        "reversed along the batch axis",
        "not the batch",
        (BACKWARD_DIRECTION, "recurrent_forward(cell, x[::-1], weights_backward)"),
    ),
    # ---- bidirectional_backward
    mutant(
        "bidirectional_backward",
        "the backward direction's dx not reversed back",
        "in reversed time order",
        ("dx_forward + dx_reversed[:, ::-1]", "dx_forward + dx_reversed"),
    ),
    mutant(
        "bidirectional_backward",
        "the backward half of dh not reversed",
        "must be reversed too",
        ("dh[:, ::-1, H:]", "dh[:, :, H:]"),
    ),
    mutant(
        "bidirectional_backward",
        "the halves of dh swapped",
        "gets the other's half of dh",
        ("dh[:, :, :H], cache_forward", "dh[:, :, H:], cache_forward"),
        ("dh[:, ::-1, H:]", "dh[:, ::-1, :H]"),
    ),
    mutant(
        "bidirectional_backward",
        "dx of the forward direction only",
        "dx misses the backward direction",
        ("dx = dx_forward + dx_reversed[:, ::-1]", "dx = dx_forward"),
    ),
    mutant(
        "bidirectional_backward",
        "the directions' gradients returned backward first",
        "are swapped",
        ("return dx, dweights_forward, dweights_backward", "return dx, dweights_backward, dweights_forward"),
    ),
    # ---- stacked_forward
    mutant(
        "stacked_forward",
        "every layer reads x",
        "each reading the states of the layer below",
        ("bidirectional_forward(h, weights_forward", "bidirectional_forward(x, weights_forward"),
    ),
    mutant(
        "stacked_forward",
        "the layers run top first",
        "the layers run bottom first",
        ("weights_backward in layers:", "weights_backward in reversed(layers):"),
    ),
    mutant(
        "stacked_forward",
        "each layer's pair read as (backward, forward)",
        "Even one layer is wrong",
        (
            "for weights_forward, weights_backward in layers",
            "for weights_backward, weights_forward in layers",
        ),
    ),
    mutant(
        "stacked_forward",
        "the cell not passed on",
        "should be the GRU's tuple",
        ("weights_forward, weights_backward, cell)", "weights_forward, weights_backward)"),
    ),
    # ---- stacked_backward
    mutant(
        "stacked_backward",
        "the layers' gradients returned top first",
        "top layer first",
        ("    dlayers.reverse()\n", ""),
    ),
    mutant(
        "stacked_backward",
        "the layers walked bottom first",
        "walk the layers from the top down",
        ("for layer_cache in reversed(cache):", "for layer_cache in cache:"),
    ),
    mutant(
        "stacked_backward",
        "every layer gets the top layer's dh",
        "The top layer is right, the layers below are not",
        (
            "dx, dweights_forward, dweights_backward = bidirectional_backward(dx, layer_cache)",
            "dx, dweights_forward, dweights_backward = bidirectional_backward(dh, layer_cache)",
        ),
    ),
    mutant(
        "stacked_backward",
        "each layer's gradients as (backward, forward)",
        "Each entry of dlayers is (dweights_forward, dweights_backward)",
        (
            "dlayers.append((dweights_forward, dweights_backward))",
            "dlayers.append((dweights_backward, dweights_forward))",
        ),
    ),
    # ---- source_attention_forward
    mutant(
        "source_attention_forward",
        "the mask not applied",
        "to -np.inf before the softmax",
        (MASKED, ""),
    ),
    mutant(
        "source_attention_forward",
        "padding given a score of 0 instead of -inf",
        "to -np.inf before the softmax",
        ("np.where(mask[:, None, :], scores, -np.inf)", "np.where(mask[:, None, :], scores, 0.0)"),
    ),
    mutant(
        "source_attention_forward",
        "the weights masked after the softmax",
        "not the weights after it",
        (MASKED, ""),
        (
            "weights = exp / exp.sum(axis=2, keepdims=True)",
            "weights = exp / exp.sum(axis=2, keepdims=True) * mask[:, None, :]",
        ),
    ),
    mutant(
        "source_attention_forward",
        "softmax over the target steps",
        "over the source positions",
        (SOFTMAX, SOFTMAX.replace("axis=2", "axis=1")),
    ),
    mutant(
        "source_attention_forward",
        "scores not divided by sqrt(E)",
        "divided by sqrt(E)",
        (" / E**0.5", ""),
    ),
    mutant(
        "source_attention_forward",
        "scores divided by sqrt(H)",
        "divided by sqrt(E)",
        (" / E**0.5", " / h.shape[2] ** 0.5"),
    ),
    mutant(
        "source_attention_forward",
        "the context from the unnormalised exponentials",
        "with the normalised weights",
        ('np.einsum("nts,nse->nte", weights, states)', 'np.einsum("nts,nse->nte", exp, states)'),
    ),
    mutant(
        "source_attention_forward",
        "no maximum subtracted before exp",
        "subtract each row's maximum",
        ("np.exp(scores - scores.max(axis=2, keepdims=True))", "np.exp(scores)"),
    ),
    # ---- source_attention_backward
    mutant(
        "source_attention_backward",
        "dstates misses the scoring path",
        "Each state is used twice",
        (SCORING_PATH, ""),
    ),
    mutant(
        "source_attention_backward",
        "dstates misses the context path",
        "Each state is used twice",
        ('np.einsum("nts,nte->nse", weights, dcontext) + ', ""),
    ),
    mutant(
        "source_attention_backward",
        "softmax gradient without the - sum(w * dw) term",
        "dh must be 0",
        (
            "dscores = weights * (dweights - np.sum(weights * dweights, axis=2, keepdims=True))",
            "dscores = weights * dweights",
        ),
    ),
    mutant(
        "source_attention_backward",
        "dq not divided by sqrt(E)",
        "From dq[n, t] = sum_s dscores",
        ('np.einsum("nts,nse->nte", dscores, states) / E**0.5', 'np.einsum("nts,nse->nte", dscores, states)'),
    ),
    mutant(
        "source_attention_backward",
        "dWa from the last target step only",
        "over every n and t",
        ('dWa = np.einsum("nth,nte->he", h, dq)', "dWa = h[:, -1].T @ dq[:, -1]"),
    ),
    # ---- Seq2Seq.loss
    mutant(
        "Seq2Seq.loss",
        "teacher forcing reads targets[:, 1:]",
        "reads targets[:, :-1]",
        (TEACHER, "inputs, outputs = targets[:, 1:], targets[:, 1:]"),
    ),
    mutant(
        "Seq2Seq.loss",
        "teacher forcing predicts targets[:, :-1]",
        "reads targets[:, :-1]",
        (TEACHER, "inputs, outputs = targets[:, :-1], targets[:, :-1]"),
    ),
    mutant(
        "Seq2Seq.loss",
        "the decoder starts from zeros",
        "Right only when h0 = 0",
        ("gru_forward(x, h0, ", "gru_forward(x, np.zeros_like(h0), "),
    ),
    mutant(
        "Seq2Seq.loss",
        "the attentional state without tanh",
        "the attentional state is tanh(",
        ("top = np.tanh(a)", "top = a"),
    ),
    mutant(
        "Seq2Seq.loss",
        "[h | context] instead of [context | h]",
        "the context first",
        ("np.concatenate([context, h], axis=2)", "np.concatenate([h, context], axis=2)"),
    ),
    mutant(
        "Seq2Seq.loss",
        "attention ignores the padding",
        "attend with the mask",
        (
            'source_attention_forward(h, states, mask, p["Wa"])',
            'source_attention_forward(h, states, np.ones_like(mask), p["Wa"])',
        ),
    ),
    mutant(
        "Seq2Seq.loss",
        "the encoder gets no gradient from the attention",
        "miss the attention's path",
        (ENCODE_BACKWARD, "grads.update(self.encode_backward(np.zeros_like(states), dh0, encoder_cache))"),
    ),
    mutant(
        "Seq2Seq.loss",
        "the encoder gets no gradient through h0",
        "needs dh0",
        (ENCODE_BACKWARD, "grads.update(self.encode_backward(dstates, np.zeros_like(dh0), encoder_cache))"),
    ),
    mutant(
        "Seq2Seq.loss",
        "the query's gradient dropped from dh",
        "h is used twice",
        ("dh = dboth[:, :, E:] + dh_query", "dh = dboth[:, :, E:]"),
    ),
    mutant(
        "Seq2Seq.loss",
        "no tanh derivative in the backward pass",
        "its tanh's derivative",
        (
            "temporal_affine_backward(dtop * (1 - top**2), att_cache)",
            "temporal_affine_backward(dtop, att_cache)",
        ),
    ),
    # ---- Seq2Seq.decode
    mutant(
        "Seq2Seq.decode",
        "teacher forced, it reads its own prediction",
        "never its own prediction",
        ("                previous = targets[:, t]\n", "                pass\n"),
    ),
    mutant(
        "Seq2Seq.decode",
        "teacher forcing off by one (targets[:, t + 1])",
        "the first step reads targets[:, 0]",
        ("previous = targets[:, t]", "previous = targets[:, t + 1]"),
    ),
    mutant(
        "Seq2Seq.decode",
        "free running, every step reads <start>",
        "Right teacher forced, wrong free running",
        (PREDICT, '            predicted[:, t] = np.argmax(top @ p["W_out"] + p["b_out"], axis=1)'),
    ),
    mutant(
        "Seq2Seq.decode",
        "the decoder starts from zeros",
        "The first character is already wrong",
        (
            "        previous = np.zeros(N, dtype=np.int64)\n",
            "        previous = np.zeros(N, dtype=np.int64)\n        h = np.zeros_like(h)\n",
        ),
    ),
    mutant(
        "Seq2Seq.decode",
        "the attentional state without tanh",
        "Right without attention, wrong with it",
        (f"np.tanh({ATTENTIONAL})", ATTENTIONAL),
    ),
    mutant(
        "Seq2Seq.decode",
        "attends with the state before the step",
        "Right without attention, wrong with it",
        (
            STEP + "            top = h\n            if self.attention:\n" + ATTEND,
            "            if self.attention:\n"
            + ATTEND
            + STEP
            + "            top = h\n            if self.attention:\n",
        ),
    ),
    mutant(
        "Seq2Seq.decode",
        "attention ignores the padding",
        "Right without padding, wrong with it",
        ("h[:, None], states, mask, ", "h[:, None], states, np.ones_like(mask), "),
    ),
    mutant(
        "Seq2Seq.decode",
        "the attention weights not stored",
        "The characters are right but the weights are not",
        ("                weights[:, t] = step_weights[:, 0]\n", ""),
    ),
]
