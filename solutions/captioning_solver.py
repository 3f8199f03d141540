"""Training a captioning model (provided): minibatches, updates, a per-epoch metric and checkpoints.

    solver = CaptioningSolver(model, data, update_rule="adam", optim_config={"learning_rate": 5e-3},
                              lr_decay=0.95, batch_size=100, num_epochs=10, print_every=50)
    solver.train()
    solver.loss_history, solver.metric_history

A checkpoint (``checkpoint_name``) is an ``.npz`` file of plain arrays, no pickle: the parameters, every
optimizer state, the minibatch random generator and the histories. ``CaptioningSolver.resume`` continues
training from one exactly as if it had never stopped. A checkpoint is written to a temporary file and
then renamed, so an interrupted save never leaves a cut-off file under the checkpoint's name; a damaged
or foreign file is refused by ``resume`` with a CheckpointError that names it and what is wrong.
"""

import os
import tempfile
import zipfile
import zlib
from pathlib import Path

import numpy as np
from tqdm.auto import tqdm

from . import optim
from .captioning_rnn import CaptioningRNN
from .coco_utils import sample_coco_minibatch

OPTIONS = {
    "update_rule": "sgd",
    "optim_config": None,
    "lr_decay": 1.0,
    "batch_size": 100,
    "num_epochs": 10,
    "print_every": 10,
    "verbose": True,
    "progress": False,
    "checkpoint_name": None,
    "metric": None,
    "seed": 0,
}


RNG_KEYS = ("rng/keys", "rng/pos", "rng/has_gauss", "rng/cached_gaussian")
REQUIRED = ("epoch", "t", "loss_history", "metric_history", *RNG_KEYS, "update_rule")


class CheckpointError(ValueError):
    """A checkpoint file is missing, damaged or not one of this model's; the message says which and why."""


class CaptioningSolver:
    """Trains a model that has ``params`` (dict of arrays) and ``loss(features, captions) -> loss, grads``.

    Options (keyword arguments; anything else is an error):
    - update_rule: "sgd", "sgd_momentum", "rmsprop" or "adam" (see optim.py).
    - optim_config: hyperparameters of the rule, e.g. {"learning_rate": 1e-3}; each parameter gets a copy.
    - lr_decay: the learning rate is multiplied by this after every epoch.
    - batch_size: captions per minibatch. num_epochs: passes over the training captions.
    - print_every: print the loss every this many iterations (if verbose). Progress lines start with
      "(Iteration" or "(Epoch" and the notebook comparison ignores their numbers.
    - progress: True (or a label such as "LSTM") shows a progress bar (tqdm: a widget in JupyterLab,
      text in a terminal) with the latest loss and metric.
    - checkpoint_name: if given, write "<checkpoint_name>_epoch_<k>.npz" after every epoch k.
    - metric: optional function model -> float, evaluated after every epoch (e.g. BLEU-4 on val).
    - seed: seed of the minibatch sampling.
    """

    def __init__(self, model, data, **kwargs):
        unknown = sorted(set(kwargs) - set(OPTIONS))
        if unknown:
            raise TypeError(
                f"CaptioningSolver got unknown option(s) {', '.join(unknown)}; "
                f"the options are {', '.join(OPTIONS)}"
            )
        self.model, self.data = model, data
        for key, default in OPTIONS.items():
            setattr(self, key, kwargs.get(key, default))
        self.update = optim.update_rule(self.update_rule)
        if self.checkpoint_name is not None:  # now, not after the first epoch
            folder = Path(self.checkpoint_name).parent
            if not folder.is_dir():
                raise ValueError(
                    f"checkpoint_name={self.checkpoint_name!r}: the folder {folder} does not exist; "
                    "create it first (or choose another checkpoint_name)"
                )
        self.optim_config = dict(self.optim_config or {})
        self.rng = np.random.RandomState(self.seed)
        self.epoch, self.t = 0, 0
        self.loss_history, self.metric_history = [], []
        self.optim_configs = {name: dict(self.optim_config) for name in self.model.params}

    @property
    def iterations_per_epoch(self):
        return max(self.data["train_captions"].shape[0] // self.batch_size, 1)

    def _step(self):
        captions, features, _ = sample_coco_minibatch(self.data, self.batch_size, "train", rng=self.rng)
        loss, grads = self.model.loss(features, captions)
        self.loss_history.append(float(loss))
        for name, w in self.model.params.items():
            next_w, self.optim_configs[name] = self.update(w, grads[name], self.optim_configs[name])
            self.model.params[name] = next_w

    def train(self):
        """Train until num_epochs epochs are done (from where a resumed checkpoint left off)."""
        total = self.num_epochs * self.iterations_per_epoch
        label = self.progress if isinstance(self.progress, str) else "training"
        bar = tqdm(total=total, initial=self.t, desc=label, disable=not self.progress, mininterval=1.0)
        while self.t < total:
            self._step()
            self.t += 1
            bar.update()
            if self.t % 10 == 0:
                bar.set_postfix(self._progress_numbers(), refresh=False)
            if self.verbose and (self.t == 1 or self.t % self.print_every == 0):
                print(f"(Iteration {self.t} / {total}) loss: {self.loss_history[-1]:.4f}")
            if self.t % self.iterations_per_epoch == 0:
                self.epoch += 1
                for config in self.optim_configs.values():
                    config["learning_rate"] = config.get("learning_rate", 1e-2) * self.lr_decay
                if self.metric is not None:
                    self.metric_history.append(float(self.metric(self.model)))
                if self.verbose:
                    metric = f", metric {self.metric_history[-1]:.4f}" if self.metric is not None else ""
                    print(
                        f"(Epoch {self.epoch} / {self.num_epochs}) loss: {self.loss_history[-1]:.4f}{metric}"
                    )
                if self.checkpoint_name is not None:
                    self.save_checkpoint(f"{self.checkpoint_name}_epoch_{self.epoch}.npz")
        bar.set_postfix(self._progress_numbers())
        bar.close()
        return self

    def _progress_numbers(self):
        numbers = {"loss": f"{np.mean(self.loss_history[-10:]):.3f}"}
        if self.metric_history:
            numbers["metric"] = f"{self.metric_history[-1]:.3f}"
        return numbers

    # ------------------------------------------------------------------------------------ checkpoints
    def save_checkpoint(self, path):
        """Everything training needs to continue, as plain arrays in an .npz file (no pickle)."""
        state = self.rng.get_state()
        arrays = {
            "epoch": np.array(self.epoch),
            "t": np.array(self.t),
            "loss_history": np.array(self.loss_history, dtype=np.float64),
            "metric_history": np.array(self.metric_history, dtype=np.float64),
            "rng/keys": state[1],
            "rng/pos": np.array(state[2]),
            "rng/has_gauss": np.array(state[3]),
            "rng/cached_gaussian": np.array(state[4]),
            "update_rule": np.array(self.update_rule),
        }
        for name, w in self.model.params.items():
            arrays[f"param/{name}"] = w
            for key, value in self.optim_configs[name].items():
                arrays[f"optim/{name}/{key}"] = np.asarray(value)
        # A temporary file beside the checkpoint, renamed once complete: an interrupted save leaves the
        # previous file (or none), never a cut-off one.
        path = Path(path)
        if not path.parent.is_dir():
            raise CheckpointError(f"cannot save {path}: the folder {path.parent} does not exist")
        handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".partial")
        try:
            with os.fdopen(handle, "wb") as f:
                np.savez(f, **arrays)
            os.replace(temporary, path)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise

    @classmethod
    def resume(cls, path, model, data, **kwargs):
        """A solver that continues from the checkpoint at `path`, with `model`'s parameters set from it.

        Pass the same options as the interrupted run (num_epochs may be larger to train on).
        """
        solver = cls(model, data, **kwargs)
        saved = read_checkpoint(path, model.params)
        if str(saved["update_rule"]) != solver.update_rule:
            raise CheckpointError(
                f"{path} was trained with update_rule={str(saved['update_rule'])!r}, "
                f"not {solver.update_rule!r}: pass the options of the interrupted run"
            )
        for name in model.params:
            model.params[name] = saved[f"param/{name}"].astype(model.params[name].dtype)
            prefix = f"optim/{name}/"
            # 0-d arrays back to Python numbers: a NumPy float64 scalar would turn float32 updates to float64.
            solver.optim_configs[name] = {
                k[len(prefix) :]: (v.item() if v.ndim == 0 else v)
                for k, v in saved.items()
                if k.startswith(prefix)
            }
        solver.epoch, solver.t = int(saved["epoch"]), int(saved["t"])
        solver.loss_history = saved["loss_history"].tolist()
        solver.metric_history = saved["metric_history"].tolist()
        solver.rng.set_state(_rng_state(saved))
        return solver


def _rng_state(saved):
    return (
        "MT19937",
        saved["rng/keys"],
        int(saved["rng/pos"]),
        int(saved["rng/has_gauss"]),
        float(saved["rng/cached_gaussian"]),
    )


def read_checkpoint(path, params):
    """The arrays of the checkpoint at `path`, checked against the model parameters `params`.

    Raises CheckpointError naming the file and what is wrong: missing, not a checkpoint, damaged
    (cut off, changed bytes), an entry missing, parameters or optimizer states of the wrong shape or
    holding NaN/inf, a broken random-generator state.
    """
    path = Path(path)
    if not path.is_file():
        raise CheckpointError(f"{path} does not exist")
    try:
        with np.load(path, allow_pickle=False) as f:
            saved = {k: f[k] for k in f.files}  # reading every entry checks its CRC
    except (OSError, ValueError, EOFError, zipfile.BadZipFile, zlib.error) as error:
        raise CheckpointError(
            f"{path} is damaged or not a checkpoint written by CaptioningSolver "
            f"({type(error).__name__}: {error})"
        ) from None
    missing = [k for k in REQUIRED if k not in saved]
    missing += [f"param/{name}" for name in params if f"param/{name}" not in saved]
    if missing:
        raise CheckpointError(f"{path} is not a complete checkpoint: it has no {', '.join(missing[:3])}")
    extra = sorted(k.split("/", 1)[1] for k in saved if k.startswith("param/") and k[6:] not in params)
    if extra:
        raise CheckpointError(f"{path} holds parameters {extra} that the model does not have")
    for name, value in params.items():
        for key in [f"param/{name}", *(k for k in saved if k.startswith(f"optim/{name}/"))]:
            entry = saved[key]
            if entry.ndim and entry.shape != value.shape:
                raise CheckpointError(
                    f"{path}: {key} has shape {entry.shape}, the model's {name} is {value.shape}"
                )
            if not np.issubdtype(entry.dtype, np.number) or not np.isfinite(entry).all():
                raise CheckpointError(
                    f"{path}: {key} holds NaN, inf or non-numbers; the run that saved it diverged or "
                    "the file was changed: resume from an earlier checkpoint"
                )
    try:
        np.random.RandomState().set_state(_rng_state(saved))
    except (ValueError, TypeError, IndexError) as error:
        raise CheckpointError(f"{path}: the saved random-generator state is broken ({error})") from None
    return saved


def train_captioner(data, cell_type, epochs=3, features_seen=True, seed=0, metric=None):
    """Notebook 5's captioner, trained as notebook 5 trains it (notebook 6 trains its GRU the same way).

    A CaptioningRNN with word vectors of 64 and a hidden state of 128, trained by Adam (learning rate
    5e-3, multiplied by 0.9 after every epoch) on minibatches of 100 captions for `epochs` epochs, with a
    progress bar. features_seen=False trains a blind model: every training image's features are zero.
    metric: an optional function model -> float evaluated after every epoch (e.g. BLEU-4 on val).

    Returns (model, solver); solver.loss_history and solver.metric_history hold the curves.
    """
    train_data = data if features_seen else {**data, "train_features": np.zeros_like(data["train_features"])}
    model = CaptioningRNN(
        data["word_to_idx"],
        input_dim=data["train_features"].shape[1],
        wordvec_dim=64,
        hidden_dim=128,
        cell_type=cell_type,
        seed=seed,
    )
    solver = CaptioningSolver(
        model,
        train_data,
        update_rule="adam",
        optim_config={"learning_rate": 5e-3},
        lr_decay=0.9,
        batch_size=100,
        num_epochs=epochs,
        verbose=False,
        progress=cell_type.upper() if features_seen else f"blind {cell_type.upper()}",
        seed=seed,
        metric=metric,
    )
    solver.train()
    return model, solver
