"""The character language model's text: Python's own documentation, which every Python installation has.

    python -m course.text_data [--out DIR]       (``make data`` runs it when needed)

``pydoc_data.topics`` (the text ``help()`` shows for keywords and topics) ships inside CPython's standard
library, so the text is on every machine with no download. Topics are taken in sorted order; every tenth
one goes to the validation split, so that validation text is about topics never seen in training. The
vocabulary is every character of both splits. The text changes a little between Python versions, which
is why the notebook prints verdicts rather than raw losses.
"""

import argparse
import json
import platform
import sys
from pathlib import Path

from . import manifest
from .paths import DATASETS

OUT = DATASETS / "char_lm"
VERSION = f"1/python-{platform.python_version()}"  # the text is that of the running Python


def splits():
    from pydoc_data.topics import topics

    keys = sorted(topics)
    val_keys = set(keys[::10])
    train = "\n".join(topics[k] for k in keys if k not in val_keys)
    val = "\n".join(topics[k] for k in keys if k in val_keys)
    return train, val


def write_files(out):
    """Write train.txt, val.txt and vocab.json into the folder `out`; returns their names."""
    train, val = splits()
    chars = sorted(set(train) | set(val))
    (out / "train.txt").write_text(train, encoding="utf-8")
    (out / "val.txt").write_text(val, encoding="utf-8")
    (out / "vocab.json").write_text(json.dumps({"chars": chars}, ensure_ascii=False, indent=0) + "\n")
    return ["train.txt", "val.txt", "vocab.json"]


def build(out=OUT):
    """Build the text into `out` and its manifest (see manifest.build_into); returns the files written."""
    return manifest.build_into(out, VERSION, write_files)


def problems(out=OUT):
    """What is wrong with the built text in `out` (missing, changed or old files); [] if nothing."""
    return manifest.problems(out, VERSION)


def main(argv=None):
    parser = argparse.ArgumentParser(description="Build the character language model's text (if needed).")
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args(argv)
    return manifest.run_build(
        args.out, VERSION, write_files, "the character language model's text", "a second"
    )


if __name__ == "__main__":
    sys.exit(main())
