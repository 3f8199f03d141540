"""The dates to translate (notebook 10): human-written dates and their ISO form, built from ``datetime``.

    python -m course.dates_data [--out DIR]       (``make data`` runs it when needed)

Every date is drawn uniformly from 1900-01-01 to 2099-12-31 by NumPy's seeded generator and written in
one of the formats below; the month and weekday names are the course's own lists, not the machine's
locale, so the files are the same on every machine. The target is the ISO date, "1958-08-29".

The training formats are split into train, validation and test sets of distinct source strings. The
held-out formats are never used in training: they recombine pieces the training formats have (an
ordinal day before a month name, a weekday with a comma, a year first with slashes), to ask whether the
model learned the pieces or memorised the formats.
"""

import argparse
import datetime
import json
import sys
from pathlib import Path

import numpy as np

from . import manifest
from .paths import DATASETS

OUT = DATASETS / "dates"
VERSION = "2"
SEED = 2014  # the year of Sutskever et al. and of Cho et al.

MONTHS = [
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
]  # fmt: skip
WEEKDAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]


def ordinal(day):
    """'1st', '2nd', '3rd', '4th', ... '11th', '12th', '13th', ... '21st', ..."""
    suffix = "th" if 11 <= day <= 13 else {1: "st", 2: "nd", 3: "rd"}.get(day % 10, "th")
    return f"{day}{suffix}"


def _parts(date):
    month, weekday = MONTHS[date.month - 1], WEEKDAYS[date.weekday()]
    return date.day, date.month, date.year, month, weekday


# Each format writes a datetime.date as a person might. Days and months with or without a leading zero.
TRAIN_FORMATS = {
    "29 August 1958": lambda d, m, y, mon, wd: f"{d} {mon} {y}",
    "the 29th of August 1958": lambda d, m, y, mon, wd: f"the {ordinal(d)} of {mon} {y}",
    "08/29/1958": lambda d, m, y, mon, wd: f"{m:02d}/{d:02d}/{y}",
    "Fri 29 AUGUST 1958": lambda d, m, y, mon, wd: f"{wd[:3]} {d} {mon.upper()} {y}",
    "1958.8.29": lambda d, m, y, mon, wd: f"{y}.{m}.{d}",
    "August 29, 1958": lambda d, m, y, mon, wd: f"{mon} {d}, {y}",
    "29 Aug 1958": lambda d, m, y, mon, wd: f"{d} {mon[:3]} {y}",
    "aug 29 1958": lambda d, m, y, mon, wd: f"{mon[:3].lower()} {d} {y}",
    "29.08.1958": lambda d, m, y, mon, wd: f"{d:02d}.{m:02d}.{y}",
    "Friday, August 29, 1958": lambda d, m, y, mon, wd: f"{wd}, {mon} {d}, {y}",
    "29-AUG-1958": lambda d, m, y, mon, wd: f"{d:02d}-{mon[:3].upper()}-{y}",
    "1958/08/29": lambda d, m, y, mon, wd: f"{y}/{m:02d}/{d:02d}",
}
HELD_OUT_FORMATS = {
    "August 29th, 1958": lambda d, m, y, mon, wd: f"{mon} {ordinal(d)}, {y}",
    "Fri, 29 Aug 1958": lambda d, m, y, mon, wd: f"{wd[:3]}, {d} {mon[:3]} {y}",
    "29 AUG 1958": lambda d, m, y, mon, wd: f"{d} {mon[:3].upper()} {y}",
    "1958/8/29": lambda d, m, y, mon, wd: f"{y}/{m}/{d}",
}
SIZES = {"train": 20000, "val": 1000, "test": 1000}
HELD_OUT_SIZE = 1000
FIRST, LAST = datetime.date(1900, 1, 1), datetime.date(2099, 12, 31)


def random_dates(rng, count):
    days = rng.randint(0, (LAST - FIRST).days + 1, size=count)
    return [FIRST + datetime.timedelta(days=int(k)) for k in days]


def write_date(date, fmt):
    return fmt(*_parts(date))


def examples(formats, count, rng, taken):
    """`count` (source, target, format) triples, sources not in `taken` (which grows), formats at random."""
    names = sorted(formats)
    pairs = []
    while len(pairs) < count:
        for date in random_dates(rng, count - len(pairs)):
            name = names[rng.randint(len(names))]
            source = write_date(date, formats[name])
            if source not in taken:
                taken.add(source)
                pairs.append((source, date.isoformat(), name))
    return pairs


def splits():
    """{split: [(source, target, format), ...]} for train, val, test and heldout."""
    rng, taken = np.random.RandomState(SEED), set()
    out = {name: examples(TRAIN_FORMATS, size, rng, taken) for name, size in SIZES.items()}
    out["heldout"] = examples(HELD_OUT_FORMATS, HELD_OUT_SIZE, rng, taken)
    return out


def write_files(out):
    """Write train.tsv, val.tsv, test.tsv, heldout.tsv (lines: source, target and the format's name, separated
    by tabs) and vocab.json into `out`; returns their names."""
    data = splits()
    names = []
    for split, pairs in data.items():
        (out / f"{split}.tsv").write_text("".join(f"{s}\t{t}\t{f}\n" for s, t, f in pairs), encoding="utf-8")
        names.append(f"{split}.tsv")
    sources = sorted({c for triples in data.values() for s, _, _ in triples for c in s})
    targets = sorted({c for triples in data.values() for _, t, _ in triples for c in t})
    vocab = {"source": sources, "target": targets, "formats": sorted(TRAIN_FORMATS)}
    vocab["held_out_formats"] = sorted(HELD_OUT_FORMATS)
    (out / "vocab.json").write_text(json.dumps(vocab, indent=1) + "\n", encoding="utf-8")
    return [*names, "vocab.json"]


def build(out=OUT):
    """Build the dates into `out` and its manifest (see manifest.build_into); returns the files written."""
    return manifest.build_into(out, VERSION, write_files)


def problems(out=OUT):
    """What is wrong with the built dates in `out` (missing, changed or old files); [] if nothing."""
    return manifest.problems(out, VERSION)


def main(argv=None):
    parser = argparse.ArgumentParser(description="Build the dates to translate (if needed).")
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args(argv)
    return manifest.run_build(args.out, VERSION, write_files, "the dates to translate", "a second")


if __name__ == "__main__":
    sys.exit(main())
