"""What a layer function accepts (docs/conventions.md): bad arguments get a clear error, never a wrong number.

Every refusal is checked in solutions/ and in the student's stubs, whose provided argument checks run
before the TODO: a stub that still raises NotImplementedError shows the check did not catch the case.
"""

import importlib

import numpy as np
import pytest

PACKAGES = ["solutions", "assignment"]
N, T, D, H, V = 2, 3, 4, 5, 6


def module(package, name):
    return importlib.import_module(f"{package}.{name}")


def randn(*shape, seed=0):
    return np.random.RandomState(seed).randn(*shape)


def cell_args(cell, x):
    g = {"rnn": 1, "lstm": 4, "gru": 3}[cell]
    biases = [randn(g * H, seed=4), randn(g * H, seed=5)] if cell == "gru" else [randn(g * H, seed=4)]
    return [
        x,
        randn(x.shape[0], H, seed=2),
        randn(x.shape[-1], g * H, seed=3),
        randn(H, g * H, seed=6),
        *biases,
    ]


def refused(call, error, *fragments):
    with pytest.raises(error) as raised:
        call()
    message = str(raised.value)
    for fragment in fragments:
        assert fragment in message, message
    return message


@pytest.mark.parametrize("package", PACKAGES)
@pytest.mark.parametrize("bad", [-1, V])
def test_word_indices_out_of_range_are_refused_not_read_from_the_end(package, bad):
    layers = module(package, "rnn_layers")
    x = np.array([[0, 1, 2], [3, bad, 5]])
    refused(
        lambda: layers.word_embedding_forward(x, randn(V, D)), ValueError, "range(V)", f"got {bad} at x[1, 1]"
    )
    y = x.copy()
    refused(lambda: layers.temporal_softmax_loss(randn(N, T, V), y, np.ones((N, T), bool)), ValueError, "y")


@pytest.mark.parametrize("package", PACKAGES)
@pytest.mark.parametrize("value", [2, 0.5])
def test_a_mask_that_is_not_true_false_is_refused(package, value):
    layers = module(package, "rnn_layers")
    mask = np.full((N, T), value)
    y = np.zeros((N, T), dtype=int)
    refused(
        lambda: layers.temporal_softmax_loss(randn(N, T, V), y, mask), ValueError, "True/False", str(value)
    )


def test_a_mask_of_ones_and_zeros_means_the_same_as_true_and_false():
    from solutions.rnn_layers import temporal_softmax_loss

    x, y = randn(N, T, V), np.random.RandomState(1).randint(V, size=(N, T))
    mask = np.array([[1, 1, 0], [1, 0, 0]])
    as_ints, as_bools = temporal_softmax_loss(x, y, mask), temporal_softmax_loss(x, y, mask.astype(bool))
    assert as_ints[0] == as_bools[0] and np.array_equal(as_ints[1], as_bools[1])


@pytest.mark.parametrize("package", PACKAGES)
@pytest.mark.parametrize("cell", ["rnn", "lstm", "gru"])
def test_integer_values_are_refused_by_step_and_sequence_alike(package, cell):
    layers = module(package, "rnn_layers")
    ints = np.arange(N * T * D).reshape(N, T, D)
    sequence = getattr(layers, f"{cell}_forward")
    refused(lambda: sequence(*cell_args(cell, ints)), TypeError, "x should hold floating-point values", "int")
    step = getattr(layers, f"{cell}_step_forward")
    args = cell_args(cell, ints[:, 0])
    if cell == "lstm":
        args.insert(2, randn(N, H))
    refused(lambda: step(*args), TypeError, "x should hold floating-point values")


@pytest.mark.parametrize("cell", ["rnn", "lstm", "gru"])
def test_an_integer_upstream_gradient_is_refused_not_truncated(cell):
    from solutions import rnn_layers

    h, *_, cache = getattr(rnn_layers, f"{cell}_forward")(*cell_args(cell, randn(N, T, D)))
    dh = np.ones(h.shape, dtype=int)
    refused(
        lambda: getattr(rnn_layers, f"{cell}_backward")(dh, cache), TypeError, "dh should hold floating-point"
    )


@pytest.mark.parametrize("package", PACKAGES)
def test_a_list_is_refused_with_the_shape_it_should_have(package):
    layers = module(package, "rnn_layers")
    x, prev_h, Wx, Wh, b = cell_args("rnn", randn(N, D))
    refused(
        lambda: layers.rnn_step_forward(x, prev_h, Wx, Wh, list(b)),
        TypeError,
        "b should be a NumPy array of shape (H,)",
    )


@pytest.mark.parametrize("package", PACKAGES)
@pytest.mark.parametrize(("cell", "wrong", "expected"), [("lstm", 3, "(H, 4H)"), ("gru", 4, "(H, 3H)")])
def test_gate_blocks_of_the_wrong_count_are_named(package, cell, wrong, expected):
    layers = module(package, "rnn_layers")
    args = cell_args(cell, randn(N, T, D))
    args[3] = randn(H, wrong * H)
    refused(
        lambda: getattr(layers, f"{cell}_forward")(*args),
        ValueError,
        f"Wh should have shape {expected}",
        "H = 5",
    )


@pytest.mark.parametrize("package", PACKAGES)
@pytest.mark.parametrize("cell", ["rnn", "lstm", "gru"])
@pytest.mark.parametrize(("empty", "symbol"), [((0, T, D), "N"), ((N, 0, D), "T")])
def test_empty_batches_and_sequences_are_refused_forward(package, cell, empty, symbol):
    layers = module(package, "rnn_layers")
    args = cell_args(cell, np.zeros(empty))
    refused(lambda: getattr(layers, f"{cell}_forward")(*args), ValueError, f"{symbol} should be at least 1")


@pytest.mark.parametrize("package", PACKAGES)
def test_an_empty_batch_is_refused_by_the_loss(package):
    layers = module(package, "rnn_layers")
    refused(
        lambda: layers.temporal_softmax_loss(
            np.zeros((0, T, V)), np.zeros((0, T), int), np.zeros((0, T), bool)
        ),
        ValueError,
        "N should be at least 1",
    )


@pytest.mark.parametrize("package", PACKAGES)
def test_the_sampler_refuses_rows_with_no_distribution(package):
    char_lm = module(package, "char_lm")
    scores = randn(3, V)
    scores[1] = np.nan
    refused(lambda: char_lm.sample_with_temperature(scores), ValueError, "row 1 has nan")
    scores[1] = -np.inf
    refused(lambda: char_lm.sample_with_temperature(scores), ValueError, "row 1 has -inf")


def test_the_sampler_draws_with_a_generator_and_never_from_minus_infinity():
    from solutions.char_lm import CharRNN, sample_with_temperature

    scores = randn(4, V)
    scores[:, :3] = -np.inf  # a masked score is allowed; it is never drawn
    picks = sample_with_temperature(scores, rng=np.random.default_rng(0))
    assert picks.shape == (4,) and (picks >= 3).all()
    same = sample_with_temperature(scores, rng=np.random.default_rng(0))
    assert np.array_equal(picks, same)
    model = CharRNN(V, embed_dim=3, hidden_dim=4, seed=0)
    assert len(model.sample([1, 2], 5, rng=np.random.default_rng(1))) == 5
    refused(lambda: sample_with_temperature(scores, rng=0), TypeError, "RandomState or np.random.Generator")


def captioner(package, cell="lstm"):
    words = ["<NULL>", "<START>", "<END>", "a", "red", "circle"]
    model = module(package, "captioning_rnn").CaptioningRNN(
        {w: i for i, w in enumerate(words)}, input_dim=D, wordvec_dim=3, hidden_dim=H, cell_type=cell
    )
    return model


@pytest.mark.parametrize("package", PACKAGES)
def test_the_captioner_refuses_bad_captions_and_features(package):
    model = captioner(package)
    features = randn(N, D)
    captions = np.array([[1, 3, 4, 2], [1, 5, -1, 0]])
    refused(
        lambda: model.loss(features, captions), ValueError, "captions should hold indices in range(V)", "-1"
    )
    refused(lambda: model.loss(features, captions[:, :1] * 0 + 1), ValueError, "at least 2 columns")
    refused(
        lambda: model.loss(randn(N, D + 1), np.abs(captions)),
        ValueError,
        "features should have shape (N, D) with D = 4",
    )
    refused(lambda: model.sample(randn(N, D + 1)), ValueError, "features should have shape (N, D) with D = 4")


@pytest.mark.parametrize("package", PACKAGES)
@pytest.mark.parametrize("max_length", [-1, 0, 2.5, "10"])
def test_the_captioner_refuses_a_max_length_that_is_not_a_positive_whole_number(package, max_length):
    refused(lambda: captioner(package).sample(randn(N, D), max_length=max_length), ValueError, "max_length")


@pytest.mark.parametrize("package", PACKAGES)
def test_attention_arguments_of_the_wrong_shape_or_kind_are_refused(package):
    layers = module(package, "attention_layers")
    L, R = 7, 3
    h, regions, Wa = randn(N, H), randn(N, L, R, seed=1), randn(H, R, seed=2)
    refused(lambda: layers.attention_forward(h, regions[0], Wa), ValueError, "attention_forward", "regions")
    refused(lambda: layers.attention_forward(h, regions, Wa.T), ValueError, "attention_forward", "Wa")
    refused(lambda: layers.attention_forward(h, regions.tolist(), Wa), TypeError, "NumPy array")
    refused(lambda: layers.attention_forward(h.astype(int), regions, Wa), TypeError, "floating-point")
    x, c = randn(N, D, seed=3), randn(N, H, seed=4)
    Wx, Wh, Wc, b = randn(D, 4 * H), randn(H, 4 * H), randn(R, 4 * H), randn(4 * H)
    refused(
        lambda: layers.attention_lstm_step_forward(x, h, c, regions, Wx, Wh, randn(R, 3 * H), b, Wa),
        ValueError,
        "Wc",
    )
    refused(
        lambda: layers.attention_lstm_forward(randn(N, 0, D), h, regions, Wx, Wh, Wc, b, Wa), ValueError, "x"
    )


@pytest.mark.parametrize("package", PACKAGES)
def test_linear_recurrence_arguments_of_the_wrong_shape_or_kind_are_refused(package):
    layers = module(package, "linear_rnn")
    a, b, h0 = randn(N, T, H), randn(N, T, H, seed=1), randn(N, H, seed=2)
    for scan in (layers.linear_scan, layers.parallel_linear_scan):
        refused(lambda scan=scan: scan(a, b[:, :-1], h0), ValueError, scan.__name__, "b")
        refused(lambda scan=scan: scan(a, b, h0.T), ValueError, scan.__name__, "h0")
        refused(lambda scan=scan: scan(a.tolist(), b, h0), TypeError, "NumPy array")
        refused(lambda scan=scan: scan(a, b.astype(int), h0), TypeError, "floating-point")
    refused(lambda: layers.linear_scan_backward(a[:, :-1], a, h0, b), ValueError, "linear_scan_backward", "a")
    x = randn(N, T, D, seed=3)
    for name, blocks in (("mingru_forward", 2), ("minlstm_forward", 3)):
        forward = getattr(layers, name)
        Wx, bias = randn(D, blocks * H, seed=4), randn(blocks * H, seed=5)
        refused(lambda f=forward, b=bias: f(x, h0, randn(D, 4 * H), b), ValueError, name, "Wx")
        refused(lambda f=forward, w=Wx: f(x, h0, w, randn(4 * H)), ValueError, name, "b")
        refused(lambda f=forward, w=Wx, b=bias: f(randn(N, 0, D), h0, w, b), ValueError, "x")
        refused(lambda f=forward, w=Wx, b=bias: f(x.astype(np.float16).astype(int), h0, w, b), TypeError, "x")
