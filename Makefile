# Alqabi: `make run` serves on 127.0.0.1:8000, `make test` runs the test suite.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STORE ?= var/store

.PHONY: run install dev index test test-slow lint format bench eval clean

$(BIN)/python:
	@command -v $(PYTHON) >/dev/null || { echo "need $(PYTHON) (Python 3.11) on PATH"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	@touch $@

$(VENV)/.dev: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e ".[dev,st]"
	@touch $@ $(VENV)/.installed

install: $(VENV)/.installed

dev: $(VENV)/.dev

# Synthetic court acts (deterministic; see indexer/cases/generator.py), generated once.
CASES := corpus/cases/acts.jsonl
$(CASES): | $(VENV)/.installed
	$(BIN)/alqabi corpus cases --out $@

## Index corpus/ incl. the court acts (incremental: unchanged documents are skipped), serve.
run: install $(CASES)
	$(BIN)/alqabi index --store $(STORE)
	$(BIN)/alqabi serve --store $(STORE)

index: install $(CASES)
	$(BIN)/alqabi index --store $(STORE)

## Every test except those marked slow (< 10 min on 2 cores).
test: dev
	$(BIN)/ruff check .
	$(BIN)/pytest -m "not slow" -q

## The slow suites (model conversion, full KazQAD retrieval), run by CI after `make test`.
test-slow: dev
	$(BIN)/pytest -m slow -q

lint: dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: dev
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

bench: dev
	$(BIN)/python -m evals.bench_search --store $(STORE)

clean:
	rm -rf $(VENV) var .pytest_cache .ruff_cache
