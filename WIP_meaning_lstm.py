import sys, pickle, numpy as np
sys.path.insert(0,'/work/attn')
from solutions.scene_meaning import scene_meaning
from solutions.coco_utils import load_coco_data, captions_by_image, decode_captions
data=load_coco_data(base_dir='/work/main/datasets/coco_captioning')
refs=captions_by_image(data,'val')
truth=[scene_meaning(r[0]) for r in refs]
for name in ("lstm","gru","rnn"):
    m=pickle.load(open('/tmp/models05.pkl','rb'))[name]
    caps=decode_captions(m.sample(data['val_features'],max_length=16),data['idx_to_word'])
    said=[scene_meaning(c) for c in caps]
    one=[i for i,t in enumerate(truth) if len(t)==2]; two=[i for i,t in enumerate(truth) if len(t)==3]
    acc=lambda idx: np.mean([said[i]==truth[i] for i in idx])
    rel=np.mean([said[i] is not None and len(said[i])==3 and said[i][1]==truth[i][1] and said[i][0]==truth[i][0] for i in two])
    col=np.mean([said[i] is not None and len(said[i])==len(truth[i]) and all(a[0]==b[0] for a,b in zip([s for s in said[i] if isinstance(s,tuple)],[t for t in truth[i] if isinstance(t,tuple)])) for i in range(500)])
    print(name, "all right", acc(range(500)), "one object", acc(one), "two objects", acc(two), "colours right", col)
