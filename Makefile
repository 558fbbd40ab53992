# Every target makes its own virtual environment; only python3, pip and make are needed.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
FUZZ_SECONDS ?= 60

.PHONY: demo test lint typecheck coverage bench fuzz clean screenshot browser-notice

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
test: lint typecheck browser-notice
	$(BIN)/coverage erase
	$(BIN)/coverage run -m pytest
	$(BIN)/coverage report --include='src/chatproto/*' --fail-under=100
	$(BIN)/coverage report --include='src/transports/*'

# tests/browser need Debian's Chromium and its driver; without them they are skipped, and said so.
browser-notice:
	@command -v chromedriver >/dev/null 2>&1 || echo "note: Chromium is not installed, so tests/browser are skipped; as root: apt-get install -y chromium chromium-driver"

# The README's picture of the chat page, taken by the browser test in the middle of a chat.
screenshot: $(STAMP)
	CHATPROTO_SCREENSHOT=docs/chat-page.png $(BIN)/python -m pytest tests/browser -q -p no:randomly -k person

bench: $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[bench]'
	$(BIN)/python -m benchmarks

fuzz: $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[fuzz]'
	$(BIN)/python -m fuzz.run_all --seconds $(FUZZ_SECONDS)

clean:
	rm -rf $(VENV) .coverage .mypy_cache .ruff_cache .pytest_cache .hypothesis
