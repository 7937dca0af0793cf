# cop-vote: `make run` serves the app with the kick-off network loaded and its
# worker beside it; `make test` runs lint, type checks and the tests. Both set
# up .venv first.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
PORT   ?= 5000
export PORT
export FLASK_APP := app

.PHONY: run worker test lint pytest install install-dev translations bench mutation mutation-report clean

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "cop-vote needs Python 3.11 or newer (set PYTHON=...)")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: $(BIN)/python requirements.txt
	$(BIN)/pip install --quiet -r requirements.txt
	@touch $@

$(VENV)/.installed-dev: $(VENV)/.installed requirements-dev.txt
	$(BIN)/pip install --quiet -r requirements-dev.txt
	@touch $@

install: $(VENV)/.installed translations
install-dev: $(VENV)/.installed-dev translations

translations: $(VENV)/.installed
	@if [ -d cop_vote/translations ]; then $(BIN)/pybabel -q compile -d cop_vote/translations; fi

run: install
	$(BIN)/flask cop load-demo --if-empty
	@echo "Sign in as the facilitator:    $$($(BIN)/flask cop login-link samuel.kollie@pso.example.org 2>/dev/null)"
	@echo "Sign in as a representative:   $$($(BIN)/flask cop login-link amina.warsame@adpc.example.org 2>/dev/null)"
	@echo "Serving on http://127.0.0.1:$(PORT)/ with a worker beside it  (Ctrl-C stops both)"
	@# The worker delivers mail and sign-in links and closes decisions at their
	@# deadline; it stops with the server, however the server stops.
	@$(BIN)/flask cop worker & worker=$$!; \
	trap 'kill -TERM $$worker 2>/dev/null; wait $$worker 2>/dev/null' EXIT; \
	trap 'exit 130' INT TERM; \
	$(BIN)/waitress-serve --host 127.0.0.1 --port $(PORT) app:app

worker: install
	$(BIN)/flask cop worker

lint: install-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

# With TEST_DATABASE_URL three processes share the cores: the SQLite pass in two
# halves (the pages and the browser story; everything else) and the PostgreSQL
# pass, which leaves out the browser story, the schemathesis run and the tests
# that use no database (marker no_database: they would only run again alike).
# Each report is printed whole when all have ended; any failing fails the target.
PYTEST := $(BIN)/pytest -q --durations=12 -p no:cacheprovider
SQLITE_PAGES := tests/web tests/browser
pytest: install-dev
	@if [ -z "$$TEST_DATABASE_URL" ]; then \
		$(PYTEST); \
	else \
		echo "== SQLite in two halves, and PostgreSQL ($$TEST_DATABASE_URL) without the schemathesis run, the browser story and the tests that use no database, side by side"; \
		logs=$$(mktemp -d); \
		$(PYTEST) $(SQLITE_PAGES) > $$logs/pages 2>&1 & pages=$$!; \
		$(PYTEST) $(addprefix --ignore=,$(SQLITE_PAGES)) > $$logs/rest 2>&1 & rest=$$!; \
		$(PYTEST) --db=postgresql -m "not schemathesis and not browser and not no_database" \
			> $$logs/postgresql 2>&1; postgresql=$$?; \
		wait $$pages; pages=$$?; wait $$rest; rest=$$?; \
		echo "== SQLite pass, $(SQLITE_PAGES)"; cat $$logs/pages; \
		echo "== SQLite pass, the rest"; cat $$logs/rest; \
		echo "== PostgreSQL pass"; cat $$logs/postgresql; \
		rm -rf $$logs; test $$pages -eq 0 && test $$rest -eq 0 && test $$postgresql -eq 0; \
	fi

test: lint pytest

# Pages and API under load and their cost as the network grows (bench/web.py;
# BENCH_ARGS="--sizes 16,200 --duration 1.5 --db sqlite" for a quick run, and
# BENCH_DATABASE_URL=postgresql://... to measure PostgreSQL too), then counting.
bench: install-dev
	$(BIN)/python bench/web.py $(BENCH_ARGS)
	$(BIN)/python bench/tally.py

# Mutation testing of the rules (domain/) and the ballot, decision, comment and
# moderation services: by hand, never in CI (`make test` does not run it). mutmut
# is configured in pyproject.toml; each mutant runs only the tests that call the
# function it changed. A full run takes hours on two cores; MUTANTS=0.1 runs a
# seeded tenth of each file's mutants instead. Results stay in mutants/ (ignored).
MUTANTS ?=
mutation: install-dev
	@if [ -n "$(MUTANTS)" ]; then \
		echo "== generating mutants and learning which tests call what (domain/errors.py first)"; \
		$(BIN)/mutmut run --max-children $$(nproc) "cop_vote.domain.errors*" || exit 1; \
		names=$$($(BIN)/python scripts/mutation.py sample $(MUTANTS)); \
		if [ -n "$$names" ]; then $(BIN)/mutmut run --max-children $$(nproc) $$names; fi; \
	else \
		$(BIN)/mutmut run --max-children $$(nproc); \
	fi
	$(BIN)/python scripts/mutation.py report

mutation-report:
	$(BIN)/python scripts/mutation.py report

clean:
	rm -rf $(VENV) instance .pytest_cache .mypy_cache .ruff_cache .hypothesis mutants
