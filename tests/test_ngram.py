"""The counting baselines of notebook 7: add-k and interpolated Kneser-Ney, against plain-Python versions."""

import collections
import itertools

import numpy as np
import pytest

from solutions.ngram import add_k_perplexity, kneser_ney_perplexity, kneser_ney_probabilities, ngram_codes

V = 5


def text(length, seed):
    # A text with structure (a noisy cycle), so that longer contexts help.
    rng = np.random.RandomState(seed)
    ids = np.arange(length) % 4
    noise = rng.rand(length) < 0.3
    ids[noise] = rng.randint(V, size=noise.sum())
    return ids


def kneser_ney_by_dicts(train, n, V):
    """p(c | history), interpolated Kneser-Ney written from the formula with dictionaries."""
    train = list(train)
    grams = {
        m: collections.Counter(tuple(train[i : i + m]) for i in range(len(train) - m + 1))
        for m in range(1, n + 1)
    }

    def counts(m):
        if m == n:
            return grams[m]
        return collections.Counter(g[1:] for g in grams[m + 1])  # distinct left extensions

    table = {m: counts(m) for m in range(1, n + 1)}
    discount = {}
    for m, c in table.items():
        n1, n2 = sum(v == 1 for v in c.values()), sum(v == 2 for v in c.values())
        discount[m] = n1 / (n1 + 2 * n2) if n1 else 0.5

    def p(c, history):
        prob = 1.0 / V
        for m in range(1, n + 1):
            h = tuple(history[len(history) - (m - 1) :]) if m > 1 else ()
            followers = {g[-1]: v for g, v in table[m].items() if g[:-1] == h}
            total = sum(followers.values())
            if total:
                d = discount[m]
                prob = max(followers.get(c, 0) - d, 0) / total + d * len(followers) / total * prob
        return prob

    return p


@pytest.mark.parametrize("n", [1, 2, 3, 4])
def test_kneser_ney_matches_its_formula_written_with_dictionaries(n):
    train, val = text(400, 0), text(60, 1)
    val[5] = 4  # a character after a context never seen
    expected = kneser_ney_by_dicts(train, n, V)
    p = kneser_ney_probabilities(train, val, n, V)
    assert p.shape == (len(val) - n + 1,)
    wanted = [expected(val[i], list(val[i - n + 1 : i])) for i in range(n - 1, len(val))]
    np.testing.assert_allclose(p, wanted, rtol=1e-12)


@pytest.mark.parametrize("n", [1, 3, 5])
def test_kneser_ney_probabilities_sum_to_one_after_any_context(n):
    train = text(2000, 2)
    for context in itertools.islice(itertools.product(range(V), repeat=n - 1), 40):
        candidates = np.array([list(context) + [c] for c in range(V)])
        total = sum(kneser_ney_probabilities(train, row, n, V)[0] for row in candidates)
        assert total == pytest.approx(1.0, abs=1e-12), context


def test_longer_contexts_help_on_a_structured_text_and_kneser_ney_beats_add_k():
    train, val = text(20000, 3), text(3000, 4)
    kn = [kneser_ney_perplexity(train, val, n, V) for n in (1, 2, 3)]
    assert kn[0] > kn[1] > kn[2]
    assert kn[2] < min(add_k_perplexity(train, val, 3, k, V) for k in (0.01, 0.1, 1.0))


def test_add_k_is_its_formula():
    train, val = np.array([0, 1, 0, 1, 1]), np.array([0, 1, 1])
    # bigrams of train: 01 01 10 11; p(1|0) = (2 + k) / (2 + kV), p(1|1) = (1 + k) / (2 + kV).
    k = 0.5
    p = [(2 + k) / (2 + k * V), (1 + k) / (2 + k * V)]
    assert add_k_perplexity(train, val, 2, k, V) == pytest.approx(np.exp(-np.mean(np.log(p))))


def test_codes_refuse_what_does_not_fit_in_64_bits():
    assert list(ngram_codes(np.array([1, 2, 3]), 2, 10)) == [12, 23]
    with pytest.raises(ValueError, match="do not fit in 64-bit"):
        ngram_codes(np.array([1, 2, 3]), 10, 100)
