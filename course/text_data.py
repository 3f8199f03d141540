"""The character language model's text: Python's own documentation, which every Python installation has.

    python -m course.text_data [--out DIR]       (``make data`` runs it when needed)

``pydoc_data.topics`` (the text ``help()`` shows for keywords and topics) ships inside CPython's standard
library, so the text is on every machine with no download. Topics are taken in sorted order; every tenth
one goes to the validation split, so that validation text is about topics never seen in training. The
vocabulary is every character of both splits. The text changes a little between Python versions, which
is why the notebook prints verdicts rather than raw losses.
"""

import argparse
import hashlib
import json
import platform
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "datasets" / "char_lm"
VERSION = f"1/python-{platform.python_version()}"  # the text is that of the running Python


def splits():
    from pydoc_data.topics import topics

    keys = sorted(topics)
    val_keys = set(keys[::10])
    train = "\n".join(topics[k] for k in keys if k not in val_keys)
    val = "\n".join(topics[k] for k in keys if k in val_keys)
    return train, val


def build(out=OUT):
    out.mkdir(parents=True, exist_ok=True)
    (out / "MANIFEST.json").unlink(missing_ok=True)
    train, val = splits()
    chars = sorted(set(train) | set(val))
    (out / "train.txt").write_text(train, encoding="utf-8")
    (out / "val.txt").write_text(val, encoding="utf-8")
    (out / "vocab.json").write_text(json.dumps({"chars": chars}, ensure_ascii=False, indent=0) + "\n")
    files = {
        n: hashlib.sha256((out / n).read_bytes()).hexdigest() for n in ("train.txt", "val.txt", "vocab.json")
    }
    (out / "MANIFEST.json").write_text(json.dumps({"version": VERSION, "files": files}, indent=1) + "\n")


def problems(out=OUT):
    try:
        manifest = json.loads((out / "MANIFEST.json").read_text())
    except (OSError, ValueError):
        return [f"{out / 'MANIFEST.json'} is missing or unreadable"]
    if manifest.get("version") != VERSION:
        return [f"{out} was built for {manifest.get('version')}, this is {VERSION}"]
    found = []
    for name, expected in manifest["files"].items():
        path = out / name
        if not path.exists():
            found.append(f"{path} is missing")
        elif hashlib.sha256(path.read_bytes()).hexdigest() != expected:
            found.append(f"{path} has changed since it was built")
    return found


def main(argv=None):
    parser = argparse.ArgumentParser(description="Build the character language model's text (if needed).")
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args(argv)
    wrong = problems(args.out)
    if not wrong:
        print(f"{args.out}: the character language model's text is built and intact.")
        return 0
    print(f"building the character language model's text: {wrong[0]}")
    build(args.out)
    print(f"{args.out}: wrote train.txt, val.txt and vocab.json.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
