"""`make lab` serves the notebooks: start the server the same way on a free port, list them, stop it."""

import json
import urllib.request

from tests.helpers import ROOT
from tests.lab_server import TOKEN, running_lab


def get_json(url):
    with urllib.request.urlopen(url, timeout=10) as response:
        return json.load(response)


def test_lab_serves_the_notebooks_and_the_course_kernel(tmp_path):
    with running_lab(tmp_path) as base:
        contents = get_json(f"{base}/api/contents?token={TOKEN}")
        names = {item["name"] for item in contents["content"]}
        expected = {p.name for p in (ROOT / "notebooks").glob("*.ipynb")}
        assert expected and expected <= names, names
        kernels = get_json(f"{base}/api/kernelspecs?token={TOKEN}")
        assert "rnn-course" in kernels["kernelspecs"], kernels["kernelspecs"].keys()
        assert kernels["default"] == "rnn-course"


def test_the_server_is_stopped_when_the_block_fails(tmp_path):
    try:
        with running_lab(tmp_path) as base:
            raise KeyError(base)
    except KeyError as err:
        base = err.args[0]
    try:
        urllib.request.urlopen(f"{base}/api/status?token={TOKEN}", timeout=5)
        raise AssertionError("the server still answers")
    except OSError:
        pass
