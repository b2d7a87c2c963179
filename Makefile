# Goalpost: the README's commands. `make run` and `make test` are all a newcomer needs.
#
# Everything runs from the project virtualenv in .venv, created on first use with the
# machine's Python 3.11. Dependencies install from the lock files in requirements/ (exact
# versions with hashes, written by `make lock` from pyproject.toml); a stamp file per
# dependency set means pip runs again only when its lock file changes.

SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= $(shell command -v python3.11 2>/dev/null || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
MANAGE := $(PY) manage.py
PORT ?= 8000
# Language of the demo data's labels, e.g. `make run DEMO_LANGUAGE=tr` (one of LANGS or en;
# empty: GOALPOST_DEMO_LANGUAGE from the environment, else English).
# Simply expanded (:=) both here and in `run`'s export, or each would refer to the other.
ifeq ($(origin DEMO_LANGUAGE),undefined)
DEMO_LANGUAGE := $(GOALPOST_DEMO_LANGUAGE)
endif
# Extra pytest arguments, e.g. `make test PYTEST_ARGS="-k deals -x"`.
PYTEST_ARGS ?=
# Test processes (pytest-xdist): one per CPU and one more, at most 8 (each has its own test
# database and Redis db, and Redis has 16). The one more keeps the CPUs busy while a process
# waits on a subprocess (make run's stack, a Celery worker, Chromium): on 2 cores, 3
# processes ran the suite in 16:54 where 2 took 19:18. TEST_WORKERS=0: this one process.
# --dist loadscope keeps each module in one process, so a module-scoped fixture (the smoke
# test's `make run` stack, the API fuzz world) is built once. (loadgroup's xdist_group
# does not group under pytest 9.2: xdist 3.8 renames the `_nodeid` that pytest 9 no
# longer reads.) --no-loadscope-reorder keeps conftest.py's long-first order of modules.
TEST_WORKERS ?= $(shell $(PYTHON) -c 'import os; print((os.cpu_count() or 1) + 1)')
BENCH_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/goalpost_bench
LANGS := de tr ko fa ro

# runtime.txt: what production imports (pyproject `dependencies`; the Dockerfile installs
# it). devstack.txt: runtime + the embedded PostgreSQL of `make run`. dev.txt: both + tests,
# lint and benchmarks. All three are resolved for every platform and Python >= 3.11.
RUNTIME_LOCK := requirements/runtime.txt
DEVSTACK_LOCK := requirements/devstack.txt
DEV_LOCK := requirements/dev.txt
# uv writes the locks (`uv pip compile`): seconds instead of pip-tools' minutes, and one
# universal file per set instead of one per platform. Pinned, so two people locking the
# same pyproject.toml get the same files.
UV_VERSION := 0.13.9
UV := $(VENV)/bin/uv
RUNTIME_STAMP := $(VENV)/.installed-runtime
DEVSTACK_STAMP := $(VENV)/.installed-devstack
DEV_STAMP := $(VENV)/.installed-dev

.PHONY: help venv venv-dev run test lint lint-imports format typecheck lock bench bench-scale messages check clean-broker

help:
	@echo "make run       install, migrate, load demo data, serve web + worker + beat on :$(PORT)"
	@echo "make test      run the whole test suite against local PostgreSQL and Redis"
	@echo "make lint      ruff check and ruff format --check"
	@echo "make format    ruff format and ruff check --fix"
	@echo "make typecheck mypy"
	@echo "make lint-imports  the import contracts between the apps (pyproject.toml)"
	@echo "make lock      re-resolve requirements/*.txt from pyproject.toml (UPGRADE=1: newest)"
	@echo "make bench     run every bench/*.py benchmark against a scratch PostgreSQL database"
	@echo "make bench-scale  the 10x run (bench/_scale.py): list pages at 1x and 10x the rows"
	@echo "make messages  update locale/*/LC_MESSAGES/django.po and djangojs.po for $(LANGS)"
	@echo "make check     manage.py check --deploy with production settings"

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

# The lock lists every package, so the project itself goes in without dependencies
# (editable: the checkout is the code). --require-hashes: a wheel that is not the locked
# one is refused, whichever index or cache it came from.
define install_lock
	$(PY) -m pip install --quiet --require-hashes --no-deps -r $(1)
	$(PY) -m pip install --quiet --no-deps -e .
endef

$(RUNTIME_STAMP): $(RUNTIME_LOCK) | $(PY)
	$(call install_lock,$(RUNTIME_LOCK))
	touch $@

$(DEVSTACK_STAMP): $(DEVSTACK_LOCK) | $(PY)
	$(call install_lock,$(DEVSTACK_LOCK))
	touch $@ $(RUNTIME_STAMP)

$(DEV_STAMP): $(DEV_LOCK) | $(PY)
	$(call install_lock,$(DEV_LOCK))
	touch $@ $(DEVSTACK_STAMP) $(RUNTIME_STAMP)

venv: $(RUNTIME_STAMP)
venv-dev: $(DEV_STAMP)

# Re-resolves the three lock files after pyproject.toml changed. Versions already locked
# are kept where they still fit (a new dependency moves nothing else); `make lock
# UPGRADE=1` takes the newest of everything. runtime.txt is resolved first and constrains
# the other two, so tests run the very versions production installs. After a merge
# conflict in requirements/, take either side and run `make lock` again.
UV_COMPILE = $(UV) pip compile pyproject.toml --quiet --universal --python-version 3.11 \
	--generate-hashes --custom-compile-command "make lock" $(if $(UPGRADE),--upgrade)
lock: | $(PY)
	$(PY) -m pip install --quiet "uv==$(UV_VERSION)"
	$(UV_COMPILE) -o $(RUNTIME_LOCK)
	$(UV_COMPILE) --extra devstack -c $(RUNTIME_LOCK) -o $(DEVSTACK_LOCK)
	$(UV_COMPILE) --extra devstack --extra dev -c $(RUNTIME_LOCK) -o $(DEV_LOCK)
	@# pre-commit's ruff hooks run the locked ruff, whatever the lock now says.
	ruff=$$(sed -n 's/^ruff==\([^ ]*\).*/\1/p' $(DEV_LOCK)) \
	&& sed -i "s/ruff==[0-9][0-9a-z.]*/ruff==$$ruff/g" .pre-commit-config.yaml

# Development server (crm/devstack.py). Without DATABASE_URL: an embedded PostgreSQL from
# pip with its data in var/postgres/; without REDIS_URL: kombu's filesystem broker in
# var/broker/. Migrates, loads demo data (labels in DEMO_LANGUAGE), then serves web +
# worker + beat; a crashed child is restarted, Ctrl-C stops everything.
run: export DJANGO_SETTINGS_MODULE = crm.settings.local
run: export GOALPOST_DEMO_LANGUAGE := $(DEMO_LANGUAGE)
run: $(DEVSTACK_STAMP)
	$(PY) -m crm.devstack --port $(PORT)

# The settings module for tests is crm.settings.test (pyproject.toml): PostgreSQL at
# 127.0.0.1:5432 and Redis at 127.0.0.1:6379 unless DATABASE_URL / REDIS_URL say otherwise.
test: $(DEV_STAMP)
	$(VENV)/bin/pytest --numprocesses $(TEST_WORKERS) --maxprocesses 8 --dist loadscope --no-loadscope-reorder \
		$(PYTEST_ARGS)

lint: $(DEV_STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

# mypy with django-stubs and the DRF plugin; config in pyproject.toml ([tool.mypy]). The
# pre-commit hook calls this target too.
typecheck: $(DEV_STAMP)
	$(PY) -m mypy

# The one-way flow between the apps: crm <- metrics <- goals, crm <- automation
# ([tool.importlinter] in pyproject.toml). Parses imports only, no Django settings.
lint-imports: $(DEV_STAMP)
	$(VENV)/bin/lint-imports

format: $(DEV_STAMP)
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

# Each bench/<name>.py runs as `python -m bench.<name>`; bench/_setup.py creates and
# migrates the scratch database (see bench/README.md).
bench: export DJANGO_SETTINGS_MODULE = crm.settings.test
# Never the DATABASE_URL of your shell: benchmarks fill their database with bulk rows.
bench: export DATABASE_URL = $(BENCH_DATABASE_URL)
# Each script appends its rows of the ratio-vs-goal table to $$BENCH_RESULTS (bench._setup.
# report); bench._table prints them at the end. BENCH=board runs one script.
bench: export BENCH_RESULTS = $(CURDIR)/var/bench-results.jsonl
bench: $(DEV_STAMP)
	@set -e; found=0; mkdir -p var; rm -f "$$BENCH_RESULTS"; \
	for script in bench/*.py; do \
		name=$$(basename $$script .py); \
		case $$name in _*|__init__) continue;; esac; \
		if [ -n "$(BENCH)" ] && [ "$(BENCH)" != $$name ]; then continue; fi; \
		found=1; echo "== bench.$$name"; \
		$(PY) -m bench.$$name; \
	done; \
	if [ $$found = 0 ]; then echo "no benchmarks in bench/"; fi; \
	echo; echo "== ratio vs goal"; $(PY) -m bench._table "$$BENCH_RESULTS"

# The 10x run: its first start generates 1M contacts, 500k deals and 5M interactions
# (minutes), so `make bench` skips it (its name starts with "_").
bench-scale: export DJANGO_SETTINGS_MODULE = crm.settings.test
bench-scale: export DATABASE_URL = $(BENCH_DATABASE_URL)
bench-scale: export BENCH_RESULTS = $(CURDIR)/var/bench-scale-results.jsonl
bench-scale: $(DEV_STAMP)
	@mkdir -p var; rm -f "$$BENCH_RESULTS"; $(PY) -m bench._scale; \
	echo; echo "== ratio vs goal"; $(PY) -m bench._table "$$BENCH_RESULTS"

# django.po: Python and templates. djangojs.po: static/js, served by /jsi18n/ (Django's
# JavaScriptCatalog); the vendored libraries and collected static files are not ours.
MESSAGES_IGNORE := --ignore '.venv/*' --ignore 'staticfiles/*' --ignore 'static/vendor/*' --ignore 'var/*'
messages: export DJANGO_SETTINGS_MODULE = crm.settings.local
messages: $(RUNTIME_STAMP)
	mkdir -p locale
	$(MANAGE) makemessages -d django $(foreach lang,$(LANGS),--locale $(lang)) $(MESSAGES_IGNORE)
	$(MANAGE) makemessages -d djangojs $(foreach lang,$(LANGS),--locale $(lang)) $(MESSAGES_IGNORE)
	$(MANAGE) compilemessages --ignore '.venv/*'

# A throwaway environment shaped like production: long random key, a host, a database URL.
check: $(RUNTIME_STAMP)
	DJANGO_SETTINGS_MODULE=crm.settings.production \
	SECRET_KEY="$$($(PY) -c 'import secrets; print(secrets.token_urlsafe(50))')" \
	ALLOWED_HOSTS=crm.example.com \
	GOALPOST_PUBLIC_URL=https://crm.example.com \
	DATABASE_URL=postgres://goalpost:goalpost@127.0.0.1:5432/goalpost \
	REDIS_URL=redis://127.0.0.1:6379/0 \
	EMAIL_URL=smtp+tls://mailer:secret@smtp.example.com:587 \
	$(MANAGE) check --deploy --fail-level WARNING

# Drop queued messages of the development broker (filesystem transport).
clean-broker:
	rm -rf var/broker
