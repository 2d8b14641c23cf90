# Rights Atlas — two commands for a newcomer: `make run` and `make test`.
# Everything else here is what those two need, plus `make check` (format, lint, types, tests)
# and `make bench` (speed, memory and quality, written to benchmarks/results/).

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
UV := $(VENV)/bin/uv
UV_VERSION := 0.13.8
DB := $(or $(ATLAS_DB),data/atlas.duckdb)
# Everything the database is built from: rebuild when any of it is newer than the database.
BUILD_INPUTS := $(wildcard data/raw/*) data/manifest.csv data/cities.csv data/taxonomy.toml \
	$(wildcard data/review.csv data/quality.json data/language/*) $(wildcard etl/*.py)

.PHONY: run test check lint typecheck bench build clean

## Set up, build the database if it is missing or stale, and start the app on this machine only.
## To serve others on a network, read docs/SERVING.md first (ADDRESS=0.0.0.0 and access control).
ADDRESS ?= localhost
run: $(DB)
	$(PY) -m streamlit run app.py --server.address $(ADDRESS)

## Set up and run the whole test suite (installs Debian chromium for the browser test).
test: $(VENV)/.installed
	bash .ci/install-chromium
	$(PY) -m pytest

## Format check, lint, type check and tests: what a change must pass.
check: lint typecheck test

lint: $(VENV)/.installed
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/ruff check .

typecheck: $(VENV)/.installed
	$(VENV)/bin/mypy

# bench_scale measures 100 and 1,000 generated documents (about 15 minutes on this machine);
# ATLAS_BENCH_10K=1 adds 10,000 (over an hour).
bench: $(VENV)/.installed
	$(PY) benchmarks/bench_build.py
	$(PY) benchmarks/bench_repair.py
	$(PY) benchmarks/bench_queries.py
	$(PY) benchmarks/bench_export.py
	$(PY) benchmarks/evaluate_mapping.py
	$(PY) benchmarks/evaluate_extraction.py
	$(PY) benchmarks/bench_scale.py

build: $(DB)

$(DB): $(VENV)/.installed $(BUILD_INPUTS)
	$(PY) -m etl build

# The virtual environment, installed from the lock file with uv: 30 s wall from nothing (a new
# venv, uv itself, the packages and their bytecode; 44 CPU s on 2 cores, 2026-12-01). Bytecode
# is compiled once at install: where PYTHONDONTWRITEBYTECODE is set nothing is cached
# later, and each process compiled its imports again (streamlit, polars, altair, duckdb and etl:
# 4.1 CPU s without, 1.5 s with, measured 2026-12-01).
$(VENV)/.installed: pyproject.toml requirements.lock
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)
	$(UV) pip install --quiet --compile-bytecode --python $(PY) -r requirements.lock
	$(UV) pip install --quiet --python $(PY) --no-deps -e .
	touch $@

clean:
	rm -rf $(VENV) data/atlas.duckdb tests/output .pytest_cache
