# The two commands of the README: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: run test bench lint typecheck

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@

run: $(VENV)/.installed
	$(BIN)/amazing-store seed-demo --if-empty
	$(BIN)/amazing-store run

test: $(VENV)/.installed
	$(BIN)/pytest -q

# Benchmarks print figures (one table); they are not part of the test command.
bench: $(VENV)/.installed
	$(BIN)/python -m tests.bench.report

# The code as ruff formats it, and ruff's lint rules.
lint: $(VENV)/.installed
	$(BIN)/ruff format --check .
	$(BIN)/ruff check .

# mypy on the six rooms, as configured in pyproject.toml ([tool.mypy]).
typecheck: $(VENV)/.installed
	$(BIN)/mypy
