"""A student's session in a real browser (`make test-browser`): JupyterLab as `make lab` starts it,
01_rnn_cell.ipynb opened in headless Chromium and run cell by cell, once with the solved package and
once with the stubs. Screenshots go to build/browser/. The server is stopped in every case.
"""

import json
import os
import re
import shutil
import time
from contextlib import contextmanager
from pathlib import Path

import pytest

from checks.notebook_runs import import_path_for
from tests.helpers import ROOT, SOLUTIONS
from tests.lab_server import TOKEN, running_lab

pytestmark = pytest.mark.browser
playwright = pytest.importorskip(
    "playwright.sync_api", reason="playwright is not installed: make test-browser"
)

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
SHOTS = ROOT / "build" / "browser"
NOTEBOOK = "01_rnn_cell.ipynb"
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage",
]  # fmt: skip


@contextmanager
def jupyterlab(tmp_path, package):
    """JupyterLab serving a copy of notebooks/ (autosave must not touch the repo), `package` as assignment."""
    served = tmp_path / "notebooks"
    shutil.copytree(ROOT / "notebooks", served)
    pythonpath, standin = import_path_for(package)
    try:
        with running_lab(tmp_path, root_dir=served, env=dict(os.environ, PYTHONPATH=pythonpath)) as base:
            yield f"{base}/lab/tree/{NOTEBOOK}?token={TOKEN}"
    finally:
        if standin is not None:
            standin.cleanup()


def run_every_cell(page, url, screenshot):
    """Open the notebook and run its cells one by one (Shift+Enter), as a student would."""
    cell_types = [c["cell_type"] for c in json.loads((ROOT / "notebooks" / NOTEBOOK).read_text())["cells"]]
    page.goto(url)
    page.wait_for_selector(".jp-NotebookPanel .jp-Cell", timeout=90_000)
    # The kernel is ready when the status bar says so; keys pressed before that are lost.
    page.get_by_text(re.compile(r"Python 3 \(RNN course\) \| Idle")).wait_for(timeout=90_000)
    no_news = page.get_by_role("button", name="No")  # JupyterLab's first-start question about news
    if no_news.count():
        no_news.first.click()
    page.locator(".jp-NotebookPanel .jp-Cell").first.click()
    page.keyboard.press("Escape")
    time.sleep(1)
    code_index = 0
    for cell_type in cell_types:
        page.keyboard.press("Shift+Enter")
        if cell_type == "code":
            prompt = page.locator(".jp-NotebookPanel .jp-CodeCell .jp-InputPrompt").nth(code_index)
            deadline = time.monotonic() + 60
            while not re.fullmatch(r"\[\d+\]:", prompt.inner_text().strip()):
                assert time.monotonic() < deadline, f"code cell {code_index + 1} did not finish"
                time.sleep(0.2)
            code_index += 1
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.get_by_text("rnn_step_forward", exact=False).last.scroll_into_view_if_needed()
    page.screenshot(path=str(SHOTS / screenshot))
    outputs = page.locator(".jp-NotebookPanel .jp-OutputArea-output")
    # text_content, not inner_text: JupyterLab skips rendering cells scrolled out of view
    # (content-visibility), and inner_text of an unrendered output is empty.
    texts = [outputs.nth(i).text_content() for i in range(outputs.count())]
    errors = page.locator(
        '.jp-NotebookPanel .jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stderr"]'
    )
    return texts, [errors.nth(i).text_content() for i in range(errors.count())]


@pytest.fixture(scope="module")
def browser():
    with playwright.sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


def test_the_solved_notebook_shows_its_passing_verdicts_and_no_error(browser, tmp_path):
    with jupyterlab(tmp_path, SOLUTIONS) as url:
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        texts, errors = run_every_cell(page, url, "01_rnn_cell-solved.png")
    assert errors == [], errors
    assert any("✓ rnn_step_forward is right in all 6 checks." in t for t in texts), texts
    assert any("rnn_step_forward = 0.2913" in t for t in texts), texts


def test_the_stubs_show_what_to_do(browser, tmp_path):
    with jupyterlab(tmp_path, ROOT / "assignment") as url:
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        texts, errors = run_every_cell(page, url, "01_rnn_cell-stubs.png")
    message = "rnn_step_forward is not written yet: fill in its TODO in assignment/rnn_layers.py"
    todo = [e for e in errors if "NotImplementedError" in e and message in e]
    assert len(todo) == 2, errors  # the example cell and the worked example call the function
    assert any(
        "rnn_step_forward: not written yet: fill in its TODO at assignment/rnn_layers.py" in t for t in texts
    )
    assert Path(SHOTS / "01_rnn_cell-stubs.png").stat().st_size > 10_000


def test_the_published_chapters_open_with_every_figure_loaded(browser, tmp_path):
    """`make site`, opened as a reader would: the contents page, then every chapter, every picture drawn."""
    from tests.test_generated_files import figures_of
    from tools.site import build

    assert build(tmp_path / "site") == []
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.goto((tmp_path / "site" / "index.html").as_uri())
    links = page.locator("ol.chapters a")
    names = [links.nth(i).get_attribute("href") for i in range(links.count())]
    references = sorted((ROOT / "checks" / "reference_notebooks").glob("*.ipynb"))
    assert names == [f"{p.stem}.html" for p in references]
    for path in references:
        page.goto((tmp_path / "site" / f"{path.stem}.html").as_uri())
        page.wait_for_load_state("load")
        widths = page.eval_on_selector_all(
            "img", "images => images.map(i => i.complete ? i.naturalWidth : 0)"
        )
        drawn = [w for w in widths if w > 0]
        assert len(widths) == len(drawn), (path.name, widths)  # every picture loaded, the SVG diagrams too
        assert len(drawn) >= len(figures_of(path)), path.name
    # The formulas are typeset by the site's own MathJax (make test-browser installs Debian's), offline.
    assert (tmp_path / "site" / "mathjax" / "MathJax.js").is_file()
    page.wait_for_selector(".MathJax_CHTML", timeout=30_000)
    assert page.locator(".MathJax_CHTML").count() > 10
    assert "\\hat z_t" not in page.locator("body").inner_text()  # no formula left as TeX
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "site-last-chapter.png"), full_page=False)
