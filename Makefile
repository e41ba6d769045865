# magiclink — the commands a newcomer needs: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
# Serving needs the package and its dependencies; the tests and tools need the test extra too.
RUN_STAMP := $(VENV)/.installed-run
TEST_STAMP := $(VENV)/.installed-test
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: install lock run test system-packages lint typecheck unit integration clean loadtest bench fuzz messages

install: $(TEST_STAMP)

# uv installs the venv from uv.lock (every package at its locked version and hash). uv itself comes
# from PyPI at this version into its own small venv, so a machine needs nothing but Python.
UV_VERSION := 0.13.9
UV_HOME := .cache/uv
UV := $(UV_HOME)/bin/uv
# --locked: stop if pyproject.toml changed and uv.lock was not updated (make lock updates it).
# The machine's Python (no downloaded interpreter); copies, as the cache may be on another disk.
SYNC := UV_PROJECT_ENVIRONMENT=$(VENV) UV_PYTHON_DOWNLOADS=never UV_LINK_MODE=copy \
	$(UV) sync --locked --quiet --python $(PYTHON)

$(UV):
	$(PYTHON) -m venv $(UV_HOME)
	$(UV_HOME)/bin/python -m pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)

# Reinstall whenever the dependency list or the lock changes. Serving needs no extra; --inexact
# keeps the test tools of a venv that has them.
$(RUN_STAMP): pyproject.toml uv.lock | $(UV)
	$(SYNC) --inexact
	@touch $@

$(TEST_STAMP): pyproject.toml uv.lock | $(UV)
	$(SYNC) --extra test
	@touch $@ $(RUN_STAMP)

# After editing the dependencies in pyproject.toml: resolve again and commit uv.lock.
lock: | $(UV)
	$(UV) lock --python $(PYTHON)

# Participants' catalogs: extract every string of templates/ and service/ (babel.cfg) into
# service/locale/messages.pot, merge it into each language's messages.po (a changed string
# comes back fuzzy: review it), and compile the .mo files (optional: without them the service
# compiles the .po files when it starts). tests/unit/test_catalogs.py fails until every
# string is translated.
LOCALE := service/locale
messages: install
	$(BIN)/pybabel extract -F babel.cfg --no-location --sort-output --omit-header --width 100 \
		-o $(LOCALE)/messages.pot .
	$(BIN)/pybabel update -i $(LOCALE)/messages.pot -d $(LOCALE) --ignore-obsolete \
		--width 100 --ignore-pot-creation-date
	$(BIN)/pybabel compile -d $(LOCALE) --statistics

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
	$(SYNC) --extra test --extra load
	$(BIN)/python -m tests.load.run

# The service against a bare Starlette+Redis floor under wrk; writes bench/results.md.
bench: install
	$(BIN)/python -m tests.load.bench

# schemathesis (all checks, every phase incl. stateful) against a live service; reports in bench/fuzz/.
fuzz: install
	$(BIN)/python -m tests.fuzz.run

clean:
	rm -rf $(VENV) $(UV_HOME) .pytest_cache .mypy_cache .ruff_cache outbox
