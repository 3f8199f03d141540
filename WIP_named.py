import sys, pickle, numpy as np
sys.path.insert(0, '/work/attn')
from solutions.coco_utils import load_coco_data, captions_by_image, decode_captions, load_image
from solutions.captioning_solver import CaptioningSolver
from solutions.attention_captioning import AttentionCaptioningRNN, attention_features
from solutions.scene_meaning import scene_meaning, WORD_KINDS
data = load_coco_data(spatial=True); rd = attention_features(data)
seed = int(sys.argv[1])
try:
    m = pickle.load(open(f"/tmp/att{seed}.pkl", "rb"))
except Exception:
    m = AttentionCaptioningRNN(data["word_to_idx"], wordvec_dim=64, hidden_dim=128, seed=seed)
    CaptioningSolver(m, rd, update_rule="adam", optim_config={"learning_rate": 5e-3}, lr_decay=0.9, batch_size=100, num_epochs=3, verbose=False, seed=seed).train()
    pickle.dump(m, open(f"/tmp/att{seed}.pkl", "wb"))
PALETTE = {"red": (205, 30, 30), "green": (40, 160, 60), "blue": (40, 70, 210), "yellow": (235, 215, 20), "purple": (140, 50, 170)}
def colour_share(image, colour):
    close = np.abs(image.astype(int) - PALETTE[colour]).max(axis=2) <= 40
    return close.reshape(4, 16, 4, 16).mean(axis=(1, 3)).ravel()
truth = [scene_meaning(r[0]) for r in captions_by_image(data, "val")]
caps, weights = m.sample(rd["val_features"], max_length=16, return_weights=True)
res = {k: {"named": [], "other": [], "named_before": [], "other_before": []} for k in ("colour", "shape")}
for i, t in enumerate(truth):
    if len(t) != 3 or t[0][0] == t[2][0]:
        continue
    image = load_image(data["val_urls"][i])
    words = decode_captions(caps[i], data["idx_to_word"]).split()
    masks = {c: colour_share(image, c) > 0.02 for c in (t[0][0], t[2][0])}
    current = None
    for step, w in enumerate(words):
        if w in masks:
            current = w; kind = "colour"
        elif w in WORD_KINDS["shape"] and current:
            kind = "shape"
        else:
            continue
        other = [c for c in masks if c != current][0]
        named_only = masks[current] & ~masks[other]; other_only = masks[other] & ~masks[current]
        res[kind]["named"].append(weights[i, step][named_only].sum()); res[kind]["other"].append(weights[i, step][other_only].sum())
        if step:
            res[kind]["named_before"].append(weights[i, step-1][named_only].sum()); res[kind]["other_before"].append(weights[i, step-1][other_only].sum())
for k, v in res.items():
    print(seed, k, {a: round(float(np.mean(b)), 3) for a, b in v.items()}, len(v["named"]))
