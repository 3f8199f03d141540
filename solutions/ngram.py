"""Counting baselines for a character language model (provided): add-k and interpolated Kneser-Ney n-grams.

Both read ids (integers in range(V)) and score the validation text by perplexity, exp of the mean
cross-entropy per character, the number notebook 7 reports for its recurrent models. Every position
that has n-1 characters before it is scored (all but the first n-1).

An n-gram is stored as one integer, its ids as digits in base V, so counting is np.unique over integers
and looking a count up is np.searchsorted: a 7-gram model of 400,000 characters takes about a second.
"""

import numpy as np


def ngram_codes(ids, n, V):
    """Every n-gram of ids as one integer: codes[i] encodes ids[i : i + n] in base V.

    Shape (len(ids) - n + 1,).
    """
    if V**n >= 2**63:
        raise ValueError(f"{n}-grams over {V} symbols do not fit in 64-bit integers")
    ids = np.asarray(ids, dtype=np.int64)
    codes = np.zeros(len(ids) - n + 1, dtype=np.int64)
    for i in range(n):
        codes = codes * V + ids[i : len(ids) - n + 1 + i]
    return codes


def lookup(keys, values, queries):
    """values[j] where keys[j] == query (keys sorted and unique), 0 where a query is not among the keys."""
    position = np.minimum(np.searchsorted(keys, queries), len(keys) - 1)
    return np.where(keys[position] == queries, values[position], 0)


def add_k_perplexity(train_ids, val_ids, n, k, V):
    """Perplexity of the add-k n-gram model: p(c | h) = (count(h c) + k) / (count(h) + kV).

    count(h) counts the context where a character follows it (every position but the last).
    """
    grams = ngram_codes(val_ids, n, V)
    keys, counts = np.unique(ngram_codes(train_ids, n, V), return_counts=True)
    if n > 1:
        context_keys, context_counts = np.unique(ngram_codes(train_ids[:-1], n - 1, V), return_counts=True)
        context_total = lookup(context_keys, context_counts, grams // V)
    else:
        context_total = len(train_ids)
    p = (lookup(keys, counts, grams) + k) / (context_total + k * V)
    return float(np.exp(-np.mean(np.log(p))))


def kneser_ney_perplexity(train_ids, val_ids, n, V):
    """Perplexity of the interpolated Kneser-Ney n-gram model on val_ids (see kneser_ney_probabilities)."""
    return float(np.exp(-np.mean(np.log(kneser_ney_probabilities(train_ids, val_ids, n, V)))))


def kneser_ney_probabilities(train_ids, val_ids, n, V):
    """p(val_ids[i] | the n-1 before it) for i = n-1 .. len(val_ids)-1, from counts in train_ids.

    The model is interpolated Kneser-Ney (Kneser & Ney, 1995; Chen & Goodman, 1999).
    For each order m = 1..n, with h the m-1 characters before c and h' the last m-2 of them:

        p_m(c | h) = max(N(h c) - D_m, 0) / N(h) + D_m * types(h) / N(h) * p_{m-1}(c | h')

    N(h c) is the count of the m-gram for the highest order and its continuation count (how many
    different characters precede it) for the lower ones; N(h) sums it over c and types(h) counts the
    c with N(h c) > 0. A context never seen (N(h) = 0) falls back to p_{m-1}. The discount is
    D_m = n1 / (n1 + 2 n2), n1 and n2 the numbers of m-grams with N = 1 and 2 (0.5 if n1 = 0, which
    would leave nothing for unseen characters); p_0 is uniform over V.

    Inputs: train_ids, val_ids: 1-d int arrays of ids in range(V); n >= 1.
    Returns p, shape (len(val_ids) - n + 1,).
    """
    p = np.full(len(val_ids) - n + 1, 1.0 / V)
    for m in range(1, n + 1):
        grams = ngram_codes(val_ids[n - m :], m, V)  # the last m characters of every scored n-gram
        if m == n:  # the highest order counts occurrences
            keys, counts = np.unique(ngram_codes(train_ids, m, V), return_counts=True)
        else:  # the lower ones count continuations: distinct characters seen before the m-gram
            longer = np.unique(ngram_codes(train_ids, m + 1, V))
            keys, counts = np.unique(longer % V**m, return_counts=True)
        n1, n2 = np.sum(counts == 1), np.sum(counts == 2)
        discount = n1 / (n1 + 2 * n2) if n1 > 0 else 0.5  # without singletons, the estimate says nothing
        contexts, first = np.unique(keys // V, return_index=True)
        context_total = np.add.reduceat(counts, first)
        context_types = np.diff(np.append(first, len(keys)))
        total = lookup(contexts, context_total, grams // V)
        types = lookup(contexts, context_types, grams // V)
        seen = total > 0
        count = lookup(keys, counts, grams)
        p = np.where(
            seen,
            np.maximum(count - discount, 0) / np.maximum(total, 1)
            + discount * types / np.maximum(total, 1) * p,
            p,
        )
    return p
