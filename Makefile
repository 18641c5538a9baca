# Integrationsbot: `make run` starts the bot, `make test` runs the tests. Both set everything up first.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test i18n i18n-compile lint bench clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e ".[dev]"
	touch $(STAMP)

i18n-compile: $(STAMP)
	$(BIN)/pybabel -q compile -d locales -D messages

run: $(STAMP) i18n-compile
	$(BIN)/integrationsbot run

test: $(STAMP) i18n-compile
	$(BIN)/python -m pytest

# Extract, update and compile the gettext catalogs.
i18n: $(STAMP)
	$(BIN)/pybabel -q extract -F locales/babel.cfg -k N_ -c TRANSLATORS: --no-location --sort-by-file \
		--project=Integrationsbot -o locales/messages.pot bot handlers content
	$(BIN)/pybabel -q update -i locales/messages.pot -d locales -D messages --no-fuzzy-matching --ignore-obsolete
	$(BIN)/python tools/fill_english.py
	$(BIN)/pybabel -q compile -d locales -D messages

lint: $(STAMP)
	$(BIN)/ruff check .

bench: $(STAMP) i18n-compile
	$(BIN)/python bench/updates.py

clean:
	rm -rf $(VENV) var
