# Two commands do everything: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp
MO_FILES := $(patsubst %.po,%.mo,$(wildcard locale/*/LC_MESSAGES/django.po))
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test test-dates install system-deps browser-deps messages migrate demo lint bench clean

run: install system-deps messages migrate demo
	@echo "Parcours is served on http://$(HOST):$(PORT)/ (admin: http://$(HOST):$(PORT)/admin/)"
	$(PY) manage.py runserver $(HOST):$(PORT)

test: install system-deps browser-deps messages
	$(VENV)/bin/ruff check .
	$(PY) manage.py makemigrations --check --dry-run
	$(VENV)/bin/pytest $(PYTEST_ARGS)

# The calendar-dependent tests (marked `dates`) again with the clock set to each frozen date of
# tests/clock.py, one process per date; CI runs it after `make test`. The first run makes the
# test database, the next ones reuse it (on PostgreSQL; SQLite's is in memory anyway). Query
# count pins are left out: a count doesn't change with the day, and they are the slow ones.
TEST_DATES ?= monday sunday new-year-eve leap-day dst-spring dst-autumn
test-dates: install messages
	@failed=""; db=--create-db; for day in $(TEST_DATES); do \
	  echo "== PARCOURS_TEST_DATE=$$day"; \
	  PARCOURS_TEST_DATE=$$day $(VENV)/bin/pytest -m dates -k "not query_count" -q $$db --reuse-db $(PYTEST_ARGS) \
	    || failed="$$failed $$day"; db=; \
	done; \
	if [ -n "$$failed" ]; then echo "test-dates: failures on:$$failed" >&2; exit 1; fi

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
	$(PY) manage.py seed_demo

# Benchmarks print `name: value` lines and a table; they use PostgreSQL and Redis.
bench: install system-deps messages
	$(PY) bench/run_all.py

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

clean:
	rm -rf $(VENV) staticfiles
