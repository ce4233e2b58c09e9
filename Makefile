# One entry point for people and CI. Each target creates .venv itself on first use.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: install demo test lint typecheck pytest pytest-all bench bench-quick clean i18n

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[ml,web,dev]'
	touch $(STAMP)

install: $(STAMP)

## The main job on the embedded default (SQLite, no tokens): a small creator community, replayed.
demo: $(STAMP)
	$(BIN)/normbot demo

## Everything CI checks: lint, types, and the whole test suite (SQLite and PostgreSQL).
test: lint typecheck pytest

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check bot norms moderation storage

typecheck: $(STAMP)
	$(BIN)/mypy bot norms moderation storage

# CI (CI=true, set by .ci/run) runs every test with the full Hypothesis budget; a developer's run leaves out
# the tests marked `slow` (real processes, throwaway clusters, the real model over whole corpora) and runs
# the "dev" Hypothesis profile (tests/conftest.py). `make pytest-all` runs everything locally, as CI does.
# --dist worksteal: an idle worker takes queued tests from a busy one, so a few long tests at the end of
# one worker's share do not leave the other core idle.
# env -u PYTHONDONTWRITEBYTECODE: this machine kind sets it, and then every run re-compiles and re-rewrites
# the asserts of every test module on every worker (~6 s of each worker's collection, measured with cProfile).
PYTEST      := env -u PYTHONDONTWRITEBYTECODE $(BIN)/pytest -q -n auto --dist worksteal --durations=10
PYTEST_MARK := $(if $(filter true,$(CI)),,-m "not slow")

pytest: $(STAMP)
	$(PYTEST) $(PYTEST_MARK)

pytest-all: $(STAMP)
	CI=true $(PYTEST)

bench: $(STAMP)
	$(BIN)/python -m bench

bench-quick: $(STAMP)
	$(BIN)/python -m bench --quick

## Messages: extract the template from the code and merge it into every catalog (then translate what is new;
## tests/core/test_i18n.py fails while a catalog lacks a message). Keywords as in moderation/kernel/i18n.py.
i18n: $(STAMP)
	$(BIN)/pybabel extract -F babel.cfg --no-default-keywords -k _ -k N_ -k ngettext:1,2 -k command:2 -k Param:2 \
		--project normbot --copyright-holder "normbot contributors" -w 100 -o moderation/locale/normbot.pot .
	$(BIN)/pybabel update -i moderation/locale/normbot.pot -d moderation/locale -D normbot -w 100 --no-fuzzy-matching

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache data/normbot.db* data/demo.db*
