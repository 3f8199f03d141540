"""JupyterLab started exactly as `make lab` starts it, on a free localhost port, and always stopped."""

import os
import signal
import socket
import subprocess
import time
import urllib.request
from contextlib import contextmanager

from course.lab import NOTEBOOKS, lab_command
from tests.helpers import ROOT

TOKEN = "course-test-token"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def running_lab(tmp_path, root_dir=NOTEBOOKS, env=None, timeout=90):
    """Yield the server's base URL; the server (and its kernels) are stopped however the block ends."""
    port = free_port()
    env = dict(os.environ if env is None else env, JUPYTER_RUNTIME_DIR=str(tmp_path / "runtime"))
    log_path = tmp_path / "lab.log"
    with open(log_path, "w") as log:
        server = subprocess.Popen(
            lab_command(port=port, open_browser=False, token=TOKEN, root_dir=root_dir),
            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip
        try:
            base = f"http://127.0.0.1:{port}"
            deadline = time.monotonic() + timeout
            while True:
                try:
                    urllib.request.urlopen(f"{base}/api/status?token={TOKEN}", timeout=5).close()
                    break
                except OSError:
                    if time.monotonic() > deadline or server.poll() is not None:
                        raise RuntimeError(f"JupyterLab did not start:\n{log_path.read_text()}") from None
                    time.sleep(0.5)
            yield base
        finally:
            os.killpg(server.pid, signal.SIGTERM)
            try:
                server.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(server.pid, signal.SIGKILL)
                server.wait()
