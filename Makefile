# kiap-workbook: `make demo` and `make test` do all the set-up on a fresh machine.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cksum pyproject.toml | cut -d' ' -f1)

.PHONY: help install demo lab test test-unit test-integration lint bench notebooks clean

help:
	@echo "make demo   - set up, generate the synthetic demo data, run every demo order"
	@echo "make lab    - set up, write the demo data if missing, open JupyterLab on notebooks/"
	@echo "make test   - set up and run the whole test suite: the unit tests, then the integration tests"
	@echo "make test-unit        - the unit tests only (tests/unit: no kernel, no external program)"
	@echo "make test-integration - the integration tests only (tests/integration: batch, kernels, LibreOffice, Chromium)"
	@echo "make bench  - the batch-runner benchmark (about 25 minutes); writes docs/performance.md"
	@echo "make lint   - ruff, and import-linter's layer contracts (pyproject.toml)"
	@echo "make clean  - remove the virtual environment and generated outputs"

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "kiap-workbook needs Python 3.11 or newer")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[test]"
	$(BIN)/python -m kiap_analysis.run.kernel
	rm -f $(VENV)/.installed-*
	touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	$(BIN)/kiap demo
	$(BIN)/kiap prepare data/raw/demo/orders.yaml

# JupyterLab on the exploratory notebooks (kernel kiap-workbook); they read the demo data.
lab: $(STAMP)
	$(BIN)/python -c 'from kiap_analysis.core.config import Paths; from kiap_analysis.cli.demo import ensure_demo; print("demo orders:", ensure_demo(Paths.current().raw / "demo"))'
	$(BIN)/jupyter lab --notebook-dir=notebooks

# The unit tests first (a couple of minutes), so a failing one stops the run before the slow ones.
test: test-unit test-integration

test-unit: $(STAMP)
	$(BIN)/python -m pytest tests/unit

test-integration: $(STAMP)
	$(BIN)/python -m pytest tests/integration

bench: $(STAMP)
	$(BIN)/python tools/bench.py --write docs/performance.md

lint: $(STAMP)
	$(BIN)/ruff check kiap_analysis tests tools
	$(BIN)/lint-imports --config pyproject.toml --no-cache

# Re-pair every notebook (the template and notebooks/NN_*.ipynb) with its py:percent twin after editing either.
notebooks: $(STAMP)
	$(BIN)/jupytext --sync notebooks/templates/*.ipynb notebooks/*.ipynb

clean:
	rm -rf $(VENV) build *.egg-info
	find reports data/processed -mindepth 1 ! -name .gitkeep -exec rm -rf {} +
