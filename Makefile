# CoachLearn: `make run` serves the demo, `make test` runs every test. Both set up from nothing.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000
WEB_CONCURRENCY ?= $(shell echo $$((2 * $$(nproc) + 1)))

.PHONY: help install pdf-libraries system-packages axe browser-libraries media-tools run serve worker lock test test-fast lint format bench reset backup restore fuzz

help:
	@echo "make run     set up, load the demo and serve on http://$(HOST):$(PORT)"
	@echo "make serve   production settings under gunicorn (WEB_CONCURRENCY workers)"
	@echo "make lock    regenerate requirements/*.txt (hashes) from pyproject.toml"
	@echo "make test    set up and run the whole test suite (with a real browser)"
	@echo "make test-fast  unit and web tests in parallel (no browser, no servers)"
	@echo "make lint    ruff check and format check, and the rooms' import contracts"
	@echo "make bench   print the benchmark figures"

# Development and the tests install the development lock (every extra, the test tools) with
# hashes: the versions production runs, plus the embedded PostgreSQL and the tools.
$(STAMP): pyproject.toml requirements/development.txt
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11 or newer is needed")'
	@# A venv whose creation failed half-way (no ensurepip) has python but no pip: start over.
	@test -x $(BIN)/pip || { rm -rf $(VENV); $(PYTHON) -m venv $(VENV); }
	$(BIN)/python -m pip install --quiet --require-hashes -r requirements/development.txt
	$(BIN)/python -m pip install --quiet --no-deps -e .
	@touch $(STAMP)

install: $(STAMP)

# WeasyPrint (certificate PDFs) loads Pango, HarfBuzz and fontconfig when the app starts;
# a minimal Debian lacks them. Installed once with apt-get when missing.
PDF_LIBRARIES := libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 libfontconfig1
pdf-libraries:
	@missing=""; for package in $(PDF_LIBRARIES); do \
		dpkg-query -W -f='$${Status}' $$package 2>/dev/null | grep -q "ok installed" \
			|| missing="$$missing $$package"; done; \
	if [ -n "$$missing" ]; then \
		echo "Installing Debian packages for certificate PDFs:$$missing"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	fi

# Tests use Debian's Chromium (through Playwright; no browser is downloaded), nginx (the
# sample deploy/nginx.conf is tested), redis-server (the Redis outage tests) and pgbouncer
# (the app behind PgBouncer in transaction mode). Installed once with apt-get when missing.
SYSTEM_PACKAGES := /usr/bin/chromium:chromium /usr/sbin/nginx:nginx \
	/usr/bin/redis-server:redis-server /usr/sbin/pgbouncer:pgbouncer
system-packages: pdf-libraries
	@missing=""; for item in $(SYSTEM_PACKAGES); do \
		test -x "$${item%%:*}" || missing="$$missing $${item#*:}"; done; \
	if [ -n "$$missing" ]; then \
		echo "Installing Debian packages for the tests:$$missing"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
		for service in nginx redis-server pgbouncer; do \
			case "$$missing" in *$$service*) service $$service stop >/dev/null 2>&1 || true;; esac; \
		done; \
	fi

# Browser libraries come from the npm registry, pinned, into var/node (git-ignored), with
# Debian's npm when npm is missing: hls.js (streaming in browsers without native HLS, served
# as a static file) for every target, and axe-core (the accessibility checker that
# tests/browser/test_accessibility.py runs inside Chromium) with it. npm prunes what a command does
# not name, so both are always installed together.
AXE_VERSION := 4.10.3
HLS_VERSION := 1.7.4
AXE_JS := var/node/node_modules/axe-core/axe.min.js
HLS_JS := var/node/node_modules/hls.js/dist/hls.min.js
BROWSER_LIBRARIES := var/node/.installed-axe-$(AXE_VERSION)-hls-$(HLS_VERSION)
axe browser-libraries: $(BROWSER_LIBRARIES)
$(BROWSER_LIBRARIES):
	@command -v npm >/dev/null || { echo "Installing Debian's npm for the browser libraries"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq npm >/dev/null; }
	@mkdir -p var/node
	npm install --no-save --no-audit --no-fund --loglevel=error --prefix var/node \
		axe-core@$(AXE_VERSION) hls.js@$(HLS_VERSION)
	@test -f $(AXE_JS) && test -f $(HLS_JS)
	@# Only the one file pages load is served (collectstatic would compress all 30 MB),
	@# without its source-map comment (the map is not served).
	@mkdir -p var/vendor/hls.js && sed '/^\/\/# sourceMappingURL=/d' $(HLS_JS) \
		> var/vendor/hls.js/hls.min.js
	@rm -f var/node/.installed-* && touch $@

# ffmpeg and ffprobe process uploaded videos (modules/video_pipeline.py); espeak-ng speaks
# the demo videos (bin/make_demo_media.py) and the tests' transcripts to time. Installed
# once with apt-get when missing, like the PDF libraries.
media-tools:
	@missing=""; for item in ffmpeg:ffmpeg ffprobe:ffmpeg espeak-ng:espeak-ng; do \
		command -v "$${item%%:*}" >/dev/null || missing="$$missing $${item#*:}"; done; \
	if [ -n "$$missing" ]; then \
		echo "Installing Debian packages for video and speech:$$missing"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null \
			|| { echo "Could not install$$missing with apt-get (run as root, or install them)"; exit 1; }; \
	fi

# `make run` serves from a venv of its own, installed from the run lock with hashes: the
# packages production runs and the embedded PostgreSQL (the devdb extra), no test tool.
RUN_VENV := .venv-run
RUN_BIN := $(RUN_VENV)/bin
RUN_STAMP := $(RUN_VENV)/.installed
$(RUN_STAMP): requirements/run.txt
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11 or newer is needed")'
	@test -x $(RUN_BIN)/pip || { rm -rf $(RUN_VENV); $(PYTHON) -m venv $(RUN_VENV); }
	$(RUN_BIN)/python -m pip install --quiet --require-hashes --no-deps -r requirements/run.txt
	@touch $(RUN_STAMP)

# Job workers run beside the development server and stop with it: one for videos (long,
# CPU-bound), one for everything else, so mail never waits behind an encoding.
run: $(RUN_STAMP) pdf-libraries media-tools browser-libraries
	DEBUG=1 $(RUN_BIN)/python manage.py migrate --noinput
	DEBUG=1 $(RUN_BIN)/python manage.py createcachetable
	DEBUG=1 $(RUN_BIN)/python manage.py load_demo
	@echo "Serving CoachLearn on http://$(HOST):$(PORT)/ with a job worker  (Ctrl-C stops both)"
	@DEBUG=1 $(RUN_BIN)/python manage.py procrastinate worker --queues=$(OTHER_QUEUES) & other=$$!; \
		DEBUG=1 $(RUN_BIN)/python manage.py procrastinate worker --queues=media & media=$$!; \
		trap 'kill $$other $$media 2>/dev/null; wait $$other $$media 2>/dev/null' EXIT INT TERM; \
		DEBUG=1 $(RUN_BIN)/python manage.py runserver $(HOST):$(PORT)

# Production settings (DEBUG off) under gunicorn. Behind a TLS proxy set HTTPS=1 (the
# default when DEBUG is off); for a local try-out over plain HTTP it is off here.
# It runs from a venv of its own, installed from the production lock with hashes: the
# packages production runs, at the versions the tests ran, and no test tool. Production has
# no embedded PostgreSQL: DATABASE_URL names the server.
SERVE_VENV := .venv-serve
SERVE_STAMP := $(SERVE_VENV)/.installed
$(SERVE_STAMP): requirements/production.txt
	@test -x $(SERVE_VENV)/bin/pip || { rm -rf $(SERVE_VENV); $(PYTHON) -m venv $(SERVE_VENV); }
	$(SERVE_VENV)/bin/python -m pip install --quiet --require-hashes --no-deps \
		-r requirements/production.txt
	@touch $(SERVE_STAMP)

serve: $(SERVE_STAMP) pdf-libraries media-tools browser-libraries
	@test -n "$$DATABASE_URL" || { echo "make serve needs DATABASE_URL=postgres://… (make run serves the embedded database)"; exit 2; }
	DEBUG=0 $(SERVE_VENV)/bin/python manage.py migrate --noinput
	DEBUG=0 $(SERVE_VENV)/bin/python manage.py createcachetable
	DEBUG=0 $(SERVE_VENV)/bin/python manage.py collectstatic --noinput -v0
	@echo "Serving CoachLearn with $(WEB_CONCURRENCY) gunicorn workers on http://$(HOST):$(PORT)/"
	DEBUG=0 HTTPS=$${HTTPS:-0} WEB_CONCURRENCY=$(WEB_CONCURRENCY) GUNICORN_BIND=$(HOST):$(PORT) \
		$(SERVE_VENV)/bin/gunicorn coachlearn.wsgi --config deploy/gunicorn.conf.py

# Lock files with hashes from pyproject.toml: production (dependencies and the redis, s3
# and sentry extras), run (production and the devdb extra) and development (every extra). Run after changing a dependency; pins
# that still fit stay as they are (WeasyPrint's decides a certificate PDF's bytes), and
# `make lock LOCK_OPTIONS=--upgrade` moves every package to its newest release.
PIP_COMPILE := $(BIN)/pip-compile --quiet --generate-hashes --strip-extras --allow-unsafe \
	--no-emit-index-url --no-emit-find-links $(LOCK_OPTIONS)
lock: install
	$(PIP_COMPILE) --extra redis --extra s3 --extra sentry \
		--output-file requirements/production.txt pyproject.toml
	$(PIP_COMPILE) --extra redis --extra s3 --extra sentry --extra devdb \
		--output-file requirements/run.txt pyproject.toml
	$(PIP_COMPILE) --all-extras --output-file requirements/development.txt pyproject.toml

test: install system-packages media-tools browser-libraries
	$(BIN)/python -m pytest

# Unit and web tests (tests/unit, tests/web) in parallel, each worker with its own test
# database (pytest-django suffixes its name): no browser, no nginx or other servers.
TEST_WORKERS ?= auto
test-fast: install pdf-libraries media-tools
	$(BIN)/python -m pytest -n $(TEST_WORKERS) -m "not browser" tests/unit tests/web

# Background jobs under production settings (run as many as needed, on any machine that
# reaches the database; `make serve` does not start them).
# QUEUES=media for a machine that processes videos; the default takes everything else.
OTHER_QUEUES := default,mail,certificates
QUEUES ?= $(OTHER_QUEUES)
worker: install pdf-libraries media-tools
	DEBUG=0 $(BIN)/python manage.py procrastinate worker --queues=$(QUEUES)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

# bench/load drives gunicorn with Debian's wrk (installed here when missing; without it,
# a slower Python client).
bench: install
	@command -v wrk >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive \
		apt-get install -y -qq wrk >/dev/null; } || echo "no wrk: bench/load uses its Python client"
	$(BIN)/python bench/load
	$(BIN)/python bench/db_outage.py
	$(BIN)/python bench/media_redirect.py

# Deletes the local embedded database and uploaded media (development only). The server is
# stopped first, and data kept outside var/ (run as root, see README) goes too.
reset: install
	$(BIN)/python -c "from pathlib import Path; from devdb import pgserver; \
		pgserver.remove(pgserver.plan_layout(Path('var/postgres')))"
	rm -rf var/media var/postgres.users.json var/postgres.log

# Backups: the database (pg_dump, custom format) and the media into
# var/backups/<timestamp>/ with a manifest of counts and SHA-256 sums. Restore one with
# `make restore DIR=var/backups/<timestamp>`: it checks every file, then asks before it
# replaces the database's contents.
backup: install
	$(BIN)/python manage.py backup

restore: install
	@test -n "$(DIR)" || { echo "usage: make restore DIR=var/backups/<timestamp>"; exit 2; }
	$(BIN)/python manage.py restore "$(DIR)"

# Property-based fuzzing of the transcript parser and the module-package importer with
# FUZZ_EXAMPLES examples per property (`make test` runs a few thousand in all).
FUZZ_EXAMPLES ?= 10000
fuzz: install
	FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) $(BIN)/python -m pytest tests/web/test_fuzz_parsers.py -q
