# Two commands do all the set-up on a fresh machine: `make demo` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
# Each target's stamp records that its extras are installed; pyproject.toml changes re-install.
STAMP_RUN  := $(VENV)/.installed-run
STAMP_TEST := $(VENV)/.installed-test
STAMP_BENCH := $(VENV)/.installed-bench
JOBS   ?= 2

.PHONY: demo test bench lint clean browser

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP_RUN): pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	touch $@

$(STAMP_TEST): pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@ $(STAMP_RUN)

$(STAMP_BENCH): pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[bench]'
	touch $@ $(STAMP_RUN)

demo: $(STAMP_RUN)
	$(BIN)/descend demo

# Lint and types first; then the whole suite, then its numbers again on the reference code alone
# (DESCEND_KERNELS=numpy): every fast path must give the same numbers.
test: lint browser
	MPLBACKEND=Agg $(BIN)/python -m pytest -n $(JOBS) -q
	DESCEND_KERNELS=numpy MPLBACKEND=Agg $(BIN)/python -m pytest -n $(JOBS) -q -m "not fast_paths"

# The playground's browser tests drive Debian's chromium through Playwright (no `playwright install`,
# which downloads): installed here when missing and running as root; otherwise they fail under CI=true.
browser:
	@if ! command -v chromium >/dev/null 2>&1 && [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
		apt-get install -y --no-install-recommends chromium >/dev/null 2>&1 || \
		{ apt-get update >/dev/null && apt-get install -y --no-install-recommends chromium; }; \
	fi

# ruff (style, bugs, complexity <= 15) and mypy (every function typed), configured in pyproject.toml
lint: $(STAMP_TEST)
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/mypy

# BENCH_ARGS, e.g. make bench BENCH_ARGS="--quick" or "--only W1,W3 --threads 1"
bench: $(STAMP_BENCH)
	$(BIN)/python -m benchmarks $(BENCH_ARGS)

clean:
	rm -rf $(VENV) build dist *.egg-info src/*.egg-info .pytest_cache
