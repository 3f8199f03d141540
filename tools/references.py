"""Compute the reference outputs of every check case from ``solutions/`` (``make references``).

python -m tools.references            update checks/reference_values.json
python -m tools.references --verify   exit 1 if the stored values no longer match solutions/

Only the values that changed (beyond 1e-12, normwise) are replaced: recomputing on another machine or
BLAS gives last-digit differences, which would otherwise rewrite the whole file for nothing.
"""

import argparse
import importlib
import json
import sys

import numpy as np

from checks.core import REFERENCE_FILE, load_references, normwise_error, reference_outputs
from checks.registry import EXERCISES


def compute(package="solutions"):
    values = {}
    for exercise in EXERCISES:
        module = importlib.import_module(f"{package}.{exercise.module}")
        values[exercise.name] = reference_outputs(exercise, module)
    return values


def stale_values(stored, fresh, tol=1e-12):
    """Names ('exercise / case / output') whose stored value is missing or differs from `fresh`."""
    stale = []
    for exercise, cases in fresh.items():
        for case, outputs in cases.items():
            for name, value in outputs.items():
                old = stored.get(exercise, {}).get(case, {}).get(name)
                value = np.asarray(value)
                if old is None or old.shape != value.shape or normwise_error(old, value) > tol:
                    stale.append(f"{exercise} / {case} / {name}")
    stale += [f"{exercise} (no longer an exercise)" for exercise in set(stored) - set(fresh)]
    return stale


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--verify", action="store_true")
    args = parser.parse_args(argv)
    values = compute()
    if args.verify:
        stale = stale_values(load_references(), values)
        for item in stale:
            print(f"stale reference value: {item}")
        if stale:
            print("The reference values do not match solutions/: run `make references`.")
            return 1
        print(f"reference values match solutions/ ({len(values)} exercises)")
        return 0
    stored = load_references(REFERENCE_FILE) if REFERENCE_FILE.exists() else {}
    stale = stale_values(stored, values)
    if not stale:
        print(f"{REFERENCE_FILE.name} already matches solutions/ ({len(values)} exercises): left as it is")
        return 0
    raw = json.loads(REFERENCE_FILE.read_text(encoding="utf-8")) if REFERENCE_FILE.exists() else {}
    merged = {
        exercise: {
            case: {
                name: raw[exercise][case][name] if f"{exercise} / {case} / {name}" not in stale else value
                for name, value in outputs.items()
            }
            for case, outputs in cases.items()
        }
        for exercise, cases in values.items()
    }
    REFERENCE_FILE.write_text(json.dumps(merged, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    print(f"updated {REFERENCE_FILE.name}: {len(stale)} value(s) changed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
