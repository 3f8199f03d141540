"""Start JupyterLab on notebooks/ with the course's kernel (what `make lab` runs).

    python -m course.lab [--port N] [--no-browser]

A browser is opened only where there is a display to show it on.
"""

import argparse
import os
import subprocess
import sys

from .paths import NOTEBOOKS, ROOT

KERNEL_NAME = "rnn-course"


def has_display():
    """True where a browser window can be shown (a desktop session, macOS, Windows)."""
    if os.environ.get("CI"):
        return False
    if sys.platform.startswith("linux"):
        return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))
    return True


def lab_command(port=None, open_browser=None, token=None, root_dir=NOTEBOOKS):
    """The command line that serves notebooks/ with JupyterLab; tests start the server with it too."""
    if open_browser is None:
        open_browser = has_display()
    command = [
        sys.executable, "-m", "jupyterlab",
        f"--ServerApp.root_dir={root_dir}",
        f"--MappingKernelManager.default_kernel_name={KERNEL_NAME}",
    ]  # fmt: skip
    if not open_browser:
        command.append("--no-browser")
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        # Containers and CI often run as root, where Jupyter refuses to start without this.
        command.append("--allow-root")
    if port is not None:
        command += [f"--port={port}", "--ServerApp.port_retries=0", "--ip=127.0.0.1"]
    if token is not None:
        command.append(f"--IdentityProvider.token={token}")
    return command


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int)
    parser.add_argument("--no-browser", action="store_true")
    args = parser.parse_args(argv)
    command = lab_command(port=args.port, open_browser=False if args.no_browser else None)
    try:
        return subprocess.call(command, cwd=ROOT)
    except KeyboardInterrupt:
        return 0


if __name__ == "__main__":
    sys.exit(main())
