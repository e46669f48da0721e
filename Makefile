# Set-up and everyday commands. `make grade` and `make test` work on a fresh machine.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
ASSIGNMENTS := $(notdir $(wildcard submissions/*))

.PHONY: install grade test test-fast validate bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	# The CPU wheel of torch first: otherwise a dependency range would pull a multi-GB CUDA build.
	$(BIN)/pip install -q torch==2.13.0
	$(BIN)/pip install -q -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

grade: $(STAMP)
	@for a in $(ASSIGNMENTS); do \
		$(BIN)/grader grade submissions/$$a --assignment $$a --out reports --regrade || exit $$?; \
	done
	@echo "open reports/index.html"

test: $(STAMP)
	$(BIN)/python -m pytest

test-fast: $(STAMP)
	$(BIN)/python -m pytest tests/unit

validate: $(STAMP)
	@for a in $(ASSIGNMENTS); do $(BIN)/grader validate $$a || exit $$?; done  # also in `make test` (tests/cli/test_validate.py)

bench: $(STAMP)
	$(BIN)/python bench/bench_sandbox.py
	$(BIN)/python bench/bench_batch.py

clean:
	rm -rf reports .pytest_cache
