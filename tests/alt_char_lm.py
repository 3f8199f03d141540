"""Another correct sample_with_temperature and truncated_bptt_epoch, written differently."""

from tests.helpers import replace_function

SAMPLE = """
def sample_with_temperature(scores, temperature=1.0, rng=None):
    if not temperature > 0:
        raise ValueError(f"temperature should be > 0, got {temperature}")
    rng = np.random if rng is None else rng
    out = np.empty(len(scores), dtype=np.int64)
    for n, row in enumerate(scores):  # one rng.choice per row: other draws, the same distribution
        logits = row / temperature
        p = np.exp(logits - np.logaddexp.reduce(logits))
        out[n] = rng.choice(len(row), p=p / p.sum())
    return out
"""

TBPTT = """
def truncated_bptt_epoch(model, optimizer, stream, chunk_length, max_norm=None):
    losses, start = [], 0
    model.reset_state()
    while start + 1 < stream.shape[1]:
        length = min(chunk_length, stream.shape[1] - 1 - start)
        chunk = stream[:, start : start + length + 1]
        losses.append(float(model.loss(chunk[:, :-1], chunk[:, 1:])))
        if max_norm:
            model.clip_gradients(max_norm)
        optimizer.step()
        start += length
    return losses
"""


def alternative_source(solution_source):
    return replace_function(replace_function(solution_source, SAMPLE), TBPTT)
