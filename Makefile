# magiclink — the commands a newcomer needs: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
# Serving needs the package and its dependencies; the tests and tools need the test extra too.
RUN_STAMP := $(VENV)/.installed-run
TEST_STAMP := $(VENV)/.installed-test
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: install run test system-packages lint typecheck unit integration clean loadtest bench fuzz

install: $(TEST_STAMP)

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# Reinstall whenever the dependency list changes.
$(RUN_STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	@touch $@

$(TEST_STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[test]'
	@touch $@ $(RUN_STAMP)

# make run HOST=0.0.0.0 PORT=8001 (or PORT=8001 make run) serves elsewhere.
run: $(RUN_STAMP)
	MAGICLINK_LOG_FORMAT=$${MAGICLINK_LOG_FORMAT:-text} MAGICLINK_ACCESS_LOG=$${MAGICLINK_ACCESS_LOG:-all} \
		MAGICLINK_METRICS_ADDR=$${MAGICLINK_METRICS_ADDR:-127.0.0.1:9100} \
		$(BIN)/magiclink serve --demo --host $(HOST) --port $(PORT)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: install
	$(BIN)/mypy

unit: install
	$(BIN)/pytest tests/unit

integration: install
	$(BIN)/pytest tests/integration tests/e2e

# redis-server, chromium and Java: installed when missing (as root), or named.
system-packages:
	@tests/system_packages.sh

test: system-packages lint typecheck
	$(BIN)/pytest

# Locust against a local service, Redis and mail sink for 30 s; reports in bench/.
loadtest: install
	@$(BIN)/python -c 'import locust' 2>/dev/null || $(BIN)/python -m pip install --quiet -e '.[test,load]'
	$(BIN)/python -m tests.load.run

# The service against a bare Starlette+Redis floor under wrk; writes bench/results.md.
bench: install
	$(BIN)/python -m tests.load.bench

# schemathesis (all checks, every phase incl. stateful) against a live service; reports in bench/fuzz/.
fuzz: install
	$(BIN)/python -m tests.fuzz.run

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache outbox
