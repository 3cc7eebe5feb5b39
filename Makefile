# Two commands on a fresh machine with Python 3.11 and make: `make demo` and `make test`.

PYTHON ?= $(shell command -v python3.11 2>/dev/null || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
RUN_STAMP := $(VENV)/.installed-run
DEV_STAMP := $(VENV)/.installed-dev
CODE := src tests benchmarks

.PHONY: demo test lint format bench clean help

help:
	@echo "make demo   install tailored in .venv and run the demo shop on SQLite"
	@echo "make test   install the dev tools, lint, type-check, run the suite with coverage"
	@echo "make lint   ruff, ruff format --check, mypy --strict, import-linter"
	@echo "make bench  run every benchmark (JSON lines)"

$(BIN)/python:
	@$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "tailored needs Python 3.11+"'
	@$(PYTHON) -m venv $(VENV) || { echo "could not create a virtualenv: on Debian/Ubuntu, apt-get install python3-venv"; exit 1; }
	$(BIN)/python -m pip install --quiet --upgrade pip

$(RUN_STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	@touch $@

$(DEV_STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $@ $(RUN_STAMP)

demo: $(RUN_STAMP)
	$(BIN)/tailored demo $(ARGS)

lint: $(DEV_STAMP)
	$(BIN)/ruff check $(CODE)
	$(BIN)/ruff format --check $(CODE)
	$(BIN)/mypy
	$(BIN)/lint-imports

format: $(DEV_STAMP)
	$(BIN)/ruff check --fix $(CODE)
	$(BIN)/ruff format $(CODE)

test: lint
	$(BIN)/coverage erase
	$(BIN)/pytest --cov --cov-report=term $(ARGS)

bench: $(DEV_STAMP)
	$(BIN)/python -m benchmarks all

clean:
	rm -rf $(VENV) .coverage* .mypy_cache .ruff_cache .pytest_cache .hypothesis
