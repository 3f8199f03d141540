"""BLEU scores of generated captions (provided), computed by NLTK's corpus BLEU (Papineni et al., 2002).

Corpus BLEU-n: the geometric mean of the 1- to n-gram precisions of all candidates against their
references (counts clipped by the most any one reference has), times a brevity penalty.
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


def model_bleu(model, data, split="val", beam_size=None, zero_features=False, max_images=None):
    """BLEU of a captioning model's captions for the images of a split against all their references.

    zero_features=True scores the model on all-zero image features (what a blind model sees).
    """
    references = captions_by_image(data, split)
    features = data[f"{split}_features"][:max_images]
    if zero_features:
        features = np.zeros_like(features)
    captions = model.sample(features, max_length=data[f"{split}_captions"].shape[1] - 1, beam_size=beam_size)
    return bleu_scores(decode_captions(captions, data["idx_to_word"]), references[: len(features)])


def ceiling_bleu(data, split="val", max_images=None):
    """BLEU of the references themselves: each image's k-th caption against its other ones, averaged over k.

    No model can be expected to beat how well one human-style caption matches the others.
    """
    references = captions_by_image(data, split)[:max_images]
    k_max = min(len(refs) for refs in references)
    scores = [
        bleu_scores([refs[k] for refs in references], [refs[:k] + refs[k + 1 :] for refs in references])
        for k in range(k_max)
    ]
    return {name: float(np.mean([s[name] for s in scores])) for name in WEIGHTS}
