# Recurrent networks from scratch: the two commands a fresh clone needs are `make lab` and `make test`.
# Run `make help` for the rest.

PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
ONLY   ?=

.DEFAULT_GOAL := help
.PHONY: help setup lab check test lint format stubs references notebooks nbval-matrix oracle-deps clean

help:
	@echo "Students:"
	@echo "  make lab                 set up (once) and start JupyterLab on notebooks/"
	@echo "  make check [ONLY=name]   which exercises are done, wrong (and why) or TODO; ONLY= an exercise or notebook"
	@echo "Maintainers:"
	@echo "  make test                set up (once) and run every check against solutions/"
	@echo "  make stubs               regenerate assignment/ from solutions/ (refuses to overwrite edited files)"
	@echo "  make references          recompute the check values from solutions/"
	@echo "  make notebooks           re-execute the notebooks against solutions/ and save the reference outputs"
	@echo "  make nbval-matrix        the notebooks under 3 OpenBLAS kernels x 1 and 2 threads"
	@echo "  make oracle-deps         install PyTorch (test-only) so make test compares the layers with it"
	@echo "  make lint / make format  ruff"

# The virtual environment: created if missing, re-installed whenever requirements.txt changes.
$(STAMP): requirements.txt tools/setup_venv.py
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || \
	  { echo "error: the course needs Python 3.11 or newer; '$(PYTHON)' is older. Run: make PYTHON=python3.12 ..."; exit 1; }
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.txt
	$(PY) tools/setup_venv.py
	@touch $(STAMP)

setup: $(STAMP)

lab: setup
	$(PY) -m tools.lab

check: setup
	@$(PY) -m checks --only "$(ONLY)"

test: setup
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	$(PY) -m tools.stubs --check
	$(PY) -m checks.references --verify
	$(PY) -m tools.notebooks --verify
	$(PY) -m pytest

lint: setup
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .

format: setup
	$(PY) -m ruff check --fix .
	$(PY) -m ruff format .

stubs: setup
	$(PY) -m tools.stubs $(if $(FORCE),--force,)

references: setup
	$(PY) -m checks.references

notebooks: setup references
	$(PY) -m tools.notebooks

nbval-matrix: setup
	$(PY) -m pytest tests/test_notebooks.py -k matrix

oracle-deps: setup
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-oracle.txt

clean:
	rm -rf build dist
