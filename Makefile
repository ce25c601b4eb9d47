# salesmgmt developer tasks (GNU make).
#
#   make install           create .venv, install Python + JS deps, build static/vendor (idempotent)
#   make run               migrate, seed demo data and serve on 127.0.0.1:$PORT (default 8000)
#   make test              pytest (extra args: make test PYTEST_ARGS="-k deals -x")
#   make bench             pytest tests/bench (excluded from the default run)
#   make fmt               ruff check --fix + ruff format
#   make check             lint + typecheck + migrations-check + i18n-check + audit
#   make audit             pip-audit + npm audit: known-vulnerable dependencies fail
#   make collectstatic     manage.py collectstatic --noinput
#   make worker            celery worker with embedded beat, for development (needs REDIS_URL)
#
# `install` only redoes work whose inputs changed; the stamps live in .make/ (gitignored).

SHELL := bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help
MAKEFLAGS += --no-builtin-rules

PYTHON ?= $(shell command -v python3.11 2>/dev/null || command -v python3 2>/dev/null)
VENV := .venv
BIN := $(VENV)/bin
PY := $(BIN)/python
STAMPS := .make
VENDOR_DIR := static/vendor
PYTEST_ARGS ?=
# Templates to lint: the project-level folder plus any app-level <app>/templates.
DJLINT_PATHS := $(or $(wildcard templates */templates),templates)
DJLINT_ARGS ?= --lint --profile=django --allow-empty-input

# manage.py commands that need a working dev configuration get DEBUG=1 unless the caller set DEBUG.
DEV_ENV := DEBUG="$${DEBUG:-1}"

REQUIREMENTS := $(wildcard requirements*.txt)
NPM_INPUTS := $(wildcard package.json package-lock.json)

# Rebuild a stamp unconditionally when what it produces has disappeared (e.g. `rm -rf node_modules`).
FORCE_IF_MISSING = $(if $(wildcard $(1)),,FORCE)

.PHONY: help install run test bench fmt lint typecheck migrations-check audit check collectstatic \
	worker clean-stamps python-deps node-deps vendor git-hooks messages i18n-check FORCE

help:
	@sed -n 's/^#   //p' $(firstword $(MAKEFILE_LIST))

# --------------------------------------------------------------------------- install

install: python-deps node-deps vendor messages git-hooks

python-deps: $(STAMPS)/python-deps
node-deps: $(STAMPS)/node-deps
vendor: $(STAMPS)/vendor

$(STAMPS):
	@mkdir -p $@

# (Re)create the virtualenv when it is missing or broken; a new venv makes python-deps rerun.
$(VENV)/pyvenv.cfg: $(call FORCE_IF_MISSING,$(PY))
	@test -n "$(PYTHON)" || { echo "error: neither python3.11 nor python3 found on PATH" >&2; exit 1; }
	$(PYTHON) -m venv $(VENV)

$(STAMPS)/python-deps: $(REQUIREMENTS) $(VENV)/pyvenv.cfg | $(STAMPS)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	@touch $@

$(STAMPS)/node-deps: $(NPM_INPUTS) $(call FORCE_IF_MISSING,node_modules) | $(STAMPS)
	@if [ -f package-lock.json ]; then \
		echo "npm ci"; npm ci --no-audit --no-fund; \
	else \
		echo "npm install (no package-lock.json yet)"; npm install --no-audit --no-fund; \
	fi
	@touch $@

# node_modules/.package-lock.json changes on any npm install, including a manual one.
$(STAMPS)/vendor: $(STAMPS)/node-deps scripts/vendor.mjs $(wildcard node_modules/.package-lock.json) \
		$(call FORCE_IF_MISSING,$(VENDOR_DIR)) | $(STAMPS)
	npm run --silent build
	@touch $@

# Compile the translation catalogues (locale/*/LC_MESSAGES/*.po → .mo, gitignored): Babel, so
# no gettext is needed to run the app. Always redone (well under a second): never stale.
messages: python-deps
	$(PY) scripts/i18n.py compile

# Install the pre-commit hook once, only inside a git work tree; never fail `install` over it.
git-hooks: python-deps
	@if git rev-parse --is-inside-work-tree >/dev/null 2>&1 && [ -f .pre-commit-config.yaml ]; then \
		hook="$$(git rev-parse --git-path hooks/pre-commit)"; \
		if ! grep -qs 'pre-commit' "$$hook"; then \
			$(BIN)/pre-commit install || echo "warning: 'pre-commit install' failed; continuing" >&2; \
		fi; \
	fi

clean-stamps:
	rm -rf $(STAMPS)

# --------------------------------------------------------------------------- run

run: install
	$(DEV_ENV) $(PY) manage.py migrate --noinput
	$(DEV_ENV) $(PY) manage.py seed_demo
	# Links in e-mails (invitations, digests) name the port the server really listens on.
	$(DEV_ENV) SITE_URL="$${SITE_URL:-http://127.0.0.1:$${PORT:-8000}}" \
		$(PY) manage.py runserver 127.0.0.1:$${PORT:-8000}

worker: install
	$(BIN)/celery -A salesmgmt worker -B -l info

collectstatic: install
	$(PY) manage.py collectstatic --noinput

# --------------------------------------------------------------------------- tests

test: install
	$(BIN)/pytest $(PYTEST_ARGS)

bench: install
	$(BIN)/pytest tests/bench -p no:cacheprovider -n 0 $(PYTEST_ARGS)

# --------------------------------------------------------------------------- quality

# Fix lint first (fixes can change layout), always format, then report unfixable lint errors.
fmt: install
	rc=0; $(BIN)/ruff check --fix . || rc=$$?; $(BIN)/ruff format .; exit $$rc

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/djlint $(DJLINT_PATHS) $(DJLINT_ARGS)

typecheck: install
	$(BIN)/mypy .

migrations-check: install
	DEBUG=1 $(PY) manage.py makemigrations --check --dry-run

# Known-vulnerable dependencies fail the build (QUALITY S19): pip-audit over the installed
# Python packages, npm audit over the locked front-end ones (scripts/audit_deps.py). Where no
# advisory service answers (a registry mirror, no network) it says loudly that the audit was
# not performed and passes, unless AUDIT_STRICT=1. AUDIT_TIMEOUT is in seconds, per tool.
audit: install
	$(PY) scripts/audit_deps.py

# Every message of the code has a Japanese translation, none fuzzy, placeholders intact
# (scripts/i18n.py; needs GNU gettext's xgettext, which Django's makemessages calls).
i18n-check: install
	DEBUG=1 $(PY) scripts/i18n.py check

check: lint typecheck migrations-check i18n-check audit

FORCE:
