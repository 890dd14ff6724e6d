# Two commands do everything: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp
MO_FILES := $(patsubst %.po,%.mo,$(wildcard locale/*/LC_MESSAGES/django.po))
HOST ?= 127.0.0.1
PORT ?= 8000
# The suite runs in two processes (CI has two cores; each has its own test database).
TEST_PROCESSES ?= 2

.PHONY: run test test-dates install system-deps browser-deps bench-deps messages migrate demo lint bench clean

# The settings derive SITE_URL (links in e-mails, QR codes, access cards, calendar feeds) from
# the host and port served, unless SITE_URL is set.
SERVE_ENV := SERVE_HOST=$(HOST) SERVE_PORT=$(PORT)

run: install system-deps messages migrate demo
	@echo "Parcours is served on $$($(SERVE_ENV) $(PY) -c 'from lms.settings.serving import served_site_url as u; import os; print(os.environ.get("SITE_URL") or u("$(HOST)", "$(PORT)"))')/ (admin: …/admin/)"
	$(SERVE_ENV) $(PY) manage.py site_sync
	$(SERVE_ENV) $(PY) manage.py runserver $(HOST):$(PORT)

# lint-imports: dependencies flow one way (pyproject's [tool.importlinter], docs/architecture.md).
test: install system-deps browser-deps messages
	$(VENV)/bin/ruff check .
	$(PY) manage.py makemigrations --check --dry-run
	$(VENV)/bin/lint-imports
	$(VENV)/bin/pytest -n $(TEST_PROCESSES) $(PYTEST_ARGS)

# The calendar-dependent tests (marked `dates`) again with the clock set to each frozen date of
# tests/clock.py, one process per date (see the script); CI runs it after `make test`.
test-dates: install messages
	PYTEST_ARGS="$(PYTEST_ARGS)" ./scripts/test-dates.sh

# The virtualenv is rebuilt only when the pinned dependencies change.
install: $(STAMP)
$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(PY) -m pip install --quiet --disable-pip-version-check -e ".[dev]"
	touch $(STAMP)

system-deps:
	@./scripts/install-system-deps.sh

# Debian's Chromium and axe-core (npm) for the browser tests in tests/e2e.
browser-deps:
	@./scripts/install-browser-deps.sh

messages: $(MO_FILES)
locale/%/LC_MESSAGES/django.mo: locale/%/LC_MESSAGES/django.po
	msgfmt --check-format -o $@ $<

migrate: install
	$(PY) manage.py migrate --no-input

demo: install
	$(SERVE_ENV) $(PY) manage.py seed_demo

# PHP and Debian's TCPDF, for the documents benchmark's peer (bench/peers/); not for the tests.
bench-deps:
	@./scripts/install-bench-deps.sh

# Benchmarks print `name: value` lines and a table; they use PostgreSQL and Redis.
bench: install system-deps bench-deps messages
	$(PY) bench/run_all.py

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

clean:
	rm -rf $(VENV) staticfiles
