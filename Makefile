# The two commands of the README are `make run` and `make test`; the rest serve them.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PORT ?= 8000
MANAGE := $(BIN)/python manage.py

.PHONY: run test e2e bench lint messages check-system prepare clean

check-system:
	@$(PYTHON) scripts/check_system.py

# Reinstall only when the dependencies changed.
$(STAMP): pyproject.toml
	@$(PYTHON) scripts/check_system.py
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

prepare: check-system $(STAMP)
	@$(MANAGE) compile_translations

run: prepare
	@mkdir -p var
	@$(MANAGE) migrate --noinput -v 0
	@$(MANAGE) seed_demo --if-empty --logins
	@echo ""
	@echo "Ozgeris Ustasy portal: http://127.0.0.1:$(PORT)/"
	@echo ""
	@$(MANAGE) runserver 127.0.0.1:$(PORT)

test: prepare
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# The browser journeys and the accessibility checks (issue 8): system Chromium, PostgreSQL on
# 127.0.0.1:5432, a Redis server, a Celery worker and gunicorn of their own (e2e/conftest.py).
# Screenshots under var/e2e/screens/.
e2e: prepare
	$(BIN)/python -m pytest e2e -q $(E2E_ARGS)

bench: prepare
	$(BIN)/python -m bench

lint: $(STAMP)
	$(BIN)/ruff check .

# Extracting strings needs GNU gettext (a developer's machine); compiling does not.
messages: $(STAMP)
	$(MANAGE) makemessages --locale ru --locale kk --locale en --ignore '.venv/*' --ignore 'var/*'
	$(MANAGE) compile_translations

clean:
	rm -rf $(VENV) var/static .pytest_cache
