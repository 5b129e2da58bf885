# omX — the two commands: `make run` and `make test`.
SHELL := /bin/bash
.DEFAULT_GOAL := help

VENV ?= .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000

# The first Python 3.12+ found: python3.13/3.12 on PATH, pyenv's installs, then python3.
PYTHON ?= $(shell for c in python3.13 python3.12 python3.14 $$HOME/.pyenv/versions/3.1[2-9]*/bin/python3 python3; do \
	if command -v $$c >/dev/null 2>&1 && $$c -c 'import sys; sys.exit(sys.version_info < (3, 12))' >/dev/null 2>&1; then \
	echo $$c; break; fi; done)

.PHONY: help run test serve bench fuzz load check-python clean

help:
	@echo "make run    set up .venv, migrate, load demo data and serve http://$(HOST):$(PORT) with one job worker"
	@echo "make test   run the whole test suite (SQLite; PostgreSQL when DATABASE_URL points there)"
	@echo "make serve  production configuration under gunicorn"
	@echo "make bench / make fuzz / make load   measurements and robustness runs"

check-python:
	@if [ -z "$(PYTHON)" ]; then \
		echo "omX needs Python 3.12 or newer: install python3.13 (or 3.12) and run make again."; exit 1; fi

# A venv made by an older interpreter is rebuilt.
$(VENV)/.stamp-base: requirements.txt | check-python
	@if [ -x $(PY) ] && ! $(PY) -c 'import sys; sys.exit(sys.version_info < (3, 12))' 2>/dev/null; then rm -rf $(VENV); fi
	@[ -x $(PY) ] || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.txt
	@touch $@

$(VENV)/.stamp-dev: $(VENV)/.stamp-base requirements-dev.txt
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	@touch $@

run: $(VENV)/.stamp-base
	$(PY) manage.py migrate --noinput
	$(PY) manage.py seed_demo --url http://$(HOST):$(PORT)/
	@# One background worker (storage jobs) beside the web server; Ctrl-C stops both.
	@trap 'kill $$worker 2>/dev/null; wait $$worker 2>/dev/null' EXIT INT TERM; \
	$(PY) manage.py db_worker & worker=$$!; \
	$(PY) manage.py runserver $(HOST):$(PORT)

test: $(VENV)/.stamp-dev
	@bin/test-services
	$(PY) -m pytest $(PYTEST_ARGS)

clean:
	rm -rf $(VENV) var test-artifacts omx_dev.db

# Production configuration on this machine: DEBUG off, hashed and compressed
# static files, gunicorn. SECRET_KEY comes from the environment, or a random
# one kept in var/serve-secret-key.
SERVE_ENV = DJANGO_DEBUG=false \
	SECRET_KEY="$${SECRET_KEY:-$$(cat var/serve-secret-key)}" \
	ALLOWED_HOSTS="$${ALLOWED_HOSTS:-localhost,127.0.0.1}"

serve: $(VENV)/.stamp-base
	@mkdir -p var
	@[ -n "$$SECRET_KEY" ] || [ -s var/serve-secret-key ] || \
		$(PY) -c 'import secrets; print(secrets.token_urlsafe(50))' > var/serve-secret-key
	$(SERVE_ENV) $(PY) manage.py collectstatic --noinput --verbosity 0
	$(SERVE_ENV) $(PY) manage.py migrate --noinput
	@echo "Storage jobs need a worker: run '$(SERVE_ENV) $(PY) manage.py db_worker' beside this (README: Background workers)."
	$(SERVE_ENV) HOST=$(HOST) PORT=$(PORT) $(VENV)/bin/gunicorn -c omx/gunicorn.conf.py omx.wsgi

# --- Measurements and robustness runs (bench/README.md) ----------------------
# Each starts its own stack on loopback: a private PostgreSQL cluster,
# fake-gcs-server and omX under gunicorn with the GCS backend.
BENCH_SECONDS ?= 5
FUZZ_MAX_EXAMPLES ?= 200
LOAD_SECONDS ?= 60
LOAD_CLIENTS ?= 50

bench: $(VENV)/.stamp-dev
	BENCH_SECONDS=$(BENCH_SECONDS) $(PY) -m bench.run

fuzz: $(VENV)/.stamp-dev
	FUZZ_MAX_EXAMPLES=$(FUZZ_MAX_EXAMPLES) $(PY) -m bench.fuzz

load: $(VENV)/.stamp-dev
	LOAD_SECONDS=$(LOAD_SECONDS) LOAD_CLIENTS=$(LOAD_CLIENTS) $(PY) -m bench.load
