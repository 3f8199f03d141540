"""Fair test: LSTM from the mean region vs attention LSTM (h0 from the mean region, attends), and 05's LSTM."""
import os, sys, time, numpy as np
sys.path.insert(0, '/work/attn')
from solutions.coco_utils import load_coco_data, captions_by_image, decode_captions
from solutions.captioning_solver import CaptioningSolver
from solutions.captioning_rnn import CaptioningRNN
from solutions.attention_captioning import AttentionCaptioningRNN, attention_features, mean_region_features
from solutions.bleu import model_bleu
from solutions.scene_meaning import scene_meaning
data = load_coco_data(spatial=True)
truth = [scene_meaning(r[0]) for r in captions_by_image(data, "val")]
two = [i for i, t in enumerate(truth) if len(t) == 3]; one = [i for i, t in enumerate(truth) if len(t) == 2]
epochs = int(os.environ.get("EPOCHS", "3"))
for seed in [int(s) for s in sys.argv[1:]]:
    W = data["word_to_idx"]
    for name, model, d in (
        ("mean-lstm", CaptioningRNN(W, input_dim=16, wordvec_dim=64, hidden_dim=128, cell_type="lstm", seed=seed), mean_region_features(data)),
        ("attention", AttentionCaptioningRNN(W, wordvec_dim=64, hidden_dim=128, seed=seed), attention_features(data)),
        ("pyramid-lstm", CaptioningRNN(W, input_dim=512, wordvec_dim=64, hidden_dim=128, cell_type="lstm", seed=seed), data),
    ):
        t = time.time()
        CaptioningSolver(model, d, update_rule="adam", optim_config={"learning_rate": 5e-3}, lr_decay=0.9, batch_size=100, num_epochs=epochs, verbose=False, seed=seed).train()
        said = [scene_meaning(c) for c in decode_captions(model.sample(d["val_features"], max_length=16), data["idx_to_word"])]
        acc = lambda idx: np.mean([said[i] == truth[i] for i in idx])
        print(seed, name, epochs, round(model_bleu(model, d)["BLEU-4"], 4), round(acc(range(500)), 3), round(acc(one), 3), round(acc(two), 3), f"{time.time()-t:.0f}s", flush=True)
