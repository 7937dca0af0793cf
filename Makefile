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

# With TEST_DATABASE_URL four processes share the cores: the SQLite pass and the
# PostgreSQL pass, each in two halves (HALF, and the rest) so that the work is
# spread evenly and both cores stay busy to the end. The PostgreSQL pass leaves
# out the browser story, the schemathesis run, the tests that use no database
# (marker no_database: they would only run again alike) and the page tests
# whose outcome does not depend on the database (marker pages: their SQL is the
# services', run on both by the services', API and race tests; page tests that
# do depend on it are marked database_semantics and run); its second half runs on
# a database of its own beside TEST_DATABASE_URL's (named with the suffix _2,
# created when missing). Each report is printed whole when all have ended; any
# failing fails the target.
PYTEST := $(BIN)/pytest -q --durations=12 -p no:cacheprovider
HALF   := tests/web tests/browser tests/services tests/races
ON_PG  := --db=postgresql -m "not schemathesis and not browser and not no_database and not pages"
pytest: install-dev
	@if [ -z "$$TEST_DATABASE_URL" ]; then \
		$(PYTEST); \
	else \
		echo "== SQLite and PostgreSQL ($$TEST_DATABASE_URL, and its _2) side by side, each in two halves: $(HALF), and the rest"; \
		logs=$$(mktemp -d); \
		$(PYTEST) $(HALF) > $$logs/1 2>&1 & p1=$$!; \
		$(PYTEST) $(addprefix --ignore=,$(HALF)) > $$logs/2 2>&1 & p2=$$!; \
		$(PYTEST) $(ON_PG) $(HALF) > $$logs/3 2>&1 & p3=$$!; \
		COP_TEST_DATABASE_SUFFIX=_2 $(PYTEST) $(ON_PG) $(addprefix --ignore=,$(HALF)) > $$logs/4 2>&1; p4=$$?; \
		wait $$p1; p1=$$?; wait $$p2; p2=$$?; wait $$p3; p3=$$?; \
		echo "== SQLite pass, $(HALF)"; cat $$logs/1; \
		echo "== SQLite pass, the rest"; cat $$logs/2; \
		echo "== PostgreSQL pass, $(HALF)"; cat $$logs/3; \
		echo "== PostgreSQL pass, the rest (database with the suffix _2)"; cat $$logs/4; \
		rm -rf $$logs; test $$p1 -eq 0 && test $$p2 -eq 0 && test $$p3 -eq 0 && test $$p4 -eq 0; \
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
