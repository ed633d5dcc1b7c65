# Backprop Playground: `make run` serves the app, `make test` runs the whole suite.
# Both set up everything they need on a fresh machine (.venv, npm packages, Chromium for tests).
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
export PIP_DISABLE_PIP_VERSION_CHECK := 1

RUN_STAMP := $(VENV)/.run-installed
TEST_STAMP := $(VENV)/.test-installed
NODE_STAMP := node_modules/.installed

.PHONY: run test bench lint format system-deps bench-deps clean

$(BIN)/python:
	$(PY) -m venv $(VENV)

$(RUN_STAMP): $(BIN)/python backend/pyproject.toml constraints.txt
	$(BIN)/pip install -q -c constraints.txt -e backend
	touch $@

$(TEST_STAMP): $(RUN_STAMP)
	$(BIN)/pip install -q -c constraints.txt -e "backend[test]"
	touch $@

$(NODE_STAMP): package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

# Debian's packages the tests need: Chromium drives the browser tests (Playwright cannot
# download its own browser here); PostgreSQL and nginx are started by the tests on loopback.
SYSTEM_PACKAGES := chromium fonts-dejavu-core postgresql nginx-light wget
system-deps:
	@if ! test -x /usr/bin/chromium || ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 \
	    || ! command -v nginx >/dev/null || ! command -v wget >/dev/null; then \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(SYSTEM_PACKAGES); \
	fi

# wrk generates the classroom load of `make bench`.
bench-deps: system-deps
	@command -v wrk >/dev/null || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk)

run: $(RUN_STAMP) $(NODE_STAMP)
	$(BIN)/python -m backprop_playground --host $(HOST) --port $(PORT)

lint: $(TEST_STAMP)
	$(BIN)/ruff check backend tests
	$(BIN)/ruff format --check backend tests
	$(BIN)/mypy backend/backprop_playground/engine

format: $(TEST_STAMP)
	$(BIN)/ruff format backend tests
	$(BIN)/ruff check --fix backend tests

test: $(TEST_STAMP) $(NODE_STAMP) system-deps lint
	node --test tests/frontend/
	$(BIN)/python -m pytest -q tests

bench: $(TEST_STAMP) $(NODE_STAMP) bench-deps
	$(BIN)/python -m tests.bench.run

clean:
	rm -rf $(VENV) node_modules
