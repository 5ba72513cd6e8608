# The Hub: `make run` serves the portal on the embedded default, `make test` runs the whole suite.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
# Root installs Debian packages directly; anyone else goes through sudo.
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: run serve-prod worker test bench lint chromium clean

$(BIN)/python:
	$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || { echo "Python 3.11+ is needed"; exit 1; }
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.installed-dev: pyproject.toml $(VENV)/.installed
	$(BIN)/pip install --quiet -e ".[dev]"
	touch $@

run: $(VENV)/.installed
	mkdir -p var
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py demo
	@echo "The Hub is at http://$(HOST):$(PORT)/ (use http://localhost:$(PORT)/ to try passkeys: WebAuthn refuses IP addresses)"
	$(BIN)/daphne -b $(HOST) -p $(PORT) hub.asgi:application

# Production stack: several daphne processes on one port (needs DATABASE_URL, REDIS_URL, SECRET_KEY).
serve-prod: $(VENV)/.installed
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py collectstatic --noinput
	$(BIN)/python -m hub.serve --processes $${PROCESSES:-2} --host $(HOST) --port $(PORT)

# Supervised task workers (hub/workers.py): WORKERS db_worker processes (default 2); a dead one is restarted and
# the task it was running goes back on the queue at once.
worker: $(VENV)/.installed
	$(BIN)/python -m hub.workers --processes $${WORKERS:-2}

# Test-only JavaScript from the npm registry (package.json, exact versions in package-lock.json): axe-core, which
# tests/browser/test_accessibility.py injects into every page. Installed again whenever the lock file changes.
node_modules/.installed: package.json package-lock.json
	@command -v npm >/dev/null || { $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq nodejs npm; }
	npm ci --no-audit --no-fund
	touch $@

chromium:
	@test -x /usr/bin/chromium || { $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq chromium; }

$(VENV)/.installed-bench: pyproject.toml $(VENV)/.installed
	$(BIN)/pip install --quiet -e ".[bench]"
	touch $@

# Benchmarks on the production stack (PostgreSQL + Redis on this machine; never part of `make test`).
# Seeds its own databases hub_bench and hub_bench_small once, then prints the table and writes bench/results.md.
# The live fan-out is compared with the machine's floor, ../shared/bench/ws_floor.py (another path: BENCH_FLOOR=...).
bench: $(VENV)/.installed-bench
	@pg_isready -q -h 127.0.0.1 || $(SUDO) pg_ctlcluster --skip-systemctl-redirect $$(ls /etc/postgresql) main start
	@redis-cli -h 127.0.0.1 ping >/dev/null 2>&1 || redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no
	$(BIN)/python -m bench.run

lint: $(VENV)/.installed-dev
	$(BIN)/ruff check .

# The suite runs Django's development security settings (DEBUG=true at import; Django's test runner turns
# DEBUG off itself) on whichever stack DATABASE_URL/REDIS_URL name; tests/hub/test_settings.py checks the
# production settings in subprocesses.
test: $(VENV)/.installed-dev chromium node_modules/.installed
	mkdir -p var
	$(BIN)/ruff check .
	DEBUG=true $(BIN)/pytest $(PYTEST_ARGS)

clean:
	rm -rf $(VENV) var staticfiles
