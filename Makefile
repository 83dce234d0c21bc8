# The whole set-up: `make run` starts the system, `make test` runs every check.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
# The services' package folders (auth-service/auth_service ...), from deploy/services.py.
SERVICE_PACKAGES := $(shell $(PYTHON) deploy/services.py packages)
ifeq ($(SERVICE_PACKAGES),)
$(error deploy/services.py did not list the services: is $(PYTHON) a Python 3?)
endif
# Every package with tests of its own; each runs in its own pytest process.
PACKAGES := common $(foreach p,$(SERVICE_PACKAGES),$(firstword $(subst /, ,$(p)))) deploy clients/python
PACKAGE_DIRS := $(foreach p,$(PACKAGES),$(wildcard $(p)/pyproject.toml))

.PHONY: run backup restore test lint typecheck unit e2e bench openapi openapi-check client client-check migrations-lint format clean system-tools monitoring-check promtool

$(STAMP): constraints.txt requirements-dev.txt $(PACKAGE_DIRS)
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || { echo "Python 3.11+ is needed (set PYTHON=...)"; exit 1; }
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet -c constraints.txt -r requirements-dev.txt
	@touch $@

# The client's generated code (clients/python/client_build.py; not committed):
# every build of the package writes it, and this rewrites it when what it is
# generated from changes (a pull, `make client`).
CLIENT_CODE := clients/python/notes_platform/_generated/.inputs
$(CLIENT_CODE): $(STAMP) clients/python/notes_platform/openapi.json clients/python/generator.yaml \
		clients/python/client_build.py $(wildcard clients/python/templates/*.jinja)
	$(BIN)/python deploy/python_client.py code
	@touch $@

run: $(STAMP)
	$(BIN)/python deploy/run_local.py

# The database (DATABASE_URL, or the embedded Postgres of `make run`) in
# pg_dump's custom format, and back into an empty database (deploy/backup.py,
# deploy/README.md "Backups"). BACKUP_FILE names the file.
backup: $(STAMP)
	$(BIN)/python deploy/backup.py backup $(if $(BACKUP_FILE),--file "$(BACKUP_FILE)")

restore: $(STAMP)
	@test -n "$(BACKUP_FILE)" || { echo "usage: make restore BACKUP_FILE=<file>.dump [DATABASE_URL=...]"; exit 2; }
	$(BIN)/python deploy/backup.py restore --file "$(BACKUP_FILE)"

test: lint typecheck migrations-lint unit openapi-check client-check monitoring-check e2e

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/bandit -q -c pyproject.toml -r common/platform_common $(SERVICE_PACKAGES) \
		clients/python/notes_platform -x clients/python/notes_platform/_generated

typecheck: $(STAMP) $(CLIENT_CODE)
	@for p in $(PACKAGES) tests-e2e bench; do \
		[ -d $$p ] || continue; \
		echo "mypy --strict $$p"; \
		(cd $$p && MYPYPATH=$(CURDIR)/deploy $(CURDIR)/$(BIN)/mypy --config-file $(CURDIR)/pyproject.toml .) || exit 1; \
	done

unit: $(STAMP) $(CLIENT_CODE)
	@for p in $(PACKAGES); do \
		[ -d $$p/tests ] || continue; \
		echo "== pytest $$p"; \
		(cd $$p && $(CURDIR)/$(BIN)/python -m pytest) || exit 1; \
	done

e2e: $(STAMP) $(CLIENT_CODE) system-tools
	cd tests-e2e && ../$(BIN)/python -m pytest

bench: $(STAMP) system-tools
	$(BIN)/python bench/run.py

# Debian's chromium (the docs test drives it; no browser download), wrk
# (the benchmark's load generator) and nginx (the benchmark's reference
# proxy), installed when missing.
system-tools:
	@command -v chromium >/dev/null && command -v wrk >/dev/null && \
		{ command -v nginx >/dev/null || test -x /usr/sbin/nginx; } || { \
		echo "installing chromium, wrk and nginx from Debian's packages"; \
		SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
		$$SUDO apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium wrk nginx-light >/dev/null; }

# The alert rules (deploy/monitoring/) parse, and their unit tests pass.
monitoring-check: promtool
	promtool check rules deploy/monitoring/alerts.yaml
	promtool test rules deploy/monitoring/alerts-test.yaml

# Debian's prometheus package brings promtool; installed when missing.
promtool:
	@command -v promtool >/dev/null || { \
		echo "installing promtool (Debian's prometheus package)"; \
		SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
		$$SUDO apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq --no-install-recommends prometheus >/dev/null; }

# Rewrites each service's committed OpenAPI document from its code.
openapi: $(STAMP)
	$(BIN)/python deploy/export_openapi.py

# Fails on a change to a committed openapi.json that breaks its consumers,
# compared with HEAD~1 or OPENAPI_BASE=<git ref>, unless info.version gets a
# new major number (deploy/openapi_check.py says what counts as breaking).
openapi-check: $(STAMP)
	$(BIN)/python deploy/openapi_check.py

# The Python client (clients/python): the gateway's merged document, built
# from the committed ones, and openapi-python-client's code for it
# (deploy/python_client.py). `make client-check` fails when the document is stale.
client: $(STAMP)
	$(BIN)/python deploy/python_client.py write

client-check: $(STAMP)
	$(BIN)/python deploy/python_client.py check

# Each migration newer than its service's recorded cutoff, rendered to SQL
# offline and read by squawk (deploy/migrations_lint.py, docs/migrations.md).
migrations-lint: $(STAMP)
	$(BIN)/python deploy/migrations_lint.py

format: $(STAMP)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache
