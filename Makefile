# MRI Match: `make run` serves the app with demo data, `make test` runs the whole suite.
# Both set everything up themselves (virtualenv, install, migrations).

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app mri_match
HOST ?= 127.0.0.1
PORT ?= 5000

.PHONY: run test lint security format install db clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# Reinstall whenever the dependency list changes.
$(VENV)/.installed: setup.cfg pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@

install: $(VENV)/.installed

db: install
	$(FLASK) db upgrade

run: db
	$(FLASK) seed-demo --if-empty
	$(FLASK) demo-logins
	$(FLASK) run --host $(HOST) --port $(PORT)

# mypy checks the matching engine (mri_match/engine; configured in pyproject.toml).
lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

# bandit fails on any medium or high finding (low ones are reviewed, not blocking; a `# nosec`
# needs its reason on the same line). pip-audit fails on a known vulnerability that is not
# justified in .ci/pip-audit-ignore.txt; when its service cannot be reached it warns loudly and
# passes (PIP_AUDIT_STRICT=1 makes that fail too): see .ci/pip_audit.py.
security: install
	$(BIN)/bandit -q -r mri_match .ci/pip_audit.py --severity-level medium
	$(BIN)/python .ci/pip_audit.py

test: lint security
	$(BIN)/python -m pytest

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache *.egg-info
