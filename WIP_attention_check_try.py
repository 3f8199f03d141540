import sys, types, numpy as np
sys.path.insert(0, '/work/attn')
import solutions.attention_layers as sol
from checks import attention as A
from checks.core import check_exercise, reference_outputs
from checks.notebook import format_report

refs = {e.name: reference_outputs(e, sol) for e in A.EXERCISES}
refs = {n: {k: {o: np.asarray(v) for o, v in c.items()} for k, c in r.items()} for n, r in refs.items()}

def variant(name, edits):
    src = open('/work/attn/solutions/attention_layers.py').read()
    for a, b in edits:
        assert a in src, a
        src = src.replace(a, b)
    m = types.ModuleType(name); m.__package__ = 'solutions'; m.__file__ = '/tmp/x.py'
    exec(compile(src.replace('from .rnn_layers', 'from solutions.rnn_layers').replace('from .shapes', 'from solutions.shapes'), name, 'exec'), m.__dict__)
    return m

cases = {
 "solution": (None, []),
 "softmax over the batch axis": ("attention_forward", [("exp = np.exp(scores - scores.max(axis=1, keepdims=True))\n    weights = exp / exp.sum(axis=1, keepdims=True)", "exp = np.exp(scores - scores.max(axis=0, keepdims=True))\n    weights = exp / exp.sum(axis=0, keepdims=True)")]),
 "context from unnormalised scores": ("attention_forward", [('context = np.einsum("nl,nlr->nr", weights, regions)', 'context = np.einsum("nl,nlr->nr", exp, regions)')]),
 "no sqrt scaling": ("attention_forward", [('scores = np.einsum("nlr,nr->nl", regions, q) / np.sqrt(R)', 'scores = np.einsum("nlr,nr->nl", regions, q)')]),
 "no max subtraction": ("attention_forward", [("exp = np.exp(scores - scores.max(axis=1, keepdims=True))", "exp = np.exp(scores)")]),
 "softmax grad missing the sum term": ("attention_backward", [("dscores = weights * (dweights - np.sum(weights * dweights, axis=1, keepdims=True))", "dscores = weights * dweights")]),
 "context's gradient not reaching the regions": ("attention_backward", [("dregions = weights[:, :, None] * dcontext[:, None, :] + dscores", "dregions = dscores")]),
 "dWa transposed wrong": ("attention_backward", [("dWa = h.T @ dq", "dWa = (dq.T @ h).T * 0.5")]),
}
for name, (fn, edits) in cases.items():
    m = variant(name, edits)
    for e in A.EXERCISES:
        if fn is not None and e.name != fn:
            continue
        r = check_exercise(e, m, refs)
        print(f"--- {name}: {e.name} {r.state}")
        if r.state != "done":
            print(format_report(r, len(e.cases)))

# an alternative correct implementation: loops over the batch, softmax via logsumexp
alt_src = '''
import numpy as np
from solutions.shapes import expect_shapes
def attention_forward(h, regions, Wa):
    N, L, R = regions.shape
    context, weights = np.zeros((N, R)), np.zeros((N, L))
    for n in range(N):
        s = regions[n] @ (Wa.T @ h[n]) / R ** 0.5
        m = s.max()
        w = np.exp(s - m - np.log(np.exp(s - m).sum()))
        weights[n] = w
        context[n] = w @ regions[n]
    return (context, weights), (h, regions, Wa, weights)
def attention_backward(dcontext, cache):
    h, regions, Wa, weights = cache
    N, L, R = regions.shape
    dh, dregions, dWa = np.zeros_like(h), np.zeros_like(regions), np.zeros_like(Wa)
    for n in range(N):
        w = weights[n]
        J = np.diag(w) - np.outer(w, w)          # the softmax's Jacobian
        ds = J @ (regions[n] @ dcontext[n])
        q = Wa.T @ h[n]
        dq = regions[n].T @ ds / R ** 0.5
        dregions[n] = np.outer(w, dcontext[n]) + np.outer(ds, q) / R ** 0.5
        dh[n] = Wa @ dq
        dWa += np.outer(h[n], dq)
    return dh, dregions, dWa
'''
alt = types.ModuleType("alt"); alt.__file__ = "/tmp/alt.py"; exec(alt_src, alt.__dict__)
for e in A.EXERCISES:
    print("alt", e.name, check_exercise(e, alt, refs).state)

print("=== step and sequence mutants")
more = {
 "context left out of the gates": ("attention_lstm_step_forward", [("a = x @ Wx + prev_h @ Wh + context @ Wc + b", "a = x @ Wx + prev_h @ Wh + b")]),
 "gates in the order f, i": ("attention_lstm_step_forward", [("i = sigmoid(a[:, :H])\n    f = sigmoid(a[:, H : 2 * H])", "f = sigmoid(a[:, :H])\n    i = sigmoid(a[:, H : 2 * H])")]),
 "query from x-projected state": ("attention_lstm_step_forward", [("attention_forward(prev_h, regions, Wa)", "attention_forward(np.tanh(prev_h), regions, Wa)")]),
 "query path's dh dropped": ("attention_lstm_step_backward", [("dprev_h = da @ Wh.T + dh_query", "dprev_h = da @ Wh.T")]),
 "dcontext from Wx": ("attention_lstm_step_backward", [("dcontext = da @ Wc.T", "dcontext = da @ Wc.T * 0.0")]),
 "step's cell state not carried": ("attention_lstm_forward", [("hs.append(prev_h)", "hs.append(prev_h)\n        prev_c = np.zeros_like(prev_c)")]),
 "dregions of one step only": ("attention_lstm_backward", [("dregions, dWx, dWh = dregions + dregions_t,", "dregions, dWx, dWh = dregions_t,")]),
 "gradient from the next step dropped": ("attention_lstm_backward", [("            dh[:, t] + dprev_h, dprev_c, cache[t]", "            dh[:, t], dprev_c, cache[t]")]),
 "cell gradient not carried": ("attention_lstm_backward", [("            dh[:, t] + dprev_h, dprev_c, cache[t]", "            dh[:, t] + dprev_h, 0 * dprev_c, cache[t]")]),
}
for name, (fn, edits) in more.items():
    try:
        m = variant(name, edits)
    except AssertionError as e:
        print("EDIT FAILED", name, e); continue
    e = next(x for x in A.EXERCISES if x.name == fn)
    r = check_exercise(e, m, refs)
    print(f"--- {name}: {e.name} {r.state}")
    print("  Hint:", r.hint)
