# kz-brief: `make run` and `make test` work on a fresh machine with only Python 3.11 and pip.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1
export ANONYMIZED_TELEMETRY := False

.PHONY: install index run test lint format bench clean

# torch is installed first and pinned: the CPU build on this disk. A bare `torch` would pull
# a multi-GB CUDA build.
$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet torch==2.13.0
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

## index: build or update the index from seeds/ (only new or edited documents are embedded)
index: install
	$(BIN)/kz-brief index

## run: index if needed, then Socket Mode when tokens are in .env, else a local console
run: index
	$(BIN)/kz-brief run

## test: set up and run the whole test suite, offline
test: install
	$(BIN)/pytest

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

bench: install
	$(BIN)/python bench/run.py

clean:
	rm -rf $(VENV) .kz-brief .pytest_cache .ruff_cache
