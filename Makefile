# Two entry points (see README): `make run` and `make test`. Both set up .venv on first use.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1

.PHONY: run test lint train-transformer evaluate bench clean

$(BIN)/activate:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

# torch is pinned to the CPU build on disk; installing it first keeps pip from fetching another.
$(VENV)/.installed: $(BIN)/activate pyproject.toml
	$(BIN)/pip install --quiet "torch==2.13.0"
	$(BIN)/pip install --quiet -e ".[train,serve,ray,test]"
	touch $@

run: $(VENV)/.installed
	$(BIN)/stance setup
	$(BIN)/stance classify --input data/samples.txt --format table

test: $(VENV)/.installed
	$(BIN)/python -m pytest -q

lint: $(VENV)/.installed
	$(BIN)/ruff check classifier training evaluation tests benchmarks
	$(BIN)/ruff format --check classifier training evaluation tests benchmarks

train-transformer: $(VENV)/.installed
	$(BIN)/stance train --model transformer --force

evaluate: $(VENV)/.installed
	$(BIN)/stance compare --models models/tfidf models/transformer models/ensemble --out reports/compare

bench: $(VENV)/.installed
	$(BIN)/python benchmarks/bench_tfidf.py

clean:
	rm -rf $(VENV) models reports .pytest_cache
