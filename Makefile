# Parterre — the two commands are `make run` and `make test`.
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
# The first Python >= 3.11 found on PATH (override with `make PYTHON=/path/to/python3.12`).
PYTHON ?= $(shell for p in python3.13 python3.12 python3.11 python3; do \
	command -v $$p >/dev/null 2>&1 && $$p -c 'import sys; sys.exit(sys.version_info < (3, 11))' \
	2>/dev/null && { echo $$p; break; }; done)
PYTEST_ARGS ?=

.PHONY: run test lint format install services stop reset-local check-python messages

check-python:
	@if [ -z "$(PYTHON)" ]; then echo "Parterre needs Python 3.11 or newer on PATH."; exit 1; fi

$(VENV)/.installed: pyproject.toml | check-python
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	@touch $@

install: $(VENV)/.installed

## Set everything up, seed the demo cooperative, serve web + Celery worker + beat.
run: install
	$(PY) -m config.devstack run

## The whole test suite (project-local PostgreSQL/Redis unless DATABASE_URL/REDIS_URL are set).
test: install
	$(PY) -m config.devstack test -n auto $(PYTEST_ARGS)

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	DJANGO_SETTINGS_MODULE=config.settings.lint $(PY) manage.py makemigrations --check --dry-run >/dev/null

format: install
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

services: install
	$(PY) -m config.devstack env

stop:
	@test -x $(PY) && $(PY) -m config.devstack stop || true

reset-local:
	@test -x $(PY) && $(PY) -m config.devstack reset || rm -rf .local

## Refresh config/locale/fr/LC_MESSAGES/django.po from the code, then compile the .mo files.
## Translate every new (empty or fuzzy) entry before committing: tests/tenants/test_i18n.py checks.
messages: install
	DJANGO_SETTINGS_MODULE=config.settings.test $(PY) manage.py makemessages -l fr --no-obsolete \
		--ignore=.venv --ignore=.local --ignore=static --ignore=staticfiles --ignore=tests
	DJANGO_SETTINGS_MODULE=config.settings.test $(PY) manage.py compilemessages --ignore=.venv
