# Margin Lab — the two commands of the README, and a few helpers.
# `make run` and `make test` do all set-up on a fresh machine with Python 3.11.

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
CHROMIUM ?= /usr/bin/chromium
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test setup install migrate load lint format check-deploy chromium bench clean messages

# Reinstall whenever the pins change; otherwise this is a no-op.
$(STAMP): pyproject.toml requirements.lock
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --disable-pip-version-check -q --upgrade pip
	$(BIN)/python -m pip install --disable-pip-version-check -q -c requirements.lock -e ".[dev]"
	touch $(STAMP)

install: $(STAMP)

migrate: install
	$(BIN)/python manage.py migrate --noinput

# The curriculum (and, with the quiz, its question bank) from learn/content; idempotent.
load: migrate
	$(BIN)/python manage.py learn_load

setup: load

run: setup
	$(BIN)/python manage.py runserver $(HOST):$(PORT)

# Browser tests run when Chromium is found; REQUIRE_BROWSER=1 turns a missing one into a failure.
test: setup
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# The translation catalogues (docs/i18n.md): extract every marked string into
# locale/{zh_Hant,pl}/LC_MESSAGES/django.po (needs GNU gettext's xgettext/msgmerge),
# then compile them to the committed .mo files with Babel (no gettext needed for that
# step alone: `manage.py compile_catalogues`). New entries arrive untranslated; the
# catalogue test fails until each one is translated.
MESSAGE_IGNORES := --ignore=tests --ignore=bench --ignore=var --ignore=.venv --ignore=node_modules
messages: install
	$(BIN)/python manage.py makemessages -l zh_Hant -l pl $(MESSAGE_IGNORES) --add-location=file --no-obsolete
	$(BIN)/python manage.py compile_catalogues

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

check-deploy: install
	DJANGO_ENV=production SECRET_KEY=check-deploy-only-$$(head -c 48 /dev/urandom | base64 | tr -d '/+=') \
	ALLOWED_HOSTS=marginlab.example $(BIN)/python manage.py check --deploy --fail-level WARNING

# Debian's Chromium for the browser tests (Playwright cannot download its own here), and
# a CJK font so the Traditional Chinese screenshots show glyphs, not boxes (docs/i18n.md).
# Installs only what is missing.
chromium:
	@missing=""; \
	if [ -x $(CHROMIUM) ]; then echo "Chromium found at $(CHROMIUM)"; else missing="chromium"; fi; \
	if dpkg -s fonts-wqy-microhei >/dev/null 2>&1; then echo "fonts-wqy-microhei installed"; \
	else missing="$$missing fonts-wqy-microhei"; fi; \
	if [ -n "$$missing" ]; then apt-get update -qq && \
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing; fi

# The calculators bench loads gunicorn with wrk (Debian's package).
bench: setup
	@command -v wrk >/dev/null || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk)
	$(BIN)/python bench/run_all.py

clean:
	rm -rf $(VENV) var/*.sqlite3* var/staticfiles
