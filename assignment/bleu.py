"""BLEU scores of generated captions (provided), computed by NLTK's corpus BLEU (Papineni et al., 2002).

Corpus BLEU-n: the geometric mean of the 1- to n-gram precisions of all candidates against their
references (counts clipped by the most any one reference has), times a brevity penalty.

Models and references are scored the same way, leave-one-out: against each image's references but one,
averaged over which one is left out. (Scoring a model against all 5 references and a reference against
the other 4 would favour the model: more references, more n-grams to match.)
"""

import warnings

import numpy as np

from .coco_utils import captions_by_image, decode_captions

WEIGHTS = {f"BLEU-{n}": tuple([1.0 / n] * n) for n in range(1, 5)}


def bleu_scores(candidates, references):
    """BLEU-1..4 of candidate captions against their references.

    Inputs:
    - candidates: one caption per image, each a list of words (or a string).
    - references: for each image, a list of reference captions (lists of words or strings).

    Returns a dict {"BLEU-1": float, ..., "BLEU-4": float}, each in [0, 1].
    """
    from nltk.translate.bleu_score import corpus_bleu  # NLTK takes a second to import: only when needed

    def words(caption):
        return caption.split() if isinstance(caption, str) else list(caption)

    candidates = [words(c) for c in candidates]
    references = [[words(r) for r in refs] for refs in references]
    if len(candidates) != len(references):
        raise ValueError(f"{len(candidates)} candidates but references for {len(references)} images")
    if any(not refs for refs in references):
        raise ValueError("every image needs at least one reference caption")
    with warnings.catch_warnings():
        # NLTK warns when some n-gram order has no match at all; the score is then (about) 0, as it should be.
        warnings.filterwarnings("ignore", message="\nThe hypothesis contains 0 counts", category=UserWarning)
        return {name: float(corpus_bleu(references, candidates, weights=w)) for name, w in WEIGHTS.items()}


def leave_one_out_bleu(candidates, references):
    """BLEU of candidates scored the way one held-out reference caption is scored, averaged over which.

    For k = 0..K-1 (K: the fewest references any image has), every image's k-th reference is set aside
    and the candidates are scored against the remaining K-1; the K scores are averaged. With
    candidates=None, the set-aside references themselves are the candidates: that is how well one
    human-style caption matches the others. A model caption and a reference caption are then scored
    against exactly the same reference sets, so their numbers can be compared.

    Inputs:
    - candidates: one caption per image (list of words or string), or None (see above).
    - references: for each image, a list of at least 2 reference captions.

    Returns a dict {"BLEU-1": float, ..., "BLEU-4": float}.
    """
    k_max = min(len(refs) for refs in references)
    if k_max < 2:
        raise ValueError("leave-one-out BLEU needs at least 2 references for every image")
    scores = []
    for k in range(k_max):
        held_out = [refs[k] for refs in references] if candidates is None else candidates
        scores.append(bleu_scores(held_out, [refs[:k] + refs[k + 1 :] for refs in references]))
    return {name: float(np.mean([s[name] for s in scores])) for name in WEIGHTS}


def model_bleu(
    model, data, split="val", beam_size=None, length_penalty=0.0, zero_features=False, max_images=None
):
    """Leave-one-out BLEU (see leave_one_out_bleu) of a captioning model's captions for a split's images.

    Greedy captions, or model.beam_search's with beam_size and length_penalty. zero_features=True
    scores the model on all-zero image features (what a blind model sees).
    """
    references = captions_by_image(data, split)
    features = data[f"{split}_features"][:max_images]
    if zero_features:
        features = np.zeros_like(features)
    max_length = data[f"{split}_captions"].shape[1] - 1
    if beam_size is None:
        captions = model.sample(features, max_length=max_length)
    else:
        captions = model.beam_search(features, max_length, beam_size, length_penalty)
    return leave_one_out_bleu(decode_captions(captions, data["idx_to_word"]), references[: len(features)])


def reference_bleu(data, split="val", max_images=None):
    """Leave-one-out BLEU of the references themselves: each one scored against the image's other ones.

    It says how well one human-style caption matches the others. It is not a ceiling: a caption that
    uses the most common words and phrasing of the references matches them better than a typical
    reference does, so a model can score above it.
    """
    return leave_one_out_bleu(None, captions_by_image(data, split)[:max_images])
