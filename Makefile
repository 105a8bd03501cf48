# The two commands a user needs: `make demo` and `make test`.
# Everything else here is what those two stand on, plus benchmarks.

PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PACKAGES := core trialdex parsers crawlers index sources pipeline api devtools $(wildcard dags/*.py)

export PIP_DISABLE_PIP_VERSION_CHECK := 1

# The shared corpus sits beside the checkout (../shared/corpus). A clone made
# elsewhere (a CI clone, say) finds it beside the repository it was cloned from.
# An explicit TRIALDEX_CORPUS always wins.
ifeq ($(strip $(TRIALDEX_CORPUS)),)
ifeq ($(wildcard ../shared/corpus),)
ORIGIN := $(shell git config --get remote.origin.url 2>/dev/null)
ifneq ($(wildcard $(ORIGIN)/../shared/corpus),)
export TRIALDEX_CORPUS := $(abspath $(ORIGIN)/../shared/corpus)
endif
endif
endif

.PHONY: demo test lint typecheck browser unit es-start es-stop es-status bench bench-parse bench-ctgov bench-crawl bench-index bench-api lock clean

$(STAMP): pyproject.toml constraints.txt
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -c constraints.txt -e ".[dev]"
	@touch $(STAMP)

venv: $(STAMP)

demo: $(STAMP)
	$(BIN)/trialdex demo

# The layer contract (pyproject.toml, [tool.importlinter]) fails on an upward import.
lint: $(STAMP)
	$(BIN)/ruff check $(PACKAGES) tests
	$(BIN)/ruff format --check $(PACKAGES) tests
	$(BIN)/lint-imports

typecheck: $(STAMP)
	$(BIN)/mypy $(PACKAGES)

# The browser test drives Debian's chromium (a test tool's own browser download fails here).
browser:
	@command -v chromium >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
	  $$SUDO apt-get update -qq && $$SUDO apt-get install -y -qq chromium; }

test: lint typecheck browser
	$(BIN)/pytest

es-start: $(STAMP)
	$(BIN)/trialdex dev-es start
es-stop: $(STAMP)
	$(BIN)/trialdex dev-es stop
es-status: $(STAMP)
	$(BIN)/trialdex dev-es status

bench: bench-parse bench-ctgov bench-crawl bench-index bench-api

bench-parse: $(STAMP)
	$(BIN)/trialdex bench parse
bench-ctgov: $(STAMP)
	$(BIN)/trialdex bench ctgov
bench-crawl: $(STAMP)
	$(BIN)/trialdex bench crawl
bench-index: $(STAMP)
	$(BIN)/trialdex bench index --keep
bench-api: $(STAMP)
	$(BIN)/trialdex bench api

# Re-resolve every pin (needs network to PyPI); commit the result.
lock:
	rm -rf .lock-venv && $(PYTHON) -m venv .lock-venv
	.lock-venv/bin/pip install --quiet -e ".[dev]"
	( echo "# Pinned versions for every machine (Airflow's published constraints cannot be fetched here)."; \
	  echo "# Regenerate: make lock"; \
	  .lock-venv/bin/pip freeze --exclude-editable | grep -v '^trialdex' ) > constraints.txt
	rm -rf .lock-venv

clean:
	rm -rf $(VENV) build *.egg-info .mypy_cache .ruff_cache .pytest_cache
