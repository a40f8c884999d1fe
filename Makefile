# Two commands work on a fresh machine with only Python and pip:
#   make demo   - a tool writes to an embedded store (no server), then the report (text + HTML)
#   make test   - lint, type-check and run the test suite with 100% coverage enforced
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
SOURCES := src tests benchmarks examples infra

.PHONY: demo quickstart test lint typecheck unit bench tox clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# the demo needs the embedded store (chDB) and the report's charts (pygal)
$(VENV)/.demo-installed: $(BIN)/python pyproject.toml
	$(BIN)/python -m pip install --quiet -e '.[embedded,report]'
	touch $@

$(VENV)/.dev-installed: $(BIN)/python pyproject.toml
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@ $(VENV)/.demo-installed

demo: $(VENV)/.demo-installed
	$(BIN)/python examples/demo_embedded.py --dir .demo

quickstart: $(VENV)/.demo-installed
	$(BIN)/python examples/quickstart.py

test: lint typecheck unit

lint: $(VENV)/.dev-installed
	$(BIN)/ruff check $(SOURCES)
	$(BIN)/ruff format --check $(SOURCES)

typecheck: $(VENV)/.dev-installed
	$(BIN)/mypy --strict src

unit: $(VENV)/.dev-installed
	$(BIN)/python -m pytest --cov --cov-branch --cov-report=term-missing

bench: $(VENV)/.dev-installed
	$(BIN)/python benchmarks/bench_overhead.py
	$(BIN)/python benchmarks/bench_events.py
	$(BIN)/python benchmarks/bench_reliability.py
	$(BIN)/python benchmarks/bench_encoding.py
	$(BIN)/python benchmarks/bench_startup.py
	$(BIN)/python benchmarks/bench_exit.py
	$(BIN)/python benchmarks/bench_black_hole.py

# Runs the suite on every CPython 3.10-3.13 found on PATH or under pyenv.
tox: $(VENV)/.dev-installed
	$(BIN)/python -m pip install --quiet tox
	PATH="$$(ls -d $$HOME/.pyenv/versions/3.1[0-3]*/bin 2>/dev/null | tr '\n' ':')$$PATH" $(BIN)/tox run

clean:
	rm -rf $(VENV) .tox .coverage .coverage.* .pytest_cache .mypy_cache .ruff_cache .demo
