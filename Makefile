# Sales order management: `make run` to try it, `make test` to check it.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
HOST   ?= 127.0.0.1
PORT   ?= 8000
LOCAL  := DJANGO_SETTINGS_MODULE=orders_site.settings.local
TESTS  := DJANGO_SETTINGS_MODULE=orders_site.settings.test

.DEFAULT_GOAL := help

.PHONY: help
help: ## List the targets
	@awk 'BEGIN {FS = ":.*## "} /^[a-zA-Z_-]+:.*## / {printf "  \033[36m%-14s\033[0m %s\n", $$1, $$2}' $(MAKEFILE_LIST)

$(VENV)/.installed: requirements.txt requirements-dev.txt
	@$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "Python 3.11+ is needed, found " + sys.version' 
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $@

.PHONY: install
install: $(VENV)/.installed ## Create the virtualenv and install the pinned requirements

.PHONY: migrate
migrate: install ## Apply the migrations (SQLite unless DATABASE_URL is set)
	$(LOCAL) $(PY) manage.py migrate --noinput

.PHONY: demo
demo: migrate ## Load the demo data (users per role, products, customers, orders)
	$(LOCAL) $(PY) manage.py seed_demo

.PHONY: run
run: demo ## Set everything up and run the app on http://127.0.0.1:8000 with demo data
	@echo ""
	@echo "  Sales order management is running at http://$(HOST):$(PORT)/"
	@echo "  Admin (managers):                   http://$(HOST):$(PORT)/admin/"
	@echo "  Warehouse tablet / logistics:       http://$(HOST):$(PORT)/warehouse/  /logistics/"
	@echo "  API docs:                           http://$(HOST):$(PORT)/api/docs/"
	@echo "  Demo logins (password 'demo'): sales, manager, warehouse, logistics,"
	@echo "                                 aftersales, integration, admin (superuser)"
	@echo ""
	$(LOCAL) $(PY) manage.py runserver $(HOST):$(PORT)

.PHONY: test
test: install ## Set everything up and run the checks and the whole test suite
	$(TESTS) $(PY) manage.py check
	$(TESTS) $(PY) manage.py makemigrations --check --dry-run
	$(TESTS) $(PY) -m pytest $(PYTEST_ARGS)

.PHONY: lint
lint: install ## ruff check, format check, and the apps' import contracts
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports

.PHONY: format
format: install ## ruff format and fix imports
	$(VENV)/bin/ruff check --fix --select I .
	$(VENV)/bin/ruff format .

# Only the product's own code: not the tests, the benchmarks' baseline, collected
# static files or tool output. The app's JavaScript takes its texts from data-
# attributes the templates render, so there is no djangojs catalogue.
MESSAGES_IGNORE := --ignore=.venv --ignore=tests --ignore=benchmarks --ignore=staticfiles \
                   --ignore=media --ignore=.schemathesis --ignore=node_modules --ignore=docs

.PHONY: messages
messages: install ## Extract strings into locale/zh_Hans and compile the .mo files (needs gettext)
	$(LOCAL) $(PY) manage.py makemessages -l zh_Hans $(MESSAGES_IGNORE) --no-obsolete
	$(LOCAL) $(PY) manage.py compilemessages -l zh_Hans $(MESSAGES_IGNORE)

.PHONY: screenshots
screenshots: install ## Take the screenshots under docs/screenshots/ (apt-get install chromium fonts-noto-cjk)
	SCREENSHOT_DIR=docs/screenshots $(TESTS) $(PY) -m pytest tests/e2e -m browser -k screenshot -p no:cacheprovider

.PHONY: check-deploy
check-deploy: install ## manage.py check --deploy under production settings
	DJANGO_SETTINGS_MODULE=orders_site.settings.production SECRET_KEY=$${SECRET_KEY:-check-deploy-$$(date +%s)-a-long-random-looking-value-for-the-check} \
	  ALLOWED_HOSTS=orders.example.com $(PY) manage.py check --deploy --fail-level WARNING

# wrk (C, Debian package) drives the load; installed here when missing and
# possible (root or sudo), or the target says how. Resets only the bench
# database (BENCH_DATABASE_URL, default orders_bench; its name must contain "bench").
.PHONY: bench-api
bench-api: install ## Load-test API and pages with wrk against baselines on PostgreSQL (BENCH_ARGS=...)
	@command -v wrk >/dev/null 2>&1 || { \
	  echo "wrk is missing: apt-get install -y wrk"; \
	  if [ "$$(id -u)" = 0 ]; then SUDO=; elif command -v sudo >/dev/null 2>&1; then SUDO=sudo; \
	  else echo "Install it as root: apt-get install -y wrk"; exit 1; fi; \
	  $$SUDO apt-get install -y wrk || { $$SUDO apt-get update && $$SUDO apt-get install -y wrk; } \
	  || { echo "Could not install wrk: apt-get install -y wrk"; exit 1; }; }
	$(PY) benchmarks/run_api.py $(BENCH_ARGS)

.PHONY: clean
clean: ## Remove the virtualenv, the SQLite database and caches
	rm -rf $(VENV) db.sqlite3 .pytest_cache .ruff_cache staticfiles

.PHONY: serve
serve: install ## The production stack on this machine: gunicorn + Celery worker + beat on PostgreSQL and Redis
	scripts/serve.sh
