# The two commands from the README: `make up` and `make test`. Both bootstrap on a fresh
# machine: uv is installed with pip when missing, then `uv sync` installs everything.

SHELL := /bin/bash
UV := $(shell command -v uv 2>/dev/null || echo "python3 -m uv")
SOURCES := shared/src services/leads/src services/contacts/src services/deals/src services/campaigns/src services/notifications/src gateway/src infra/devstack/src \
	conftest.py shared/tests services/leads/tests services/contacts/tests services/deals/tests \
	services/campaigns/tests services/notifications/tests \
	infra/devstack/tests tests bench
PYTEST_ARGS ?=

.PHONY: bootstrap up down status test lint typecheck unit bench schemas fuzz web-deps client-deps web-check chromium

bootstrap:
	@command -v uv >/dev/null 2>&1 || python3 -m uv --version >/dev/null 2>&1 || \
		{ echo "installing uv with pip"; python3 -m pip install --quiet uv; }
	@$(UV) sync --locked

up: bootstrap
	$(UV) run crm up

down:
	$(UV) run crm down

status:
	$(UV) run crm status

lint: bootstrap
	$(UV) run ruff check --no-cache .
	$(UV) run ruff format --no-cache --check .

typecheck: bootstrap
	$(UV) run mypy $(SOURCES)

# npm ci in a folder when its node_modules is missing or older than its lock
define npm_ci
	@command -v npm >/dev/null 2>&1 || \
		{ echo "Node.js 20.19+ and npm are needed for the web console (apt-get install nodejs npm)"; exit 1; }
	@if [ ! -f $(1)/node_modules/.package-lock.json ] || \
		[ $(1)/package-lock.json -nt $(1)/node_modules/.package-lock.json ]; then \
		echo "installing the packages of $(1) (npm ci)"; \
		cd $(1) && npm ci --no-audit --no-fund; fi
endef

# the web console's packages
web-deps:
	$(call npm_ci,web)

# third-party Node clients the tests run against the platform (tests/clients)
client-deps:
	$(call npm_ci,tests/clients/node)

# the console's type check and unit tests (its browser tests run with pytest: tests/web)
web-check: web-deps
	cd web && npm run --silent typecheck && npm test

# Debian's Chromium for tests/web (Playwright drives it; no `playwright install`)
chromium:
	@test -x /usr/bin/chromium || { echo "installing chromium (Debian package, for tests/web)"; \
		SUDO=$$([ "$$(id -u)" = 0 ] || echo sudo); \
		$$SUDO apt-get update -qq && $$SUDO apt-get install -y -qq --no-install-recommends chromium; }

test: lint typecheck web-check client-deps chromium
	$(UV) run pytest $(PYTEST_ARGS)

FUZZ_EXAMPLES ?= 200

# the fuzz test of `make test` with many more examples per operation, new ones each run
fuzz: bootstrap
	CRM_FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) $(UV) run pytest tests/security/test_fuzz.py $(PYTEST_ARGS)

bench: bootstrap chromium
	@command -v wrk >/dev/null 2>&1 || { echo "installing wrk (Debian package)"; \
		(apt-get update -qq && apt-get install -y -qq wrk) >/dev/null 2>&1 || \
		echo "wrk unavailable: the HTTP benchmarks fall back to the Python load generator"; }
	$(UV) run python -m bench.leads
	$(UV) run python -m bench.contacts_deals
	$(UV) run python -m bench.gateway
	$(UV) run python -m bench.marketing
	$(UV) run python -m bench.mixed
	$(UV) run python -m bench.console_scroll
	$(UV) run python -m bench.neighbours
	$(UV) run python -m bench.costs
	$(UV) run python -m bench.summary

schemas: bootstrap
	$(UV) run python -m crm_shared.events.export docs/events
	$(UV) run python -m crm_shared.events.asyncapi docs/asyncapi.yaml
