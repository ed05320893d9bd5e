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
WIDGET := var/web/praxis-widget.js
NODE_MODULES := web/node_modules/.installed
TRAINING := config.yml domain.yml bot/speedups.py $(shell find bot/data bot/components -name '*.yml' -o -name '*.py' 2>/dev/null)
PIP_FLAGS := --disable-pip-version-check --no-input
export RASA_TELEMETRY_ENABLED := false
export PIP_ROOT_USER_ACTION := ignore

.PHONY: help setup run test lint validate test-conversations test-python safety-eval grounding-eval routing-eval bench clean browser \
	services

help:
	@echo "make run    set up what is missing, then start the Rasa and action servers and the web app"
	@echo "make test   set up what is missing, then run every test"
	@echo "make setup  only set up (idempotent)"
	@echo "make bench  measure latency, memory, training, indexing and retrieval quality"

setup: $(VENV)/.installed $(RASA_VENV)/.installed index $(MODEL) $(WIDGET)
	@$(PRAXIS) trainers

# The action env: Python 3.11, CPU PyTorch first (the local build), then the project. Both envs
# install the project editable from this folder, one at a time (`make bench` builds the envs side
# by side, and setuptools writes praxis.egg-info here).
$(VENV)/.installed: pyproject.toml
	@py=$$(tools/find-python 3.11) && echo "action env: $$py" && \
	  { [ -x $(VENV)/bin/python ] || $$py -m venv $(VENV); }
	$(VENV)/bin/pip install $(PIP_FLAGS) -q --upgrade pip
	$(VENV)/bin/pip install $(PIP_FLAGS) -q torch==2.13.0
	@mkdir -p var
	flock var/.editable-install.lock $(VENV)/bin/pip install $(PIP_FLAGS) -q -e ".[actions,web,dev]"
	@touch $@

# The Rasa env: Python 3.10, which Rasa 3.6 needs (it supports 3.8-3.10 only).
$(RASA_VENV)/.installed: pyproject.toml
	@py=$$(tools/find-python 3.10) && echo "rasa env: $$py" && \
	  { [ -x $(RASA_VENV)/bin/python ] || $$py -m venv $(RASA_VENV); }
	$(RASA_VENV)/bin/pip install $(PIP_FLAGS) -q --upgrade "pip<25" setuptools wheel
	@mkdir -p var
	flock var/.editable-install.lock $(RASA_VENV)/bin/pip install $(PIP_FLAGS) -q -e ".[rasa]"
	@touch $@

# The web widget: npm packages (socket.io-client, markdown-it; esbuild and axe-core for the build
# and the tests), bundled into one script.
$(NODE_MODULES): web/package.json web/package-lock.json
	@command -v npm >/dev/null || { echo "npm is missing: install Node.js 18 or later"; exit 1; }
	npm ci --prefix web --no-audit --no-fund --loglevel=error
	@touch $@

$(WIDGET): $(NODE_MODULES) $(wildcard web/widget/*)
	@mkdir -p $(dir $@)
	npm run --prefix web --silent build

# Debian's Chromium for the browser tests (the test tools never download a browser of their own).
browser:
	@command -v chromium >/dev/null || { \
	  [ "$$(id -u)" = 0 ] || { echo "Chromium is missing: sudo apt-get install chromium"; exit 1; }; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; }

# Debian's PostgreSQL and Redis for the scale-out tests, which start their own on loopback.
services:
	@{ ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 && command -v redis-server >/dev/null; } || { \
	  [ "$$(id -u)" = 0 ] || { echo "PostgreSQL or Redis is missing: sudo apt-get install postgresql redis-server"; exit 1; }; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql redis-server >/dev/null; }

index: $(VENV)/.installed
	$(PRAXIS) index --if-changed

$(MODEL): $(RASA_VENV)/.installed $(VENV)/.installed $(TRAINING)
	$(PRAXIS) rasa train --data bot/data --domain domain.yml --config config.yml \
	  --out models --fixed-model-name praxis
	@touch $@

run: setup
	$(PRAXIS) serve

lint: $(VENV)/.installed
	$(VENV)/bin/ruff check praxis actions knowledge bot web store tests bench

validate: setup
	$(PRAXIS) rasa data validate --data bot/data --domain domain.yml --config config.yml \
	  --fail-on-warnings

test-conversations: setup
	$(PRAXIS) rasa test core --model $(MODEL) --stories tests/conversations \
	  --fail-on-prediction-errors --out var/results

test-python: setup browser services
	$(VENV)/bin/python -m pytest -ra

# The risk detector on the held-out safety set, which nothing is tuned on: its figures in the log
# (the pytest suite asserts them, tests/actions/test_risk.py).
safety-eval: index
	$(PRAXIS) safety-eval --set heldout

# How answers are related to the report, and how messages are routed (the risk detector judging
# each as the guard does live), on the held-out labelled sets (tests/grounding, tests/routing);
# the pytest suite asserts the figures.
grounding-eval: index
	$(PRAXIS) grounding-eval --set heldout

routing-eval: $(MODEL) index
	$(RASA_VENV)/bin/python -m bot.routing_eval --set heldout

test: lint validate test-conversations safety-eval grounding-eval routing-eval test-python

clean:
	rm -rf $(VENV) $(RASA_VENV) models var .rasa

# Like setup, with two differences that save a fresh clone minutes: the two environments, the
# widget and the index (with its answer verifier) are made side by side, and a missing or
# out-of-date Rasa model is not trained first: the benchmark's timed from-scratch `rasa train`
# provides it.
bench:
	$(MAKE) --no-print-directory -j2 $(VENV)/.installed $(RASA_VENV)/.installed $(WIDGET) index
	@if $(UP_TO_DATE) $(MODEL); then $(VENV)/bin/python -m bench.run; \
	  else $(VENV)/bin/python -m bench.run --install-model $(MODEL); fi

# whether a target is up to date (not written as $(MAKE), so that `make -n bench` runs nothing)
UP_TO_DATE = $(MAKE) --no-print-directory -s -q
