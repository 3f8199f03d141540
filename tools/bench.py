"""`make bench`: time forward+backward of whole-sequence RNN, LSTM and GRU layers.

    python -m tools.bench [--quick] [--shapes NAME...] [--cells rnn lstm gru mingru minlstm] [--package PKG]
        [--out FILE]

Compares, in one run and alternating between them so that machine noise hits all alike:
- the solutions (solutions/rnn_layers.py);
- the same layers tuned for the last few percent (tools/tuned_rnn_layers.py, maintainers only);
- the student's assignment/, for each cell whose functions are written (otherwise a line says so);
- PyTorch's nn.RNN / nn.LSTM / nn.GRU on the CPU, same dtype, shapes and thread count (if installed);
- the "matmul floor": the matrix products the computation cannot avoid, timed at this machine's BLAS
  speed for exactly those shapes.
Then the attention LSTM against the plain LSTM, and the minGRU and minLSTM (solutions/linear_rnn.py, the
student's once written) on a long sequence against PyTorch's two usual ways (a log-space scan, a loop
over time) and against the course's GRU; `--cells mingru minlstm --shapes "long sequence"` runs those.
Reported: median time over repeats after a warm-up; ratios to PyTorch and to the floor, each the median
of the ratios of runs made side by side in the same repeat; and the memory the forward pass keeps for
backward (our cache; PyTorch's saved tensors).
"""

import argparse
import functools
import importlib
import json
import os
import platform
import statistics
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import threadpoolctl

from checks import speed
from checks.inputs import GATE_BLOCKS
from course.paths import ROOT

SHAPES = {  # name: (N, T, D, H)
    "captioning": (100, 16, 256, 512),
    "char LM": (32, 64, 64, 256),
    "small": (10, 7, 3, 5),
}
LINEAR_CELLS = {"mingru": 2, "minlstm": 3}  # gate blocks: Wx is (D, blocks * H), b (blocks * H,)
LINEAR_SHAPES = {  # the minGRU and minLSTM only: a long sequence, where a scan over time pays
    "long sequence": (32, 1024, 256, 256),
    "small": SHAPES["small"],
}


@dataclass
class Problem:
    cell: str
    shape: str
    dtype: type

    def arrays(self):
        return speed.problem(self.cell, self.dtype, SHAPES[self.shape])


def numpy_runner(module, cell):
    forward, backward = getattr(module, f"{cell}_forward"), getattr(module, f"{cell}_backward")

    def run(x, h0, params, dh):
        h, *_, cache = forward(x, h0, *params)  # the LSTM also returns its cell states
        backward(dh, cache)
        return cache

    return run


def cache_bytes(obj, seen=None):
    """Bytes of the distinct array buffers reachable from a cache (views count once)."""
    seen = set() if seen is None else seen
    if isinstance(obj, np.ndarray):
        base = obj if obj.base is None else obj.base
        if isinstance(base, np.ndarray) and id(base) not in seen:
            seen.add(id(base))
            return base.nbytes
        return 0
    if isinstance(obj, dict):
        return sum(cache_bytes(v, seen) for v in obj.values())
    if isinstance(obj, list | tuple):
        return sum(cache_bytes(v, seen) for v in obj)
    return 0


def torch_runner(torch, problem, threads):
    torch.set_num_threads(threads)
    N, T, D, H = SHAPES[problem.shape]
    dtype = torch.float64 if problem.dtype == np.float64 else torch.float32
    cls = {"rnn": torch.nn.RNN, "lstm": torch.nn.LSTM, "gru": torch.nn.GRU}[problem.cell]
    net = cls(D, H, batch_first=True, dtype=dtype)
    x, h0, _, dh = problem.arrays()
    xt = torch.from_numpy(x).requires_grad_()
    h0t = torch.from_numpy(h0[None].copy()).requires_grad_()
    state = (h0t, torch.zeros_like(h0t)) if problem.cell == "lstm" else h0t
    dht = torch.from_numpy(dh)
    saved = {}

    def pack(t):
        saved[t.data_ptr()] = t.numel() * t.element_size()
        return t

    def run(*_):
        saved.clear()
        with torch.autograd.graph.saved_tensors_hooks(pack, lambda t: t):
            out, _ = net(xt, state)
        out.backward(dht)
        return None

    run.saved_bytes = lambda: sum(saved.values())
    return run


def implemented(module, cell):
    """True if the module's forward and backward for `cell` run (not the raising stubs)."""
    tiny = Problem(cell, "small", np.float64)
    x, h0, params, dh = tiny.arrays()
    try:
        numpy_runner(module, cell)(x, h0, params, dh)
    except NotImplementedError:
        return False
    return True


def cpu_name():
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def blas_line(threads):
    info = [i for i in threadpoolctl.threadpool_info() if i["user_api"] == "blas"]
    parts = [
        f"{i['internal_api']} {i.get('version')} ({i.get('architecture')}, {i['num_threads']} threads)"
        for i in info
    ]
    return f"NumPy {np.__version__} with " + ", ".join(parts) + f"; PyTorch threads set to {threads}"


def reference_ratios(cells, processes=3):
    """The reference's ratio to the floor per cell, measured as `make check` measures a student's.

    `make check` times in a fresh process with a few repeats, where fresh memory costs page faults that a
    long benchmark run no longer pays; so the same code runs here in `processes` fresh processes, and the
    median of their ratios is kept.
    """
    code = (
        "import json, sys; from checks import speed; import solutions.rnn_layers as m; "
        "r = {c: speed.measure(m, c) for c in sys.argv[1:]}; "
        "print(json.dumps({c: seconds / floor for c, (seconds, floor, _) in r.items()}))"
    )
    runs = [
        json.loads(subprocess.check_output([sys.executable, "-c", code, *cells], cwd=ROOT, text=True))
        for _ in range(processes)
    ]
    return {cell: round(statistics.median(run[cell] for run in runs), 2) for cell in cells}


def write_speed_reference(measured, machine_lines, path=speed.REFERENCE_FILE):
    """Record the reference solution's ratios to the floor, which `make check`'s speed line quotes."""
    try:
        stored = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        stored = {}
    record = {
        "about": "written by `make bench`: the reference solution's forward+backward time over the matmul "
        "floor as make check measures it (fastest run over fastest run, in a fresh process), the median "
        "of three processes, at checks/speed.py's SHAPE in float64",
        "shape": list(speed.SHAPE),
        "dtype": "float64",
        "measured_on": " ".join(line.removeprefix("- ") for line in machine_lines),
        "ratio_to_floor": {**stored.get("ratio_to_floor", {}), **measured},
    }
    path.write_text(json.dumps(record, indent=1) + "\n", encoding="utf-8")
    print(f"(the reference ratios the speed line quotes: {path})")


ATTENTION_SHAPE = (100, 16, 64, 128, 16, 18)  # N, T, D, H, L, R: notebook 9's captioner


def _attend(module, args, dh):
    h, _, cache = module.attention_lstm_forward(*args)
    module.attention_lstm_backward(dh, cache)


def _plain_lstm(lstm, args, dh):
    h, _, cache = lstm.lstm_forward(*args)
    lstm.lstm_backward(dh, cache)


def attention_lines(package, quick):
    """The attention LSTM's forward + backward against the plain LSTM's at notebook 9's shape."""
    N, T, D, H, L, R = ATTENTION_SHAPE
    lines = [
        "",
        f"Attention LSTM (notebook 9), forward + backward at (N, T, D, H, L, R) = {ATTENTION_SHAPE}:",
        "",
        "| implementation | dtype | median ms | x the plain LSTM (solutions) |",
        "| --- | --- | ---: | ---: |",
    ]
    lstm = importlib.import_module("solutions.rnn_layers")
    modules = {"solutions": importlib.import_module("solutions.attention_layers")}
    try:
        student = importlib.import_module(f"{package}.attention_layers")
        rng = np.random.RandomState(0)
        student.attention_forward(rng.randn(1, 2), rng.randn(1, 3, 2), rng.randn(2, 2))
        modules[package] = student
    except Exception:  # not written yet, or broken: only a working implementation is timed
        pass
    for dtype in (np.float64, np.float32):
        rng = np.random.RandomState(0)
        x, h0 = rng.randn(N, T, D).astype(dtype), rng.randn(N, H).astype(dtype)
        regions, dh = rng.randn(N, L, R).astype(dtype), rng.randn(N, T, H).astype(dtype)
        weights = [
            0.1 * rng.randn(*shape) for shape in ((D, 4 * H), (H, 4 * H), (R, 4 * H), (4 * H,), (H, R))
        ]
        Wx, Wh, Wc, b, Wa = (w.astype(dtype) for w in weights)
        args = (x, h0, regions, Wx, Wh, Wc, b, Wa)
        runs = {name: functools.partial(_attend, module, args, dh) for name, module in modules.items()}
        runs["plain LSTM"] = functools.partial(_plain_lstm, lstm, (x, h0, Wx, Wh, b), dh)
        times = speed.paired_times(runs, 3 if quick else 11, lead_in=0 if quick else 1)
        for name in modules:
            ratio = speed.median_ratio(times[name], times["plain LSTM"])
            ms = 1e3 * statistics.median(times[name])
            lines.append(f"| {name} | {np.dtype(dtype).name} | {ms:.2f} | {ratio:.2f} |")
    return lines


def linear_problem(cell, dtype, shape, seed=0):
    """x, h0, Wx, b and an upstream gradient dh for the minGRU or minLSTM, scaled as speed.problem's."""
    N, T, D, H = shape
    rng = np.random.RandomState(seed)
    k = 1 / np.sqrt(H)

    def make(*s, scale=1.0):
        return (scale * rng.uniform(-1, 1, size=s)).astype(dtype)

    g = LINEAR_CELLS[cell] * H
    return make(N, T, D), make(N, H, scale=0.5), make(D, g, scale=k), make(g, scale=k), make(N, T, H)


def torch_min_rnn(torch, cell, log_space):
    """The minGRU or minLSTM in PyTorch, (x, h0, Wx, b) -> h, written as public implementations write it.

    log_space: the scan in log space of Feng et al. (2024, appendix) and lucidrains' minGRU-pytorch,
    log h = a* + logcumsumexp(log values - a*), with a* the cumulative sum of the log coefficients.
    Logarithms need positive values, so there the candidate and h0 pass through the paper's
    g(v) = v + 0.5 for v >= 0, sigmoid(v) otherwise: the same amount of work, not the same function as
    solutions/linear_rnn.py's. Otherwise a plain loop over time, on slices that unbind(1) makes all at
    once: slicing a[:, t] in the loop would make each step's backward allocate a zero gradient the size
    of the whole sequence.
    """
    F = torch.nn.functional

    def log_g(v):
        return torch.where(v >= 0, (F.relu(v) + 0.5).log(), -F.softplus(-v))

    def coefficients(pre, H):
        """a_t and b_t of h_t = a_t * h_{t-1} + b_t, or in log space their logarithms."""
        if cell == "mingru":
            k, c = pre[..., :H], pre[..., H:]
            if log_space:  # log z = -softplus(-k), log(1 - z) = -softplus(k)
                return -F.softplus(k), -F.softplus(-k) + log_g(c)
            z = k.sigmoid()
            return 1 - z, z * c
        kf, ki, c = pre[..., :H], pre[..., H : 2 * H], pre[..., 2 * H :]
        if log_space:  # log f / (f + i) = -softplus(log i - log f), and the same for i
            diff = F.softplus(-kf) - F.softplus(-ki)
            return -F.softplus(diff), -F.softplus(-diff) + log_g(c)
        f, i = kf.sigmoid(), ki.sigmoid()
        return f / (f + i), i / (f + i) * c

    def forward(x, h0, Wx, b):
        a, v = coefficients(x @ Wx + b, h0.shape[1])
        if log_space:
            a_star = F.pad(a.cumsum(1), (0, 0, 1, 0))
            log_values = torch.cat([log_g(h0)[:, None], v], 1)
            return (a_star + (log_values - a_star).logcumsumexp(1)).exp()[:, 1:]
        h, hs = h0, []
        for a_t, v_t in zip(a.unbind(1), v.unbind(1), strict=True):
            h = a_t * h + v_t
            hs.append(h)
        return torch.stack(hs, 1)

    return forward


def torch_linear_runner(torch, forward, arrays, threads):
    """Forward + backward of a PyTorch function of (x, h0, Wx, b), fresh gradients every run."""
    torch.set_num_threads(threads)
    *inputs, dh = (torch.from_numpy(a) for a in arrays)
    for t in inputs:
        t.requires_grad_()
    saved = {}

    def pack(t):
        saved[t.data_ptr()] = t.numel() * t.element_size()
        return t

    def run():
        saved.clear()
        for t in inputs:
            t.grad = None
        with torch.autograd.graph.saved_tensors_hooks(pack, lambda t: t):
            h = forward(*inputs)
        h.backward(dh)

    run.saved_bytes = lambda: sum(saved.values())
    return run


def linear_rnn_lines(cells, shapes, package, quick, torch, threads):
    """The minGRU and minLSTM's forward + backward against PyTorch's and against the course's GRU.

    Each run takes seconds at the long shape, so no untimed lead-in runs: the switching costs they
    absorb are milliseconds.
    """
    lines = [
        "",
        "minGRU and minLSTM (solutions/linear_rnn.py), forward + backward; PyTorch's log-space scan applies "
        "the paper's g to the candidate and h0 (the same work, another function):",
        "",
        "| cell | shape (N, T, D, H) | dtype | implementation | median ms | x PyTorch log-space "
        "| x PyTorch loop | x the GRU (solutions) | cache MB |",
        "| --- | --- | --- | --- | ---: | ---: | ---: | ---: | ---: |",
    ]
    solutions = importlib.import_module("solutions.linear_rnn")
    modules = {cell: {"solutions": solutions} for cell in cells}
    for cell in cells:
        try:
            student = importlib.import_module(f"{package}.linear_rnn")
            x, h0, Wx, b, dh = linear_problem(cell, np.float64, LINEAR_SHAPES["small"])
            numpy_runner(student, cell)(x, h0, [Wx, b], dh)
            modules[cell][package] = student
        except Exception:  # not written yet, or broken: only a working implementation is timed
            pass
    gru = numpy_runner(importlib.import_module("solutions.rnn_layers"), "gru")
    for shape in shapes:
        for dtype in (np.float64, np.float32):
            runs = {}
            for cell in cells:
                arrays = linear_problem(cell, dtype, LINEAR_SHAPES[shape])
                x, h0, Wx, b, dh = arrays
                for name, module in modules[cell].items():
                    runs[cell, name] = functools.partial(numpy_runner(module, cell), x, h0, [Wx, b], dh)
                for way in ("log-space", "loop") if torch else ():
                    forward = torch_min_rnn(torch, cell, log_space=way == "log-space")
                    runs[cell, f"PyTorch {way}"] = torch_linear_runner(torch, forward, arrays, threads)
            x, h0, params, dh = speed.problem("gru", dtype, LINEAR_SHAPES[shape])
            runs["gru", "solutions"] = functools.partial(gru, x, h0, params, dh)
            times = speed.paired_times(runs, 3 if quick else 5, lead_in=0)
            for (cell, name), run in runs.items():
                ratios = [
                    f"{speed.median_ratio(times[cell, name], times[to]):.2f}" if to in times else "-"
                    for to in ((cell, "PyTorch log-space"), (cell, "PyTorch loop"), ("gru", "solutions"))
                ]
                memory = run.saved_bytes() if name.startswith("PyTorch") else cache_bytes(run())
                lines.append(
                    f"| {cell} | {shape} {LINEAR_SHAPES[shape]} | {np.dtype(dtype).name} | {name} | "
                    f"{1e3 * statistics.median(times[cell, name]):.2f} | {' | '.join(ratios)} | "
                    f"{memory / 2**20:.1f} |"
                )
                print(lines[-1], flush=True)
    return lines


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer repeats (a smoke run)")
    parser.add_argument("--out", type=Path, default=ROOT / "build" / "bench.md")
    shapes, cells = [*SHAPES, *(s for s in LINEAR_SHAPES if s not in SHAPES)], [*GATE_BLOCKS, *LINEAR_CELLS]
    parser.add_argument("--shapes", nargs="+", choices=shapes, default=shapes)
    parser.add_argument("--cells", nargs="+", choices=cells, default=cells)
    parser.add_argument(
        "--package", default="assignment", help="the student package to time (default assignment)"
    )
    args = parser.parse_args(argv)
    sys.path.insert(0, str(ROOT))
    solutions = importlib.import_module("solutions.rnn_layers")
    tuned = importlib.import_module("tools.tuned_rnn_layers")
    assignment = importlib.import_module(f"{args.package}.rnn_layers")
    try:
        import torch
    except ImportError:
        torch = None
    threads = max(i["num_threads"] for i in threadpoolctl.threadpool_info() if i["user_api"] == "blas")

    lines = [
        f"- Machine: {platform.machine()}, {cpu_name()}, {os.cpu_count()} cores; "
        f"Python {platform.python_version()}",
        "- "
        + blas_line(threads)
        + (f"; PyTorch {torch.__version__}" if torch else "; PyTorch not installed"),
    ]
    notes = []
    gated = [cell for cell in args.cells if cell in GATE_BLOCKS]
    if gated:
        lines += [
            "",
            "| cell | shape (N, T, D, H) | dtype | implementation | median ms | x PyTorch | x matmul floor "
            "| cache MB |",
            "| --- | --- | --- | --- | ---: | ---: | ---: | ---: |",
        ]
    for cell in gated:
        student = implemented(assignment, cell)
        if not student:
            notes.append(
                f"{args.package}/: {cell}_forward or {cell}_backward is not written yet, so it is not timed."
            )
        for shape in [shape for shape in args.shapes if shape in SHAPES]:
            for dtype in (np.float64, np.float32):
                problem = Problem(cell, shape, dtype)
                repeats = 3 if args.quick else (11 if shape == "captioning" else 15)
                x, h0, params, dh = problem.arrays()
                runners = {"solutions": numpy_runner(solutions, cell), "tuned": numpy_runner(tuned, cell)}
                if student:
                    runners[args.package] = numpy_runner(assignment, cell)
                if torch is not None:
                    runners["PyTorch"] = torch_runner(torch, problem, threads)
                runs = {name: functools.partial(run, x, h0, params, dh) for name, run in runners.items()}
                runs["matmul floor"] = speed.floor_products(cell, dtype, SHAPES[shape])
                times = speed.paired_times(runs, repeats, lead_in=0 if args.quick else 1)
                median = {name: statistics.median(t) for name, t in times.items()}
                for name, run in runners.items():
                    if name == "PyTorch":
                        memory = run.saved_bytes()
                    else:
                        memory = cache_bytes(run(x, h0, params, dh))
                    to_torch = "-"
                    if "PyTorch" in times:
                        to_torch = f"{speed.median_ratio(times[name], times['PyTorch']):.2f}"
                    to_floor = speed.median_ratio(times[name], times["matmul floor"])
                    lines.append(
                        f"| {cell} | {shape} {SHAPES[shape]} | {np.dtype(dtype).name} | {name} | "
                        f"{1e3 * median[name]:.2f} | {to_torch} | {to_floor:.2f} | {memory / 2**20:.1f} |"
                    )
                lines.append(
                    f"| {cell} | {shape} {SHAPES[shape]} | {np.dtype(dtype).name} | matmul floor | "
                    f"{1e3 * median['matmul floor']:.2f} | - | 1.00 | - |"
                )
                print(lines[-1], flush=True)
    lines += attention_lines(args.package, args.quick)
    linear_cells = [cell for cell in args.cells if cell in LINEAR_CELLS]
    linear_shapes = [shape for shape in args.shapes if shape in LINEAR_SHAPES]
    if linear_cells and linear_shapes:
        lines += linear_rnn_lines(linear_cells, linear_shapes, args.package, args.quick, torch, threads)
    text = "\n".join(lines + [""] + notes) + "\n"
    if not args.quick and "char LM" in args.shapes and gated:
        write_speed_reference(reference_ratios(gated), lines[:2])
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text)
    print()
    print(text)
    print(f"(written to {args.out})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
