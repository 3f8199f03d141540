"""Draft of notebooks/09_attention_captioning.ipynb (run: python WIP_make_notebook_09.py). Not yet executed."""

import nbformat

cells = []


def md(text):
    cells.append(nbformat.v4.new_markdown_cell(text.strip("\n")))


def code(text):
    cells.append(nbformat.v4.new_code_cell(text.strip("\n")))


md(r"""
# 9. Attention: a captioner that looks where it writes

The captioner of notebook 5 sees the image once: its features set the first hidden state, and from then
on the network must remember everything it will need. To write "a red circle to the left of a blue
square" it has to carry both objects, their colours and where they are, through every word.

**Attention** (Bahdanau, Cho and Bengio, 2015; for captions, Xu et al., 2015, *Show, Attend and Tell*)
lets it look again. The image is kept as a grid of **regions**, and before every word the network
chooses where to look: it scores every region against its current state, turns the scores into weights
that sum to 1, and reads the weighted average of the regions, the **context**:

$$q = h_{t-1} W_a, \qquad s_l = \frac{v_l \cdot q}{\sqrt{R}}, \qquad \alpha = \text{softmax}(s), \qquad
c_t = \sum_{l=1}^{L} \alpha_l \, v_l$$

The context enters the LSTM's gates next to the word: $a = x_t W_x + h_{t-1} W_h + c_t W_c + b$.

![One step of the attention LSTM](figures/attention_lstm_step.svg)

You will write attention's forward and backward passes, the attention LSTM's step and sequence, then
train it and see where it looks while it writes each word.
""")
code("""
%load_ext autoreload
%autoreload 2

import time

import matplotlib.pyplot as plt
import numpy as np

from assignment.attention_captioning import AttentionCaptioningRNN, attention_features
from assignment.attention_layers import (
    attention_backward,
    attention_forward,
    attention_lstm_backward,
    attention_lstm_forward,
    attention_lstm_step_backward,
    attention_lstm_step_forward,
)
from assignment.bleu import model_bleu, reference_bleu
from assignment.captioning_rnn import CaptioningRNN
from assignment.captioning_solver import CaptioningSolver
from assignment.coco_utils import captions_by_image, decode_captions, load_coco_data, load_image
from assignment.gradient_check import eval_numerical_gradient_array, report_close
from assignment.scene_meaning import WORD_KINDS, scene_meaning
from checks import check, show
""")
md("""
## Regions

`load_coco_data(spatial=True)` adds a descriptor for each of the 4 x 4 regions of every image: the
same colour and orientation histograms as the image's features, for 16 x 16 pixels at a time, reduced
to 16 numbers (see `datasets/README.md`). Region $l$ is row $l // 4$, column $l \\% 4$ of the grid.

A context is a weighted average of what the regions hold, so it says *what* the model looked at, but
not *where* that was, and the captions say where ("to the left of", "at the top"). So each region also
carries its position: its row and column, scaled to $[-1, 1]$, as two more numbers, R = 18 in all.
(Transformers add positions to their inputs for the same reason.) `attention_features(data)` builds them.
""")
code("""
data = load_coco_data(spatial=True)
regions_data = attention_features(data)
print("regions:", data["train_regions"].shape, data["train_regions"].dtype)
print("with their positions:", regions_data["train_features"].shape)
print("row and column of regions 0, 1, 4 and 15:")
print(regions_data["train_features"][0, [0, 1, 4, 15], 16:])
image = load_image(data["val_urls"][0])
plt.figure(figsize=(3, 3))
plt.imshow(image)
for k in range(1, 4):
    plt.axhline(16 * k - 0.5, color="white", lw=0.8)
    plt.axvline(16 * k - 0.5, color="white", lw=0.8)
plt.axis("off")
plt.title("the 4 x 4 regions")
plt.show()
""")
md(r"""
## Attention, forward

For a batch of hidden states $h$ (N, H) and regions (N, L, R), with the query projection $W_a$ (H, R):
the query $q = h W_a$, one score per region $s_{nl} = v_{nl} \cdot q_n / \sqrt{R}$, the weights
$\alpha_n = \text{softmax}(s_n)$ over the L regions, and the context $c_n = \sum_l \alpha_{nl} v_{nl}$.

This is *scaled dot-product attention* with a learned query (Luong et al.'s "general" score, scaled as in
Vaswani et al., 2017). Dividing by $\sqrt{R}$ keeps the scores of random vectors near unit size, so the
softmax does not start out saturated. Subtract each row's maximum score before exponentiating, as in
`temporal_softmax_loss`. Fill in `attention_forward` in `assignment/attention_layers.py`.
""")
code("check(attention_forward)")
code("""
h = np.linspace(-1.0, 1.0, num=2 * 3).reshape(2, 3)
regions = np.linspace(-0.8, 1.2, num=2 * 4 * 5).reshape(2, 4, 5)
Wa = np.linspace(-0.5, 0.7, num=3 * 5).reshape(3, 5)
(context, weights), _ = attention_forward(h, regions, Wa)
show("weights", weights)
show("context", context)
print("each row of weights sums to 1:", np.allclose(weights.sum(axis=1), 1))
""")
md(r"""
## Attention, backward

Go back through the three steps. The average: $\partial L / \partial \alpha_{nl} = \text{dcontext}_n \cdot
v_{nl}$, and each region gets $\alpha_{nl}\,\text{dcontext}_n$. The softmax: its Jacobian is
$\text{diag}(\alpha) - \alpha \alpha^\top$, so

$$\frac{\partial L}{\partial s_{nl}} = \alpha_{nl} \Big(\frac{\partial L}{\partial \alpha_{nl}} -
\sum_{k} \alpha_{nk} \frac{\partial L}{\partial \alpha_{nk}}\Big)$$

The scores: $\partial L / \partial q_n = \sum_l \frac{\partial L}{\partial s_{nl}} v_{nl} / \sqrt{R}$, and each
region gets a second term, $\frac{\partial L}{\partial s_{nl}} q_n / \sqrt{R}$. Last the projection:
$dh = dq\, W_a^\top$, $dW_a = h^\top dq$. Fill in `attention_backward`.
""")
code("check(attention_backward)")
code("""
rng = np.random.RandomState(0)
h, regions, Wa = rng.randn(3, 4), rng.randn(3, 5, 6), rng.randn(4, 6)
dcontext = rng.randn(3, 6)
_, cache = attention_forward(h, regions, Wa)
grads = attention_backward(dcontext, cache)
inputs = [h, regions, Wa]
for k, name in enumerate(["dh", "dregions", "dWa"]):

    def context_of(v, k=k):
        args = list(inputs)
        args[k] = v
        return attention_forward(*args)[0][0]

    report_close(name, grads[k], eval_numerical_gradient_array(context_of, inputs[k], dcontext), tol=1e-7)
""")
md(r"""
## An LSTM that looks before it writes

One step: the previous hidden state chooses where to look, and what it sees enters all four gates,
in the order i, f, o, g of notebook 2:

$$(c_t, \alpha_t) = \text{attention}(h_{t-1}, v, W_a), \qquad
a = x_t W_x + h_{t-1} W_h + c_t W_c + b$$

and then the LSTM's $c$ and $h$ as before. Its backward pass is the LSTM step's with one more input:
$\text{dcontext} = da\, W_c^\top$ goes back through `attention_backward`, and the $dh$ that comes out of it
**adds** to $dprev\_h$, because $h_{t-1}$ reaches the gates twice, directly and as the query. Fill in
`attention_lstm_step_forward` and `attention_lstm_step_backward`.
""")
code("check(attention_lstm_step_forward)")
code("check(attention_lstm_step_backward)")
md("""
Over a sequence: the regions are the same at every step, so their gradient (and every weight's) adds up
over the steps. Fill in `attention_lstm_forward` (h (N, T, H) and the weights of every step, (N, T, L))
and `attention_lstm_backward`.
""")
code("check(attention_lstm_forward)")
code("check(attention_lstm_backward)")
code("""
rng = np.random.RandomState(1)
N, T, D, H, L, R = 2, 4, 3, 5, 6, 4
args = [rng.randn(N, T, D), rng.randn(N, H), rng.randn(N, L, R)]
args += [0.5 * rng.randn(D, 4 * H), 0.5 * rng.randn(H, 4 * H), 0.5 * rng.randn(R, 4 * H)]
args += [0.5 * rng.randn(4 * H), rng.randn(H, R)]
h, weights, cache = attention_lstm_forward(*args)
dh = rng.randn(*h.shape)
grads = attention_lstm_backward(dh, cache)
for k, name in enumerate(["dx", "dh0", "dregions", "dWx", "dWh", "dWc", "db", "dWa"]):

    def hidden(v, k=k):
        changed = list(args)
        changed[k] = v
        return attention_lstm_forward(*changed)[0]

    report_close(name, grads[k], eval_numerical_gradient_array(hidden, args[k], dh), tol=1e-7)
""")
md("""
## Training: does looking help?

A fair test gives both models the same information about the image, and the same everything else: 128
hidden units, 64-dimensional word vectors, 3 epochs with notebook 5's solver and settings.

- **LSTM**: notebook 5's captioner. Its 512 features hold the histograms of the same 16 regions in a
  fixed layout, with those of the whole image and its 4 quarters: everything, at once, in h0.
- **attention LSTM**: h0 from the mean of the regions, which says which colours and edges the image
  holds but not where (Xu et al. start from the mean too); then one look at the regions per word.

Training takes about 3 minutes on 2 cores; the attention LSTM takes longer, as every step also scores
16 regions.
""")
code("""
# NBVAL_IGNORE_OUTPUT
# (not compared: progress bars and times)
def train(model, train_data, label):
    solver = CaptioningSolver(
        model,
        train_data,
        update_rule="adam",
        optim_config={"learning_rate": 5e-3},
        lr_decay=0.9,
        batch_size=100,
        num_epochs=3,
        verbose=False,
        progress=label,
        seed=0,
    )
    started = time.perf_counter()
    solver.train()
    print(f"{label}: 3 epochs took {time.perf_counter() - started:.0f} s")
    return model


word_to_idx = data["word_to_idx"]
lstm = train(CaptioningRNN(word_to_idx, input_dim=512, wordvec_dim=64, hidden_dim=128, cell_type="lstm"), data, "LSTM")
attending = train(AttentionCaptioningRNN(word_to_idx, wordvec_dim=64, hidden_dim=128), regions_data, "attention LSTM")
models = {"LSTM": (lstm, data), "attention LSTM": (attending, regions_data)}  # name: (model, the data it reads)
""")
md("""
## Scores: BLEU, and whether a caption says the right thing

BLEU under notebook 5's protocol (leave-one-out), and a stricter test that this data set's grammar
allows: does a caption say what the references say? `scene_meaning` reads a caption's objects and their
relation off its words, ignoring wording and sizes, so "a red circle to the left of a blue square" and
"there is a blue square to the right of a red circle" mean the same. All 5 references of every
validation image agree on it. The table splits the images with one object from those with two, where
the caption must also say which object is where.
""")
code("""
# NBVAL_IGNORE_OUTPUT
# (not compared: the numbers depend on the last bits of rounding during training)
val_refs = captions_by_image(data, "val")
truth = [scene_meaning(refs[0]) for refs in val_refs]
parts = {
    "all": range(len(truth)),
    "one object": [i for i, meaning in enumerate(truth) if len(meaning) == 2],
    "two objects": [i for i, meaning in enumerate(truth) if len(meaning) == 3],
}
bleu4, right = {}, {}
print(f"{'':24s} BLEU-4   says what the references say: all  one object  two objects")
for name, (model, model_data) in models.items():
    written = decode_captions(model.sample(model_data["val_features"], max_length=16), data["idx_to_word"])
    said = [scene_meaning(caption) for caption in written]
    bleu4[name] = model_bleu(model, model_data)["BLEU-4"]
    right[name] = {part: np.mean([said[i] == truth[i] for i in images]) for part, images in parts.items()}
    r = right[name]
    print(f"{name:24s} {bleu4[name]:6.3f}   {r['all']:36.0%} {r['one object']:11.0%} {r['two objects']:12.0%}")
references = reference_bleu(data)["BLEU-4"]
print(f"{'references (held out)':24s} {references:6.3f}")
print(f"validation images: {len(parts['one object'])} with one object, {len(parts['two objects'])} with two")
""")
md("""
The numbers change a little from machine to machine, so the next cell prints verdicts with a margin.
""")
code("""
lstm_right, attention_right = right["LSTM"], right["attention LSTM"]
print("BLEU-4 of the two models within 0.05 of each other:", abs(bleu4["attention LSTM"] - bleu4["LSTM"]) < 0.05)
print("attention LSTM says what the references say for at least 15 points more images:", attention_right["all"] >= lstm_right["all"] + 0.15)
print("... and for two objects, at least 20 points more:", attention_right["two objects"] >= lstm_right["two objects"] + 0.2)
gap = {part: attention_right[part] - lstm_right[part] for part in ("one object", "two objects")}
print("the gap wider for two objects than for one:", gap["two objects"] > gap["one object"])
print("both below the references' BLEU-4:", max(bleu4.values()) < references)
""")
md("""
BLEU-4 hardly tells the two models apart, but the meaning test does: the attention LSTM says what the
references say far more often, and the gap is widest on two-object scenes, where a caption must name
both objects and say which is where. BLEU counts shared word sequences: "a red circle to the left of a
blue square" and "a blue circle to the left of a red square" share most of theirs, and only one of
them is right.

Both models had the same 16 regions. Notebook 5's LSTM gets all of them at once, in its first state,
and must carry what it needs through every word; the attention LSTM starts from a summary that says
nothing about where, and reads the region it needs when it needs it. Without the positions, its
contexts could say what it saw but not where (question 2 asks you to try it).
""")
md("""
## Where does it look?

For a few validation images, the attention weights over the 4 x 4 regions while the model wrote each
word, drawn over the image (brighter: more weight).
""")
code("""
# NBVAL_IGNORE_OUTPUT
# (not compared: the weights depend on training)
picked = list(parts["two objects"][:3]) + list(parts["one object"][:1])
captions, weights = attending.sample(regions_data["val_features"][picked], max_length=16, return_weights=True)
for row, i in enumerate(picked):
    words = decode_captions(captions[row], data["idx_to_word"]).split() + ["<END>"]
    fig, axes = plt.subplots(1, len(words), figsize=(1.6 * len(words), 1.9))
    for t, (ax, word) in enumerate(zip(axes, words, strict=True)):
        ax.imshow(load_image(data["val_urls"][i]))
        ax.imshow(np.kron(weights[row, t].reshape(4, 4), np.ones((16, 16))), cmap="gray", alpha=0.6, vmin=0, vmax=weights[row].max())
        ax.set_title(word, fontsize=9)
        ax.axis("off")
    plt.show()
""")
md("""
## Where it looks, by kind of word

Over all validation images: how much of its attention the model puts on the regions that hold an object
(a region where at least 10 pixels are coloured rather than grey), while it writes each kind of word. If
it looked anywhere at random, that share would be the fraction of regions that hold an object (the grey
line).
""")
code("""
# NBVAL_IGNORE_OUTPUT
# (not compared: the weights depend on training)
def object_regions(image):
    # (16,) True where the region holds at least 10 coloured (not grey) pixels.
    saturation = image.max(axis=2).astype(int) - image.min(axis=2)
    return (saturation > 40).reshape(4, 16, 4, 16).sum(axis=(1, 3)).ravel() >= 10


captions, weights = attending.sample(regions_data["val_features"], max_length=16, return_weights=True)
share = {kind: [] for kind in (*WORD_KINDS, "other")}
chance = []
for i in range(len(captions)):
    holds = object_regions(load_image(data["val_urls"][i]))
    chance.append(holds.mean())
    for t, word in enumerate(decode_captions(captions[i], data["idx_to_word"]).split()):
        kind = next((k for k, words in WORD_KINDS.items() if word in words), "other")
        share[kind].append(weights[i, t][holds].sum())
fig, ax = plt.subplots(figsize=(6, 3.5))
ax.bar(list(share), [np.mean(v) for v in share.values()])
ax.axhline(np.mean(chance), color="grey", ls="--", label="looking at random")
ax.set(ylabel="attention on regions with an object", ylim=(0, 1))
ax.legend()
plt.show()
for kind, values in share.items():
    print(f"{kind:9s} {np.mean(values):.2f} of the attention on object regions ({len(values)} words)")
print(f"at random {np.mean(chance):.2f}")
""")
md("""
## Questions to think about

**Question 1.** The attention weights of a step are computed from $h_{t-1}$, before the word $x_t$ is read. What would change if they were computed from $h_t$ instead (Luong et al.'s order), and why might that be better or worse for captions?

**Question 2.** Train the attention LSTM on the regions without their positions:
`AttentionCaptioningRNN(word_to_idx, region_dim=16, wordvec_dim=64, hidden_dim=128)` on
`{**data, "train_features": data["train_regions"], "val_features": data["val_regions"]}`. Before you run
it: which columns of the table do you expect to fall, and which words of the captions will go wrong?

**Question 3.** How would you test whether the model's attention *explains* its words, rather than only correlating with them?

Write your answers in the cell below. (Your instructor has an answer key.)
""")
md("*Your answers:*")

nb = nbformat.v4.new_notebook(cells=cells)
nbformat.write(nb, "notebooks/09_attention_captioning.ipynb")
print(len(cells), "cells")
