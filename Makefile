# MRI Match: `make run` serves the app with demo data, `make test` runs the whole suite.
# Both set everything up themselves (virtualenv, pinned install, migrations).

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app mri_match
HOST ?= 127.0.0.1
PORT ?= 5000

# The exact versions, with hashes, that `make install` installs: the dependencies and the test
# extra from setup.cfg, resolved once for Linux and CPython 3.11 or newer. setup.cfg holds the
# ranges; `make lock` writes this file from them. Another set of extras gets a lock file of its
# own beside this one: requirements/lock-semantic.txt (the test and semantic extras) is written by
# `UV_FIND_LINKS=/opt/wheels make lock LOCK=requirements/lock-semantic.txt LOCK_EXTRAS="test
# semantic"` (the directory holding the CPU build of torch) and installed into a virtualenv of
# its own with `make install VENV=.venv-semantic LOCK=requirements/lock-semantic.txt`.
LOCK ?= requirements/lock.txt
LOCK_EXTRAS ?= test
UV := uv==0.13.9

.PHONY: run test check lint security format install lock db clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# Reinstall whenever the lock file or the project's metadata changes. `pip check` fails when the
# lock no longer satisfies setup.cfg (a dependency added there but not locked yet: `make lock`).
# --no-compile: Python compiles each module when it is first imported, rather than pip every
# module of every package (about a minute of CPU for the semantic extra's).
$(VENV)/.installed: $(LOCK) setup.cfg pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --no-compile --require-hashes -r $(LOCK)
	$(BIN)/python -m pip install --quiet --no-deps -e .
	$(BIN)/python -m pip check
	touch $@

install: $(VENV)/.installed

# Re-resolve the lock file after a change to setup.cfg, keeping every pin the ranges still allow;
# `make lock UPGRADE=1` moves every package to the newest version the ranges allow. One version
# of each package for every Python (fork strategy "fewest"), so CI tests what everyone installs.
# The ruff pin in .pre-commit-config.yaml follows the lock.
lock: | $(BIN)/python
	$(BIN)/python -m pip install --quiet "$(UV)"
	$(BIN)/uv pip compile setup.cfg $(foreach extra,$(LOCK_EXTRAS),--extra $(extra)) \
		--universal --fork-strategy fewest --python-version 3.11 --generate-hashes \
		--custom-compile-command "make lock" --quiet $(if $(UPGRADE),--upgrade) -o $(LOCK)
	sed -i -E "s/ruff==[0-9][0-9a-z.]*/$$(grep -o -m1 '^ruff==[0-9][0-9a-z.]*' $(LOCK))/" \
		.pre-commit-config.yaml

db: install
	$(FLASK) db upgrade

run: db
	$(FLASK) seed-demo --if-empty
	$(FLASK) demo-logins
	PUBLICATIONS_INLINE=$${PUBLICATIONS_INLINE:-true} $(FLASK) run --host $(HOST) --port $(PORT)

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

# pytest runs in one process per CPU (pytest-xdist), each test file in one process. Each process
# has a database of its own (an SQLite file per test, or a throwaway PostgreSQL database), a Redis
# database of its own and its own browser; the test servers listen on free ports.
XDIST := -n auto --dist loadfile

test: lint security
	$(BIN)/python -m pytest $(XDIST)

# While working: lint and the fast tests, on SQLite, without the browser or the `slow` ones.
check: lint
	env -u TEST_DATABASE_URL $(BIN)/python -m pytest -q -m "not e2e and not slow" $(XDIST)

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache *.egg-info
