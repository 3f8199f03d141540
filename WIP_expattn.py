import sys, time, numpy as np
sys.path.insert(0, '/work/attn')
from solutions.coco_utils import load_coco_data
from solutions.captioning_solver import CaptioningSolver
from solutions.attention_captioning import AttentionCaptioningRNN, with_regions
from solutions.bleu import leave_one_out_bleu
from solutions.coco_utils import decode_captions, captions_by_image
data = load_coco_data(base_dir='/work/main/datasets/coco_captioning', spatial=True)
ad = with_regions(data)
m = AttentionCaptioningRNN(data["word_to_idx"], region_dim=16, wordvec_dim=64, hidden_dim=128)
t = time.time()
s = CaptioningSolver(m, ad, update_rule="adam", optim_config={"learning_rate": 5e-3}, lr_decay=0.9, batch_size=100, num_epochs=int(sys.argv[1]), verbose=True, print_every=200)
s.train(); print("took", time.time() - t, flush=True)
caps = decode_captions(m.sample(ad["val_features"], max_length=16), data["idx_to_word"])
print(leave_one_out_bleu(caps, captions_by_image(data, "val")))
for c in caps[:8]: print(c)
