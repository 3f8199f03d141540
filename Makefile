# Recurrent networks from scratch: the two commands a fresh clone needs are `make lab` and `make test`.
# Run `make help` for the rest.

.DEFAULT_GOAL := help
# In this repository the check weighs exercises by the instructor's table (the student edition: 1 each).
POINTS ?= grading/points.toml
include student.mk

.PHONY: help assignment site test test-browser bench lint format stubs references notebooks nbval-matrix oracle-deps release \
  autograder grade clean

help: help-students
	@echo "Maintainers:"
	@echo "  make test                set up (once) and run every check against solutions/"
	@echo "  make test-browser        open a notebook in headless Chromium and run it, solved and as stubs"
	@echo "  make stubs               regenerate assignment/ from solutions/ (refuses to overwrite edited files)"
	@echo "  make references          recompute the check values from solutions/"
	@echo "  make notebooks           re-execute the notebooks against solutions/ and save the reference outputs"
	@echo "  make nbval-matrix        the notebooks under 3 OpenBLAS kernels x 1 and 2 threads (the training ones under 2)"
	@echo "  make oracle-deps         install PyTorch (test-only) so make test compares the layers with it"
	@echo "  make release             the student edition, without solutions, in dist/ (a folder and a zip)"
	@echo "  make site                the chapters as HTML with their outputs and figures, in dist/site/"
	@echo "  make bench               time the layers against PyTorch and the matmul floor (build/bench.md)"
	@echo "  make lint / make format  ruff"
	@echo "Instructors (grading; points in grading/points.toml):"
	@echo "  make autograder          dist/autograder.zip for Gradescope"
	@echo "  make grade SUBMISSIONS=dir  grade a folder of submissions (as root): grades/grades.csv and feedback"

# assignment/ (the student's package) and checks/handed_out/ (it as handed out, for make restore and the
# check) are generated from solutions/, never committed: built when missing, and every file nobody has
# edited follows solutions/; an edited file is never touched (docs/maintainers.md).
assignment: setup
	@$(PY) -m tools.stubs --update $(if $(filter json,$(FORMAT)),>&2,)

lab check restore: assignment

# Two pytest workers: the notebook and release tests are independent, and the machine has 2 cores.
TEST_WORKERS ?= 2

test: setup data assignment
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	$(PY) -m tools.stubs --check
	$(PY) -m tools.references --verify
	$(PY) -m tools.notebooks --verify
	$(PY) -m pytest -n $(TEST_WORKERS) --dist loadgroup --durations=12

lint: setup
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .

format: setup
	$(PY) -m ruff check --fix .
	$(PY) -m ruff format .

stubs: setup
	$(PY) -m tools.stubs $(if $(FORCE),--force,)

references: setup
	$(PY) -m tools.references

notebooks: setup data references
	$(PY) -m tools.notebooks

nbval-matrix: setup data
	$(PY) -m pytest -n $(TEST_WORKERS) tests/test_notebooks.py -k matrix -m 'not browser'

oracle-deps: setup
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-oracle.txt

# Debian's Chromium (root installs it with apt-get) driven by Playwright, which downloads no browser itself.
test-browser: setup
	@command -v chromium >/dev/null && test -f /usr/share/javascript/mathjax/MathJax.js || { \
	  echo "installing Debian's chromium and libjs-mathjax packages (needs root and apt-get)"; \
	  apt-get update -q && apt-get install -y -q chromium libjs-mathjax; }
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-browser.txt
	$(PY) -m pytest -m browser tests/test_browser.py

release: setup
	$(PY) -m tools.release

# Formulas: Debian's MathJax when it can be installed (root), so that the site needs no network.
site: setup
	@test -f /usr/share/javascript/mathjax/MathJax.js || { [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null && \
	  echo "installing Debian's libjs-mathjax, so that the pages typeset formulas offline" && \
	  apt-get update -q >/dev/null && apt-get install -y -q libjs-mathjax >/dev/null; } || \
	  echo "note: without Debian's libjs-mathjax the pages load MathJax from its CDN when they are viewed"
	$(PY) -m tools.site

autograder: setup
	$(PY) -m grading.autograder

grade: setup data
	@test -n "$(SUBMISSIONS)" || { echo "usage: make grade SUBMISSIONS=folder (one folder or .zip per student)"; exit 2; }
	$(PY) -m grading.gradebook "$(SUBMISSIONS)"

# Speed is measured here, never asserted in timed tests.
bench: setup assignment
	$(PY) -m tools.bench

clean:
	rm -rf build dist
