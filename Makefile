# Fieldloop: `make demo` to try it, `make test` to check it. See README.md.
SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= python3.12
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
DEMO_SIZE ?= small
DEMO_SEED ?= 42
HOST ?= 127.0.0.1
PORT ?= 8000
APT_PACKAGES := chromium fonts-wqy-microhei gettext

.PHONY: help install system-deps assets demo serve test fuzz guide lint bench messages openapi clean

help:
	@echo "make demo   - install everything, build a demo company on SQLite, serve it on http://$(HOST):$(PORT)"
	@echo "make test   - install what tests need and run the whole suite (browser tests included)"
	@echo "make bench  - run the benchmarks in bench/"
	@echo "make lint   - ruff, mypy and the import contracts (lint-imports)"
	@echo "make guide  - walk the user guide in the browser and take its pictures again (docs/guide/img/)"

$(VENV)/.installed: requirements.lock pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --disable-pip-version-check -r requirements.lock
	@touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	@touch $@

# Debian packages the product needs on the machine: a browser for tests, a CJK font, gettext.
system-deps:
	@missing=""; \
	command -v chromium >/dev/null || missing="$$missing chromium"; \
	command -v msgfmt >/dev/null || missing="$$missing gettext"; \
	fc-list 2>/dev/null | grep -qi "wenquanyi\|wqy" || missing="$$missing fonts-wqy-microhei"; \
	if [ -n "$$missing" ]; then \
	  echo "Installing system packages:$$missing"; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing >/dev/null; \
	fi

locale/.compiled: $(VENV)/.installed $(wildcard locale/*/LC_MESSAGES/django.po)
	$(PY) manage.py compilemessages --ignore=.venv --ignore=node_modules -v 0
	@touch $@

# What the pages load, built from the npm packages for what the code uses (scripts/build_assets.py): Tabler's
# CSS purged, the icons used, app.css, in one stylesheet; a subset icon font; the few vendor scripts. Rebuilt
# when a template, script, stylesheet or Python module changes (they decide which classes and icons are used).
ASSET_SOURCES := $(shell find templates static fieldloop -type f \( -name '*.html' -o -name '*.js' -o -name '*.css' -o -name '*.py' \) -not -path '*/tests/*' -not -path '*/migrations/*' 2>/dev/null)
build/.assets: scripts/build_assets.py scripts/purgecss.config.cjs $(ASSET_SOURCES) $(VENV)/.installed node_modules/.installed
	$(PY) scripts/build_assets.py
	@touch $@

assets: build/.assets

install: system-deps $(VENV)/.installed node_modules/.installed locale/.compiled build/.assets

# The demo serves static files as production does: hashed names with a ten-year immutable cache, gzip and
# brotli copies made by collectstatic (again when the built assets change), served by WhiteNoise.
DATA_DIR := $(or $(FIELDLOOP_DATA_DIR),var)
$(DATA_DIR)/static/staticfiles.json: build/.assets
	FIELDLOOP_MANIFEST_STATIC=1 $(PY) manage.py collectstatic --no-input -v 0

demo: export FIELDLOOP_MANIFEST_STATIC := 1
demo: install $(DATA_DIR)/static/staticfiles.json
	$(PY) manage.py migrate --no-input -v 0
	$(PY) manage.py demo_data --size $(DEMO_SIZE) --seed $(DEMO_SEED) --if-empty
	@$(PY) manage.py demo_logins
	@echo "Serving on http://$(HOST):$(PORT)/ with the background worker beside it  (Ctrl-C stops both)"
	@trap 'kill $$worker 2>/dev/null; wait $$worker 2>/dev/null' EXIT; \
	$(PY) manage.py db_worker --queue-name '*' --no-reload -v 0 & worker=$$!; \
	$(PY) manage.py runserver $(HOST):$(PORT) --noreload

serve: install
	$(PY) manage.py migrate --no-input -v 0
	$(PY) manage.py runserver $(HOST):$(PORT)

test: install
	$(PY) manage.py makemigrations --check --dry-run -v 0 --settings=fieldloop.settings_test
	$(PY) -m pytest -n 2 -q $(PYTEST_ARGS)

# Many more random API examples than `make test`'s fixed ones (FUZZ_EXAMPLES per route).
FUZZ_EXAMPLES ?= 300
fuzz: install
	FIELDLOOP_FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) $(PY) -m pytest -n 2 -q tests/test_api_fuzz.py $(PYTEST_ARGS)

# The user guide's pictures (docs/guide/img/<language>/): its browser walk through the demo company, taking them.
guide: install
	FIELDLOOP_GUIDE_SHOTS=1 $(PY) -m pytest -q -p no:xdist tests/browser/test_user_guide.py $(PYTEST_ARGS)

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy .
	$(VENV)/bin/lint-imports --no-logo

bench: install
	$(PY) -m bench $(BENCH_ARGS)

messages: $(VENV)/.installed
	$(PY) manage.py makemessages -l zh_Hans -l en --ignore=.venv --ignore=node_modules --ignore=var --no-obsolete --add-location=file

clean:
	rm -rf $(VENV) node_modules var build locale/.compiled

openapi: $(VENV)/.installed
	$(PY) -c "import django, json, os; os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'fieldloop.settings_test'); django.setup(); \
	from django.utils import translation; from fieldloop.api import api; translation.activate('en'); \
	open('docs/openapi.json', 'w').write(json.dumps(api.get_openapi_schema(path_prefix='/api/v1/'), indent=2, sort_keys=True, ensure_ascii=False) + '\n')"
