# The two commands of the README: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: run test bench lint typecheck

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

# What runs the shop; the test and lint tools come with the dev extras, for the targets that use them.
$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.installed-dev: $(VENV)/.installed
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@

# The trial: the demo catalog on an empty database, unconfigured marketplaces and the Central Bank's rates served
# by local sandboxes.
run: $(VENV)/.installed
	$(BIN)/amazing-store seed-demo --if-empty
	DEMO_RATES=true $(BIN)/amazing-store run

test: $(VENV)/.installed-dev
	$(BIN)/pytest -q -n auto

# Benchmarks print figures (one table); they are not part of the test command.
bench: $(VENV)/.installed-dev
	$(BIN)/python -m tests.bench.report

# The code as ruff formats it, and ruff's lint rules.
lint: $(VENV)/.installed-dev
	$(BIN)/ruff format --check .
	$(BIN)/ruff check .

# mypy on the six rooms, as configured in pyproject.toml ([tool.mypy]).
typecheck: $(VENV)/.installed-dev
	$(BIN)/mypy
