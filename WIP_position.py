"""Does the attention LSTM need to know where each region is? Regions + position code."""
import os, sys, time, numpy as np
sys.path.insert(0, '/work/attn')
from solutions.coco_utils import load_coco_data, captions_by_image, decode_captions
from solutions.captioning_solver import CaptioningSolver
from solutions.attention_captioning import AttentionCaptioningRNN
from solutions.bleu import model_bleu
from solutions.scene_meaning import scene_meaning
data = load_coco_data(spatial=True)
truth = [scene_meaning(r[0]) for r in captions_by_image(data, "val")]
two = [i for i, t in enumerate(truth) if len(t) == 3]; one = [i for i, t in enumerate(truth) if len(t) == 2]
kind = sys.argv[1]
rows, cols = np.divmod(np.arange(16), 4)
if kind == "onehot":
    code = np.eye(16)
else:
    code = np.stack([rows / 1.5 - 1, cols / 1.5 - 1], axis=1) * float(os.environ.get("SCALE", "1"))
d = dict(data)
for s in ("train", "val"):
    r = data[f"{s}_regions"]
    d[f"{s}_features"] = np.concatenate([r, np.broadcast_to(code, (len(r), 16, code.shape[1]))], axis=2).astype(np.float32)
for seed in [int(s) for s in sys.argv[2:]]:
    model = AttentionCaptioningRNN(data["word_to_idx"], region_dim=d["train_features"].shape[2], wordvec_dim=64, hidden_dim=128, seed=seed)
    t = time.time()
    CaptioningSolver(model, d, update_rule="adam", optim_config={"learning_rate": 5e-3}, lr_decay=0.9, batch_size=100, num_epochs=3, verbose=False, seed=seed).train()
    said = [scene_meaning(c) for c in decode_captions(model.sample(d["val_features"], max_length=16), data["idx_to_word"])]
    acc = lambda idx: np.mean([said[i] == truth[i] for i in idx])
    print(seed, kind, round(model_bleu(model, d)["BLEU-4"], 4), round(acc(range(500)), 3), round(acc(one), 3), round(acc(two), 3), f"{time.time()-t:.0f}s", flush=True)
