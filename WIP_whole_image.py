"""Fair test of attention: h0 from the whole image's histograms only (no spatial pyramid), regions for attention."""
import os, sys, numpy as np
sys.path.insert(0, '/work/attn')
from solutions.coco_utils import load_coco_data, captions_by_image, decode_captions
from solutions.captioning_solver import CaptioningSolver
from solutions.captioning_rnn import CaptioningRNN
from solutions.attention_captioning import AttentionCaptioningRNN, attention_features
from solutions.bleu import model_bleu
from solutions.scene_meaning import scene_meaning
raw = load_coco_data(pca_features=False, spatial=True)
data = dict(raw)
for s in ("train", "val"):
    f = raw[f"{s}_features"]
    whole = np.concatenate([f[:, :64], f[:, 1344:1350]], axis=1)  # the pyramid's level 0: the whole image
    data[f"{s}_features"] = ((whole - raw["train_features"][:, list(range(64)) + list(range(1344, 1350))].mean(0)) / 0.1).astype(np.float32)
ad = attention_features(data)
truth = [scene_meaning(r[0]) for r in captions_by_image(data, "val")]
two = [i for i, t in enumerate(truth) if len(t) == 3]; one = [i for i, t in enumerate(truth) if len(t) == 2]
epochs = int(os.environ.get("EPOCHS", "3"))
for seed in [int(s) for s in sys.argv[1:]]:
    for name, model, d in (("lstm", CaptioningRNN(data["word_to_idx"], input_dim=70, wordvec_dim=64, hidden_dim=128, cell_type="lstm", seed=seed), data),
                           ("attention", AttentionCaptioningRNN(data["word_to_idx"], input_dim=70, wordvec_dim=64, hidden_dim=128, seed=seed), ad)):
        CaptioningSolver(model, d, update_rule="adam", optim_config={"learning_rate": 5e-3}, lr_decay=0.9, batch_size=100, num_epochs=epochs, verbose=False, seed=seed).train()
        said = [scene_meaning(c) for c in decode_captions(model.sample(d["val_features"], max_length=16), data["idx_to_word"])]
        acc = lambda idx: np.mean([said[i] == truth[i] for i in idx])
        print(seed, name, round(model_bleu(model, d)["BLEU-4"], 4), round(acc(range(500)), 3), round(acc(one), 3), round(acc(two), 3), flush=True)
