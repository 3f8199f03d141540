"""The captioning model, beam search, optimizers, solver (with exact resume) and BLEU."""

import itertools

import numpy as np
import pytest

from solutions import optim
from solutions.bleu import bleu_scores, leave_one_out_bleu, model_bleu, reference_bleu
from solutions.captioning_rnn import CaptioningRNN
from solutions.captioning_solver import CaptioningSolver
from solutions.gradient_check import eval_numerical_gradient, normwise_rel_error

WORDS = ["<NULL>", "<START>", "<END>", "<UNK>", "a", "red", "blue", "circle", "square"]
WORD_TO_IDX = {w: i for i, w in enumerate(WORDS)}


def tiny_model(cell, dtype=np.float64, seed=0, **sizes):
    dims = {"input_dim": 5, "wordvec_dim": 4, "hidden_dim": 6, **sizes}
    return CaptioningRNN(WORD_TO_IDX, cell_type=cell, dtype=dtype, seed=seed, **dims)


def tiny_data(n_images=12, seed=0):
    """A toy data set in load_coco_data's format: the caption is decided by the features."""
    rng = np.random.RandomState(seed)
    features = rng.randn(n_images, 5).astype(np.float32)
    colour = np.where(features[:, 0] > 0, 5, 6)
    shape = np.where(features[:, 1] > 0, 7, 8)
    captions = np.zeros((n_images, 6), dtype=np.int32)
    captions[:, :5] = np.column_stack(
        [np.ones(n_images), np.full(n_images, 4), colour, shape, np.full(n_images, 2)]
    )
    idxs = np.arange(n_images, dtype=np.int32)
    return {
        "train_captions": captions,
        "train_image_idxs": idxs,
        "train_features": features,
        "train_urls": np.array([f"{i}.png" for i in idxs]),
        "val_captions": captions,
        "val_image_idxs": idxs,
        "val_features": features,
        "val_urls": np.array([f"{i}.png" for i in idxs]),
        "idx_to_word": WORDS,
        "word_to_idx": WORD_TO_IDX,
    }


@pytest.mark.parametrize("cell", ["rnn", "lstm", "gru"])
def test_the_whole_model_gradient_matches_a_numeric_one(cell):
    model = tiny_model(cell)
    rng = np.random.RandomState(1)
    for name in model.params:  # non-zero biases, so that every term is exercised
        model.params[name] = rng.randn(*model.params[name].shape) * 0.5
    features = rng.randn(3, 5)
    captions = np.array([[1, 4, 5, 7, 2, 0], [1, 6, 8, 2, 0, 0], [1, 4, 4, 6, 8, 2]])
    loss, grads = model.loss(features, captions)
    assert set(grads) == set(model.params)
    for name, value in model.params.items():

        def f(_, name=name):
            return model.loss(features, captions)[0]

        numeric = eval_numerical_gradient(f, value, h=1e-6)
        assert normwise_rel_error(grads[name], numeric) < 1e-7, name


def test_the_loss_at_initialization_is_about_log_v_per_word():
    model = tiny_model("lstm", seed=3)
    captions = np.array([[1, 4, 5, 7, 2, 0]] * 4)
    loss, _ = model.loss(np.random.RandomState(0).randn(4, 5), captions)
    assert abs(loss - 4 * np.log(len(WORDS))) < 0.1  # 4 unmasked steps, nearly uniform scores


def test_float32_models_stay_float32_through_training():
    data = tiny_data()
    model = tiny_model("gru", dtype=np.float32)
    CaptioningSolver(model, data, update_rule="adam", batch_size=4, num_epochs=1, verbose=False).train()
    assert {v.dtype for v in model.params.values()} == {np.dtype(np.float32)}


def test_greedy_sampling_stops_at_end_and_pads_with_null():
    model = tiny_model("rnn", seed=4)
    model.params["b_vocab"][2] = 2.0  # eager to stop
    captions = model.sample(np.random.RandomState(5).randn(6, 5), max_length=7)
    assert captions.dtype == np.int32 and captions.shape == (6, 7)
    for row in captions:
        if 2 in row:
            end = list(row).index(2)
            assert np.all(row[end + 1 :] == 0)


@pytest.mark.parametrize("cell", ["rnn", "lstm", "gru"])
def test_a_beam_of_one_is_greedy_and_wider_beams_find_likelier_captions(cell):
    model = tiny_model(cell, seed=6, hidden_dim=8)
    for name in model.params:
        model.params[name] = np.random.RandomState(7).randn(*model.params[name].shape)
    model.params["b_vocab"][:2] = -30.0  # like a trained model, never write <NULL> or <START>
    features = np.random.RandomState(8).randn(20, 5)
    greedy = model.sample(features, max_length=6)
    assert np.array_equal(model.sample(features, max_length=6, beam_size=1), greedy)

    def log_prob(captions):
        # The model's log-probability of each caption, with <START> prepended and <NULL> not scored.
        full = np.column_stack([np.full(len(captions), 1), captions])
        total = np.zeros(len(captions))
        for n in range(len(captions)):
            loss, _ = model.loss(features[n : n + 1], full[n : n + 1])
            total[n] = -loss
        return total

    wide = model.sample(features, max_length=6, beam_size=5)
    assert np.mean(log_prob(wide)) > np.mean(log_prob(greedy))
    with pytest.raises(ValueError, match="beam_size should be a whole number >= 1"):
        model.sample(features, beam_size=0)


@pytest.mark.parametrize("rule", ["sgd", "sgd_momentum", "rmsprop", "adam"])
def test_update_rules_match_pytorch(rule):
    torch = pytest.importorskip("torch")
    rng = np.random.RandomState(0)
    w, grads = rng.randn(4, 5), [rng.randn(4, 5) for _ in range(5)]
    config = {"learning_rate": 0.05}
    tw = torch.tensor(w, requires_grad=True)
    make = {
        "sgd": lambda p: torch.optim.SGD(p, lr=0.05),
        "sgd_momentum": lambda p: torch.optim.SGD(p, lr=0.05, momentum=0.9),
        "rmsprop": lambda p: torch.optim.RMSprop(p, lr=0.05, alpha=0.99, eps=1e-8),
        "adam": lambda p: torch.optim.Adam(p, lr=0.05, betas=(0.9, 0.999), eps=1e-8),
    }[rule]
    opt = make([tw])
    for g in grads:
        w, config = optim.update_rule(rule)(w, g, config)
        tw.grad = torch.tensor(g)
        opt.step()
    np.testing.assert_allclose(w, tw.detach().numpy(), rtol=1e-6, atol=1e-9)


def test_solver_options_and_rules_are_checked():
    data, model = tiny_data(), tiny_model("rnn")
    with pytest.raises(TypeError, match="unknown option.*learning_rate.*the options are update_rule"):
        CaptioningSolver(model, data, learning_rate=1e-3)
    with pytest.raises(ValueError, match="unknown update rule 'adagrad'; choose one of adam, rmsprop, sgd"):
        CaptioningSolver(model, data, update_rule="adagrad")


def test_the_solver_learns_a_toy_data_set_and_reports_each_epoch(capsys):
    data = tiny_data(n_images=40)
    model = tiny_model("lstm", dtype=np.float32, hidden_dim=16)
    solver = CaptioningSolver(
        model,
        data,
        update_rule="adam",
        optim_config={"learning_rate": 2e-2},
        batch_size=10,
        num_epochs=30,
        print_every=40,
        metric=lambda m: float(
            np.mean(m.sample(data["val_features"], 5)[:, :4] == data["val_captions"][:, 1:5])
        ),
    )
    solver.train()
    assert len(solver.loss_history) == 120 and len(solver.metric_history) == 30
    assert solver.loss_history[-1] < 0.1 * solver.loss_history[0]
    assert solver.metric_history[-1] == 1.0  # every toy caption right
    out = capsys.readouterr().out
    assert out.count("(Epoch ") == 30 and "(Iteration 1 / 120) loss: " in out


def test_the_solver_shows_a_progress_bar_only_when_asked(capsys):
    data = tiny_data(n_images=20)
    CaptioningSolver(tiny_model("rnn"), data, batch_size=10, num_epochs=2, verbose=False).train()
    assert capsys.readouterr() == ("", "")
    solver = CaptioningSolver(
        tiny_model("rnn"), data, batch_size=10, num_epochs=2, verbose=False, progress="RNN"
    )
    solver.train()
    err = capsys.readouterr().err
    assert "RNN: 100%" in err and "4/4" in err and f"loss={np.mean(solver.loss_history[-10:]):.3f}" in err


def test_training_resumed_from_a_checkpoint_continues_exactly(tmp_path):
    data = tiny_data(n_images=30)
    options = {"update_rule": "adam", "optim_config": {"learning_rate": 1e-2}, "lr_decay": 0.9}
    options.update(batch_size=7, verbose=False, checkpoint_name=str(tmp_path / "run"))
    straight = tiny_model("lstm", dtype=np.float32)
    CaptioningSolver(straight, data, num_epochs=4, **options).train()

    interrupted = tiny_model("lstm", dtype=np.float32)
    CaptioningSolver(interrupted, data, num_epochs=2, **options).train()
    checkpoint = tmp_path / "run_epoch_2.npz"
    np.load(checkpoint, allow_pickle=False)  # plain arrays only
    resumed_model = tiny_model("lstm", dtype=np.float32, seed=99)  # its own weights are overwritten
    resumed = CaptioningSolver.resume(checkpoint, resumed_model, data, num_epochs=4, **options).train()
    for name, value in straight.params.items():
        assert np.array_equal(resumed_model.params[name], value), name
    assert resumed_model.params["Wx"].dtype == np.float32
    assert resumed.epoch == 4 and len(resumed.loss_history) == 4 * (30 // 7)

    with pytest.raises(ValueError, match="was trained with update_rule='adam', not 'sgd'"):
        CaptioningSolver.resume(checkpoint, tiny_model("lstm"), data, update_rule="sgd")
    with pytest.raises(ValueError, match="param/W_proj has shape"):
        CaptioningSolver.resume(checkpoint, tiny_model("lstm", hidden_dim=7), data, **options)
    (tmp_path / "junk.npz").write_bytes(b"junk")
    with pytest.raises(ValueError, match="is damaged or not a checkpoint written by CaptioningSolver"):
        CaptioningSolver.resume(tmp_path / "junk.npz", tiny_model("lstm"), data, **options)


def test_bleu_is_the_standard_corpus_bleu():
    # p1 = 3/4, p2 = 2/3, p3 = 1/2, p4 = 0: BLEU-1 0.75, BLEU-2 sqrt(0.75 * 2/3), BLEU-4 0 (no smoothing).
    scores = bleu_scores(["a b c d"], [["a b c e"]])
    assert scores["BLEU-1"] == pytest.approx(0.75)
    assert scores["BLEU-2"] == pytest.approx(np.sqrt(0.5))
    assert scores["BLEU-4"] == pytest.approx(0.0, abs=1e-12)
    # A candidate shorter than its reference pays the brevity penalty exp(1 - 4/3).
    assert bleu_scores(["a b c"], [["a b c d"]])["BLEU-1"] == pytest.approx(np.exp(1 - 4 / 3))
    assert bleu_scores([["x", "y"]], [[["x", "y"], ["z"]]])["BLEU-2"] == pytest.approx(1.0)
    with pytest.raises(ValueError, match="2 candidates but references for 1 images"):
        bleu_scores(["a", "b"], [["a"]])


def test_references_and_models_are_scored_against_the_same_held_out_sets():
    data = tiny_data(n_images=3)
    data["val_captions"] = np.repeat(data["val_captions"], 2, axis=0)
    data["val_image_idxs"] = np.repeat(data["val_image_idxs"], 2)
    assert reference_bleu(data)["BLEU-3"] == pytest.approx(1.0)  # identical references agree perfectly

    references = [
        ["a red circle", "a red circle", "one red circle"],
        ["a blue square", "the blue square", "x"],
    ]
    # A reference is never scored against itself: each is held out in turn, also for a model's caption.
    first = [refs[0] for refs in references]
    held_out = leave_one_out_bleu(first, references)
    assert held_out["BLEU-1"] < bleu_scores(first, references)["BLEU-1"] == pytest.approx(1.0)
    expected = np.mean(
        [bleu_scores(first, [r[:k] + r[k + 1 :] for r in references])["BLEU-2"] for k in range(3)]
    )
    assert held_out["BLEU-2"] == pytest.approx(expected)
    # candidates=None scores the held-out reference itself: the k-th reference against the others.
    expected = np.mean(
        [
            bleu_scores([r[k] for r in references], [r[:k] + r[k + 1 :] for r in references])["BLEU-2"]
            for k in range(3)
        ]
    )
    assert leave_one_out_bleu(None, references)["BLEU-2"] == pytest.approx(expected)
    with pytest.raises(ValueError, match="at least 2 references"):
        leave_one_out_bleu(["a"], [["a"]])


def test_model_bleu_scores_a_model_like_a_held_out_reference():
    data = tiny_data(n_images=4)

    class Copier:  # writes each image's first reference caption
        def sample(self, features, max_length, beam_size=None):
            return data["val_captions"][::2][: len(features), 1:]

    data["val_captions"] = np.repeat(data["val_captions"], 2, axis=0)
    data["val_captions"][1::2, 3] = 3  # the second reference says <UNK> for the shape
    data["val_image_idxs"] = np.repeat(data["val_image_idxs"], 2)
    # Against all references, a copy of one of them would score 1. Held out: against the other reference
    # ("a red <UNK>" for "a red circle": 2 of 3 words) and, in turn, against the copied one (3 of 3).
    assert model_bleu(Copier(), data)["BLEU-1"] == pytest.approx((2 / 3 + 1) / 2)


@pytest.mark.parametrize("cell", ["lstm", "gru"])
def test_beam_search_ranks_finished_captions_by_length_normalised_log_probability(cell):
    model = tiny_model(cell, seed=6, hidden_dim=8)
    for name in model.params:
        model.params[name] = np.random.RandomState(3).randn(*model.params[name].shape)
    model.params["b_vocab"][:2] = -30.0  # never <NULL> or <START>, so every caption below is a candidate
    features = np.random.RandomState(4).randn(12, 5)
    max_length = 3
    # Every caption the model can write: stopped by <END> (2) or cut at max_length.
    candidates = []
    for length in range(1, max_length + 1):
        for words in itertools.product(range(2, len(WORDS)), repeat=length):
            if 2 not in words[:-1] and (words[-1] == 2 or length == max_length):
                candidates.append(list(words) + [0] * (max_length - length))
    candidates = np.array(candidates)
    lengths = np.where((candidates == 2).any(axis=1), (candidates == 2).argmax(axis=1) + 1, max_length)
    best = {}
    for penalty in (0.0, 1.0):
        expected = []
        for n in range(len(features)):
            full = np.column_stack([np.ones(len(candidates), dtype=int), candidates])
            log_p = np.array([-model.loss(features[n : n + 1], full[k : k + 1])[0] for k in range(len(full))])
            expected.append(candidates[np.argmax(log_p / lengths**penalty)])
        # A beam as wide as every caption there is finds the best one exactly.
        found = model.beam_search(
            features, max_length, beam_size=len(WORDS) ** max_length, length_penalty=penalty
        )
        assert np.array_equal(found, np.array(expected)), penalty
        best[penalty] = found
    assert not np.array_equal(best[0.0], best[1.0])  # the case tells the two rankings apart
    with pytest.raises(ValueError, match="length_penalty should be a number >= 0"):
        model.beam_search(features, beam_size=2, length_penalty=-1)
