import sys, types, numpy as np
sys.path.insert(0, '/work/attn')
import solutions.attention_layers as sol
from checks import attention as A
from checks.core import check_exercise, reference_outputs
from checks.notebook import format_report
from tests.mutants_attention import ATTENTION_MUTANTS
refs = {e.name: {k: {o: np.asarray(v) for o, v in c.items()} for k, c in reference_outputs(e, sol).items()} for e in A.EXERCISES}
by = {e.name: e for e in A.EXERCISES}
ok = 0
for m in ATTENTION_MUTANTS:
    mod = types.ModuleType("m"); mod.__package__ = "solutions"; mod.__file__ = "/tmp/m.py"
    exec(compile(m.source.replace("from .rnn_layers", "from solutions.rnn_layers").replace("from .shapes", "from solutions.shapes"), "m", "exec"), mod.__dict__)
    e = by[m.function]; r = check_exercise(e, mod, refs)
    text = format_report(r, len(e.cases))
    good = r.state == "wrong" and m.hint in text
    ok += good
    print("OK " if good else "BAD", m.function, "|", m.name)
print(ok, "of", len(ATTENTION_MUTANTS))
