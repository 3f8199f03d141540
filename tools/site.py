"""Build the published chapters (`make site`): the reference notebooks as HTML, with a contents page.

    python -m tools.site [--out DIR]      default: dist/site/

Each chapter is its reference notebook (checks/reference_notebooks/), executed against solutions/ by
`make notebooks`, with every output and figure, converted offline by nbconvert; the notebooks' own
figures (notebooks/figures/) are copied beside them. The notebooks only call the package's functions, so
no solution code is in them; the build checks it anyway, with the release's leak search over the text
of every cell and output, and writes nothing if it finds some. Formulas are typeset by MathJax 2.7:
the copy of Debian's libjs-mathjax when it is installed (`make site` installs it where it can), so the
site works offline; otherwise the one nbconvert names on its public CDN, loaded when a page is viewed.
"""

import argparse
import html
import shutil
import sys
import tempfile
from pathlib import Path

import nbformat
from nbconvert import HTMLExporter

from course.paths import NOTEBOOKS, REFERENCE_NOTEBOOKS, ROOT

from .release import leaks, solution_bodies

MATHJAX = Path("/usr/share/javascript/mathjax")  # Debian's libjs-mathjax
# What the pages' configuration (TeX in, CommonHTML out) loads of it: 1.6 MB of its 54.
MATHJAX_PARTS = [
    "MathJax.js", "config/TeX-AMS_CHTML-full.js", "extensions", "jax/input/TeX", "jax/element",
    "jax/output/CommonHTML", "fonts/HTML-CSS/TeX/woff",
]  # fmt: skip


def local_mathjax(out, source=MATHJAX):
    """Copy the parts of MathJax the pages use into out/mathjax; return the URL the pages load it from,
    or None when it is not installed (the pages then use nbconvert's CDN address)."""
    if not (source / "MathJax.js").is_file():
        return None
    for part in MATHJAX_PARTS:
        target = out / "mathjax" / part
        target.parent.mkdir(parents=True, exist_ok=True)
        if (source / part).is_dir():
            shutil.copytree(source / part, target)  # Debian links the fonts: copy what they point to
        else:
            shutil.copy2(source / part, target)
    return "mathjax/MathJax.js?config=TeX-AMS_CHTML-full,Safe"


def title(nb):
    """The chapter's title: its first heading, without the '#'."""
    for cell in nb.cells:
        if cell.cell_type == "markdown" and cell.source.startswith("# "):
            return cell.source.splitlines()[0][2:].strip()
    return "untitled"


def cell_texts(nb):
    """Every cell's source and text output, as plain text (what the leak search reads)."""
    texts = []
    for cell in nb.cells:
        texts.append(cell.source)
        for output in cell.get("outputs", []):
            texts.append("".join(output.get("text", "")))
            texts += ["".join(v) for k, v in output.get("data", {}).items() if k.startswith("text/")]
    return "\n".join(texts)


def contents(chapters):
    """The contents page: one link per chapter, in order."""
    items = "\n".join(f'<li><a href="{name}.html">{html.escape(text)}</a></li>' for name, text in chapters)
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Recurrent networks from scratch</title>
<style>body {{ font-family: sans-serif; max-width: 46em; margin: 3em auto; line-height: 1.5 }}</style>
</head><body>
<h1>Recurrent networks from scratch</h1>
<p>Chapters that build recurrent neural networks in NumPy, one function at a time, shown with the
outputs and figures of the reference solution.</p>
<ol class="chapters">
{items}
</ol>
</body></html>
"""


def build(out, references=REFERENCE_NOTEBOOKS, figures=NOTEBOOKS / "figures"):
    """Write the site into `out` (replaced); return the leaks found (then nothing is written)."""
    out = Path(out)
    notebooks = {p.stem: nbformat.read(p, as_version=4) for p in sorted(Path(references).glob("*.ipynb"))}
    with tempfile.TemporaryDirectory() as scratch:
        for name, nb in notebooks.items():
            (Path(scratch) / f"{name}.txt").write_text(cell_texts(nb), encoding="utf-8")
        found = leaks(scratch, solution_bodies())
    if found:
        return found
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    url = local_mathjax(out)
    exporter = HTMLExporter(**({"mathjax_url": url} if url else {}))
    for name, nb in notebooks.items():
        page, _ = exporter.from_notebook_node(nb, resources={"metadata": {"name": title(nb)}})
        (out / f"{name}.html").write_text(page, encoding="utf-8")
    shutil.copytree(figures, out / "figures")
    (out / "index.html").write_text(
        contents([(n, title(nb)) for n, nb in notebooks.items()]), encoding="utf-8"
    )
    return []


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "dist" / "site")
    args = parser.parse_args(argv)
    found = build(args.out)
    for leak in found:
        print(f"leak: {leak}", file=sys.stderr)
    if found:
        print("error: a chapter would show solution code; nothing was written", file=sys.stderr)
        return 1
    print(f"wrote the chapters and their contents page to {args.out}/index.html")
    return 0


if __name__ == "__main__":
    sys.exit(main())
