# Praxis: `make run` starts the whole stack, `make test` runs every test. Both set up what is
# missing first (two Python environments, the knowledge index, the trained Rasa model) and skip
# what is already up to date.

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

VENV := .venv
RASA_VENV := .venv-rasa
PRAXIS := $(VENV)/bin/praxis
MODEL := models/praxis.tar.gz
TRAINING := config.yml domain.yml $(shell find bot -name '*.yml' -o -name '*.py' 2>/dev/null)
PIP_FLAGS := --disable-pip-version-check --no-input
export RASA_TELEMETRY_ENABLED := false
export PIP_ROOT_USER_ACTION := ignore

.PHONY: help setup run test lint validate test-conversations test-python bench clean

help:
	@echo "make run    set up what is missing, then start the Rasa and action servers"
	@echo "make test   set up what is missing, then run every test"
	@echo "make setup  only set up (idempotent)"
	@echo "make bench  measure latency, memory, training, indexing and retrieval quality"

setup: $(VENV)/.installed $(RASA_VENV)/.installed index $(MODEL)

# The action env: Python 3.11, CPU PyTorch first (the local build), then the project.
$(VENV)/.installed: pyproject.toml
	@py=$$(tools/find-python 3.11) && echo "action env: $$py" && \
	  { [ -x $(VENV)/bin/python ] || $$py -m venv $(VENV); }
	$(VENV)/bin/pip install $(PIP_FLAGS) -q --upgrade pip
	$(VENV)/bin/pip install $(PIP_FLAGS) -q torch==2.13.0
	$(VENV)/bin/pip install $(PIP_FLAGS) -q -e ".[actions,dev]"
	@touch $@

# The Rasa env: Python 3.10, which Rasa 3.6 needs (it supports 3.8-3.10 only).
$(RASA_VENV)/.installed: pyproject.toml
	@py=$$(tools/find-python 3.10) && echo "rasa env: $$py" && \
	  { [ -x $(RASA_VENV)/bin/python ] || $$py -m venv $(RASA_VENV); }
	$(RASA_VENV)/bin/pip install $(PIP_FLAGS) -q --upgrade "pip<25" setuptools wheel
	$(RASA_VENV)/bin/pip install $(PIP_FLAGS) -q -e ".[rasa]"
	@touch $@

index: $(VENV)/.installed
	$(PRAXIS) index --if-changed

$(MODEL): $(RASA_VENV)/.installed $(VENV)/.installed $(TRAINING)
	$(PRAXIS) rasa train --data bot/data --domain domain.yml --config config.yml \
	  --out models --fixed-model-name praxis
	@touch $@

run: setup
	$(PRAXIS) serve

lint: $(VENV)/.installed
	$(VENV)/bin/ruff check praxis actions knowledge bot tests bench

validate: setup
	$(PRAXIS) rasa data validate --data bot/data --domain domain.yml --config config.yml \
	  --fail-on-warnings

test-conversations: setup
	$(PRAXIS) rasa test core --model $(MODEL) --stories tests/conversations \
	  --fail-on-prediction-errors --out var/results

test-python: setup
	$(VENV)/bin/python -m pytest -ra

test: lint validate test-conversations test-python

clean:
	rm -rf $(VENV) $(RASA_VENV) models var .rasa

bench: setup
	$(VENV)/bin/python -m bench.run
