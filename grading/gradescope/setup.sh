#!/usr/bin/env bash
# Gradescope runs this once, as root, when it builds the autograder's image. Choose Gradescope's Ubuntu
# 24.04 base image (the course needs Python 3.11 or newer). Nothing is downloaded but packages: apt's,
# and the pinned requirements from the Python package index. The data sets are built here, once.
set -euo pipefail
cd /autograder/source
apt-get update -q
apt-get install -y -q make python3-venv python3-pip
PYTHON=$(command -v python3.13 || command -v python3.12 || command -v python3.11 || command -v python3)
make setup data PYTHON="$PYTHON"
# The student's code runs as `grader`: it can read the course, but not solutions/, and can write only
# build/ and /tmp, so that it cannot change the check, the reference values or the results.
id grader >/dev/null 2>&1 || useradd --system --no-create-home --shell /usr/sbin/nologin grader
chmod -R go-rwx solutions
mkdir -p build && chown -R grader build
