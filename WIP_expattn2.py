import sys, time, numpy as np
sys.path.insert(0, '/work/attn')
from solutions.coco_utils import load_coco_data, decode_captions, captions_by_image
from solutions.captioning_solver import CaptioningSolver
from solutions.attention_captioning import AttentionCaptioningRNN
from solutions.bleu import leave_one_out_bleu
data = load_coco_data(base_dir='/work/main/datasets/coco_captioning', spatial=True)
pack = lambda s: np.concatenate([data[f"{s}_features"], data[f"{s}_regions"].reshape(len(data[f"{s}_regions"]), -1)], axis=1)
ad = {**data, "train_features": pack("train"), "val_features": pack("val")}
m = AttentionCaptioningRNN(data["word_to_idx"], region_dim=16, wordvec_dim=64, hidden_dim=128, global_dim=512)
t = time.time()
CaptioningSolver(m, ad, update_rule="adam", optim_config={"learning_rate": 5e-3}, lr_decay=0.9, batch_size=100, num_epochs=3, verbose=False).train()
print("took", time.time() - t, flush=True)
caps, w = m.sample(ad["val_features"], max_length=16, return_weights=True)
print(leave_one_out_bleu(decode_captions(caps, data["idx_to_word"]), captions_by_image(data, "val")))
print("mean max weight", w[:, :5].max(axis=2).mean(), "entropy", -(w[:, :5]*np.log(w[:, :5]+1e-12)).sum(2).mean())
