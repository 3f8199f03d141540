# What a student needs: the virtual environment, JupyterLab and the check. Included by the Makefile of
# the full repository and by the student edition's, so both behave the same.

PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
ONLY   ?=
TIMEOUT ?=
NOTEBOOKS ?= 1
SPEED  ?= 1
FORMAT ?=
POINTS ?=

.PHONY: setup data lab check restore help-students

help-students:
	@echo "Students:"
	@echo "  make lab                 set up (once) and start JupyterLab on notebooks/"
	@echo "  make check [ONLY=name]   which exercises are done, wrong (and why) or TODO; ONLY= an exercise or notebook"
	@echo "                           NOTEBOOKS=0 skips the notebook re-runs, SPEED=0 the timing, TIMEOUT=120 allows"
	@echo "                           each exercise more seconds (default 60), FORMAT=json prints JSON"
	@echo "  make restore             write a fresh stub for each missing file of assignment/ (touches no other)"
	@echo "  make data                build the data sets in datasets/ (lab and check do it when needed)"

# The virtual environment: created if missing, re-installed whenever requirements.txt changes.
$(STAMP): requirements.txt course/setup_venv.py
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || \
	  { echo "error: the course needs Python 3.11 or newer; '$(PYTHON)' is older. Run: make PYTHON=python3.12 ..."; exit 1; }
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.txt
	$(PY) -m course.setup_venv
	@touch $(STAMP)

setup: $(STAMP)

# The data sets are built locally (nothing is downloaded); rebuilt only if missing, changed or outdated.
# With FORMAT=json the data's messages go to stderr, so that stdout holds only the JSON.
data: setup
	@$(PY) -m course.captioning_data $(if $(filter json,$(FORMAT)),>&2,)
	@$(PY) -m course.text_data $(if $(filter json,$(FORMAT)),>&2,)
	@$(PY) -m course.dates_data $(if $(filter json,$(FORMAT)),>&2,)

lab: setup data
	$(PY) -m course.lab

# In a terminal, the check's own summary is the last line a student reads: a status of 1 (something is
# not done yet) would only add make's "*** [check] Error 1", which reads as a crash. Elsewhere (a script,
# CI, a pipe) and for any other status, the exit status is the check's.
check: setup data
	@$(PY) -m checks --only "$(ONLY)" --timeout "$(TIMEOUT)" $(if $(filter json,$(FORMAT)),--json,) \
	  $(if $(POINTS),--points "$(POINTS)",) \
	  $(if $(filter 0,$(NOTEBOOKS)),--no-notebooks,) $(if $(filter 0,$(SPEED)),--no-speed,); \
	  status=$$?; if [ $$status -eq 1 ] && [ -t 1 ]; then exit 0; fi; exit $$status

restore: setup
	@$(PY) -m checks.restore
