"""`make lab` serves the notebooks: start the server the same way on a free port, list them, stop it."""

import json
import os
import signal
import socket
import subprocess
import time
import urllib.request

from tests.helpers import ROOT
from tools.lab import lab_command


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def get_json(url, deadline):
    while True:
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                return json.load(response)
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.5)


def test_lab_serves_the_notebooks_and_the_course_kernel(tmp_path):
    port, token = free_port(), "course-test-token"
    env = dict(os.environ, JUPYTER_RUNTIME_DIR=str(tmp_path), JUPYTER_CONFIG_DIR=str(tmp_path / "config"))
    log = open(tmp_path / "lab.log", "w")
    server = subprocess.Popen(
        lab_command(port=port, open_browser=False, token=token),
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 90
        contents = get_json(f"{base}/api/contents?token={token}", deadline)
        names = {item["name"] for item in contents["content"]}
        expected = {p.name for p in (ROOT / "notebooks").glob("*.ipynb")}
        assert expected and expected <= names, names
        kernels = get_json(f"{base}/api/kernelspecs?token={token}", deadline)
        assert "rnn-course" in kernels["kernelspecs"], kernels["kernelspecs"].keys()
        assert kernels["default"] == "rnn-course"
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()
        log.close()
    assert server.returncode is not None
