# Every target makes its own virtual environment; only python3, pip and make are needed.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
FUZZ_SECONDS ?= 60

.PHONY: demo test lint typecheck coverage bench fuzz clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test,anyio,trio]'
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/chatproto demo

lint: $(STAMP)
	$(BIN)/ruff check src tests benchmarks fuzz
	$(BIN)/ruff format --check src
	$(BIN)/python scripts/unasync.py --check

typecheck: $(STAMP)
	$(BIN)/mypy

# The whole suite: lint, strict typing, then the tests under coverage, which
# must reach 100% of lines and branches of the sans-IO core.
test: lint typecheck
	$(BIN)/coverage erase
	$(BIN)/coverage run -m pytest
	$(BIN)/coverage report --include='src/chatproto/*' --fail-under=100
	$(BIN)/coverage report --include='src/transports/*'

bench: $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[bench]'
	$(BIN)/python -m benchmarks

fuzz: $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[fuzz]'
	$(BIN)/python -m fuzz.run_all --seconds $(FUZZ_SECONDS)

clean:
	rm -rf $(VENV) .coverage .mypy_cache .ruff_cache .pytest_cache .hypothesis
