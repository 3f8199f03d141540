"""Finish the course's virtual environment (run by `make setup` with the venv's Python).

- Puts the repository root on the venv's import path (a .pth file), so `import assignment` and
  `import checks` work from any folder, notebooks/ included, without installing anything.
- Registers the named Jupyter kernel "rnn-course" inside the venv, so JupyterLab offers it.
"""

import subprocess
import sys
import sysconfig
from pathlib import Path

from course.paths import ROOT

KERNEL_NAME = "rnn-course"
KERNEL_DISPLAY = "Python 3 (RNN course)"


def main():
    if sys.prefix == sys.base_prefix:
        sys.exit("error: run this with the virtual environment's Python (make setup does)")
    site = Path(sysconfig.get_paths()["purelib"])
    (site / "rnn_course.pth").write_text(str(ROOT) + "\n", encoding="utf-8")
    subprocess.run(
        [sys.executable, "-m", "ipykernel", "install", "--sys-prefix",
         "--name", KERNEL_NAME, "--display-name", KERNEL_DISPLAY],
        check=True, stdout=subprocess.DEVNULL,
    )  # fmt: skip
    print(f"venv ready: {ROOT} on the import path, Jupyter kernel '{KERNEL_NAME}' registered")


if __name__ == "__main__":
    main()
