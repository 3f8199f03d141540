"""Compute the reference outputs of every check case from ``solutions/`` (``make references``).

python -m checks.references            rewrite checks/reference_values.json
python -m checks.references --verify   exit 1 if the stored values no longer match solutions/
"""

import argparse
import importlib
import json
import sys

import numpy as np

from .core import REFERENCE_FILE, load_references, normwise_error, reference_outputs
from .registry import EXERCISES


def compute(package="solutions"):
    values = {}
    for exercise in EXERCISES:
        module = importlib.import_module(f"{package}.{exercise.module}")
        values[exercise.name] = reference_outputs(exercise, module)
    return values


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--verify", action="store_true")
    args = parser.parse_args(argv)
    values = compute()
    if args.verify:
        stored = load_references()
        stale = []
        for exercise, cases in values.items():
            for case, outputs in cases.items():
                for name, fresh in outputs.items():
                    old = stored.get(exercise, {}).get(case, {}).get(name)
                    fresh = np.asarray(fresh)
                    if old is None or old.shape != fresh.shape or normwise_error(old, fresh) > 1e-12:
                        stale.append(f"{exercise} / {case} / {name}")
        for item in stale:
            print(f"stale reference value: {item}")
        if stale or set(stored) != set(values):
            print("The reference values do not match solutions/: run `make references`.")
            return 1
        print(f"reference values match solutions/ ({len(values)} exercises)")
        return 0
    REFERENCE_FILE.write_text(json.dumps(values, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    print(f"wrote {REFERENCE_FILE.name}: {len(values)} exercises")
    return 0


if __name__ == "__main__":
    sys.exit(main())
