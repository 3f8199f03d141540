"""The attention captioner (provided): its gradient, its feature layout, and that it learns a toy set."""

import numpy as np
import pytest

from solutions.attention_captioning import AttentionCaptioningRNN, attention_features, region_positions
from solutions.gradient_check import eval_numerical_gradient, normwise_rel_error

WORDS = ["<NULL>", "<START>", "<END>", "a", "red", "blue", "circle", "square"]
W2I = {w: i for i, w in enumerate(WORDS)}


def model(**kw):
    dims = {"num_regions": 3, "region_dim": 2, "wordvec_dim": 4, "hidden_dim": 6, "dtype": np.float64}
    return AttentionCaptioningRNN(W2I, **{**dims, **kw})


def test_the_whole_models_gradient_matches_a_numeric_one():
    m = model(seed=1)
    rng = np.random.RandomState(0)
    features = rng.randn(2, 3, 2)
    captions = np.array([[1, 3, 4, 6, 2, 0], [1, 3, 5, 7, 2, 2]])
    loss, grads = m.loss(features, captions)
    for name in m.params:
        numeric = eval_numerical_gradient(lambda _: m.loss(features, captions)[0], m.params[name], h=1e-6)
        assert normwise_rel_error(grads[name], numeric) < 1e-6, name


def test_the_regions_carry_their_row_and_column():
    assert np.array_equal(region_positions(4), [[-1, -1], [-1, 1], [1, -1], [1, 1]])
    assert np.allclose(region_positions(16)[6], [-1 / 3, 1 / 3])  # row 1, column 2 of the 4 x 4 grid
    with pytest.raises(ValueError, match="square grid"):
        region_positions(6)
    data = {f"{s}_regions": np.arange(24.0).reshape(2, 4, 3) + i for i, s in enumerate(["train", "val"])}
    features = attention_features(data)["val_features"]
    assert features.shape == (2, 4, 5)
    assert np.array_equal(features[..., :3], data["val_regions"])
    assert np.array_equal(features[1, :, 3:], region_positions(4))
    with pytest.raises(ValueError, match=r"regions of shape \(N, 3, 2\).*attention_features"):
        model().loss(np.zeros((2, 5)), np.array([[1, 2], [1, 2]]))


def test_h0_starts_from_the_mean_region():
    m = model(seed=3)
    regions = np.random.RandomState(0).randn(2, 3, 2)
    shuffled = regions[:, [2, 0, 1]]
    m.params["Wa"][:] = 0  # uniform attention: the order of the regions then cannot matter anywhere
    assert np.allclose(m.sample(regions, 4), m.sample(shuffled, 4))
    loss = m.loss(regions, np.array([[1, 3, 4, 2], [1, 5, 7, 2]]))[0]
    assert np.isclose(loss, m.loss(shuffled, np.array([[1, 3, 4, 2], [1, 5, 7, 2]]))[0])


def test_sampling_returns_where_the_model_looked():
    m = model(seed=2)
    captions, weights = m.sample(np.random.RandomState(1).randn(4, 3, 2), max_length=5, return_weights=True)
    assert captions.shape == (4, 5) and weights.shape == (4, 5, 3)
    written = captions != 0
    assert np.allclose(weights[written].sum(axis=1), 1)
