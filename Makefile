# The two commands of the README are `make run` and `make test`; the rest serve them.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PORT ?= 8000
MANAGE := $(BIN)/python manage.py

.PHONY: run test e2e bench lint lock messages check-system prepare clean backup restore

check-system:
	@$(PYTHON) scripts/check_system.py

# Reinstall only when the dependencies changed. The versions come from the lock file (every
# package pinned with its hashes); pyproject.toml keeps the ranges it is made from.
$(STAMP): pyproject.toml requirements-dev.lock
	@$(PYTHON) scripts/check_system.py
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet --require-hashes -r requirements-dev.lock
	$(BIN)/python -m pip install --quiet --no-deps -e .
	@touch $(STAMP)

# After changing a range in pyproject.toml: the newest versions inside the ranges, pinned.
lock: $(STAMP)
	$(BIN)/uv pip compile pyproject.toml --python-version 3.11 --python-platform x86_64-unknown-linux-gnu --generate-hashes --custom-compile-command "make lock" -o requirements.lock -q
	$(BIN)/uv pip compile pyproject.toml --extra dev --python-version 3.11 --python-platform x86_64-unknown-linux-gnu --generate-hashes --custom-compile-command "make lock" -o requirements-dev.lock -q

prepare: check-system $(STAMP)
	@$(MANAGE) compile_translations

run: prepare
	@mkdir -p var
	@$(MANAGE) migrate --noinput -v 0
	@$(MANAGE) seed_demo --if-empty --live --logins
	@echo ""
	@echo "Ozgeris Ustasy portal: http://127.0.0.1:$(PORT)/"
	@echo ""
	@PORT=$(PORT) $(MANAGE) runserver 127.0.0.1:$(PORT)

# The suite runs in parallel processes (pytest-xdist: one per core, at most four), each with its
# own test database, media folder and cache keys (tests/isolation.py); TEST_WORKERS=0 runs it
# in one process.
TEST_WORKERS ?= auto
test: prepare
	$(BIN)/python -m pytest -n $(TEST_WORKERS) --maxprocesses 4 $(PYTEST_ARGS)

# The browser journeys and the accessibility checks (issue 8): system Chromium, PostgreSQL on
# 127.0.0.1:5432, a Redis server, a Celery worker and gunicorn of their own (e2e/conftest.py).
# Screenshots under var/e2e/screens/; the served HTML checked by the Nu Html Checker (npm, Java).
e2e: prepare
	$(BIN)/python -m pytest e2e -q $(E2E_ARGS)

# The vote under load needs wrk (Debian's package): installed here when missing and root,
# otherwise the command to run is printed and the vote's figures are skipped.
bench: prepare
	@command -v wrk >/dev/null || { [ "$$(id -u)" = 0 ] \
		&& apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk; } \
		|| echo "wrk is missing: sudo apt-get install wrk (the vote's figures are skipped)"
	$(BIN)/python -m bench

# What CI checks besides the tests: the linter, migrations that match the models, and (in the
# test suite) catalogues that hold every source string.
lint: $(STAMP)
	$(BIN)/ruff check .
	$(MANAGE) makemigrations --check --dry-run

# Backups (README, "Operations: backups"): a new folder under BACKUP_DIR (default var/backups),
# readable by its owner only; copy it off the host encrypted. `make restore FROM=FOLDER` puts one
# back into an empty database and MEDIA_ROOT (RESTORE_ARGS=--force to replace what is there).
BACKUP_DIR ?= var/backups

backup: $(STAMP)
	$(MANAGE) backup --output $(BACKUP_DIR)

restore: $(STAMP)
	@test -n "$(FROM)" || { echo "make restore FROM=$(BACKUP_DIR)/ozgeris-backup-…"; exit 2; }
	$(MANAGE) restore $(FROM) $(RESTORE_ARGS)

# Extracting strings needs GNU gettext (a developer's machine); compiling does not.
messages: $(STAMP)
	$(MANAGE) makemessages --locale ru --locale kk --locale en --ignore '.venv/*' --ignore 'var/*'
	$(MANAGE) compile_translations

clean:
	rm -rf $(VENV) var/static .pytest_cache
