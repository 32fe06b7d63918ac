# The public interface of the project: run, test, lint, train (and the targets the issues add).
SHELL := /bin/bash
export UV_PYTHON_DOWNLOADS := never
export HF_HUB_OFFLINE := 1

# Both interpreters come from pyenv when it is there, else from PATH.
pyenv_python = $(shell if command -v pyenv >/dev/null 2>&1 && v=$$(pyenv latest $(1) 2>/dev/null); then echo "$$(pyenv root)/versions/$$v/bin/python$(1)"; else command -v python$(1); fi)
PY_FUNCTIONS ?= $(call pyenv_python,3.12)
PY_NLU ?= $(call pyenv_python,3.10)

VENV := .venv
NLU_VENV := nlu/.venv
PY := $(VENV)/bin/python
NLU_PY := $(NLU_VENV)/bin/python
# uv builds both environments in seconds; it is bootstrapped with pip on a fresh machine.
UV := python3 -m uv
NLU_MODEL := nlu/models/nlu.tar.gz

.PHONY: run test test-fast lint train env browser lock clean bench-turn bench-handoff bench-sms flows-validate events

run: env $(NLU_MODEL)
	PYTHONPATH=functions:. $(PY) -m local

test: env browser flows-validate $(NLU_MODEL)
	cd nlu && .venv/bin/python -m pytest
	$(PY) -m pytest

# From a handoff to an agent seeing it, and the claim race over HTTP (see benchmarks/handoff_latency.py).
bench-handoff: env $(NLU_MODEL)
	PYTHONPATH=functions:. $(PY) -m benchmarks.handoff_latency

# Texts through the signed webhook, the ordered queue and the processor (see benchmarks/sms_latency.py).
bench-sms: env $(NLU_MODEL)
	PYTHONPATH=functions:. $(PY) -m benchmarks.sms_latency

# Fire a customer-event scenario at the running local stack (`make run`), as the core systems would publish it:
#   make events SCENARIO=card_declined_abroad [CUSTOMER=C-1005]   (scenarios: local/scenarios.py, or /events/)
events: env
	PYTHONPATH=functions:. $(PY) -m local.fire_event --url http://$(or $(HOST),127.0.0.1):$(or $(PORT),8000) \
		--scenario $(SCENARIO) $(if $(CUSTOMER),--customer $(CUSTOMER))

# Median bot-turn latency through the local stack (see benchmarks/turn_latency.py).
bench-turn: env $(NLU_MODEL)
	PYTHONPATH=functions:. $(PY) -m benchmarks.turn_latency

# Loads and checks every flow in functions/flows/ exactly as the functions do.
flows-validate: env
	PYTHONPATH=functions:. $(PY) -m local.flows_validate

# Browser tests drive Debian's Chromium: Playwright's own browser download cannot work here.
browser:
	@command -v chromium >/dev/null 2>&1 || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-liberation >/dev/null; }

test-fast: env
	$(PY) -m pytest -m "not slow"

lint: env
	$(VENV)/bin/ruff check functions local tests benchmarks prediction
	$(VENV)/bin/ruff format --check functions local tests benchmarks prediction
	$(VENV)/bin/mypy

train: $(NLU_VENV)/.installed
	cd nlu && .venv/bin/rasa data validate --data data --config config.yml --domain domain.yml
	cd nlu && RASA_MAX_CACHE_SIZE=0 .venv/bin/rasa train nlu --nlu data/nlu --config config.yml --out models --fixed-model-name nlu
	# Unpacked beside the archive: the NLU function loads it without gunzip (0.3 s of a cold start).
	rm -rf nlu/models/nlu && mkdir -p nlu/models/nlu && tar xzf $(NLU_MODEL) -C nlu/models/nlu

$(NLU_MODEL): $(NLU_VENV)/.installed $(filter-out %/evaluate.py %/bench.py,$(shell find nlu/data nlu/config.yml nlu/bank_nlu -name '*.yml' -o -name '*.py' 2>/dev/null))
	$(MAKE) train

env: $(VENV)/.installed $(NLU_VENV)/.installed

$(VENV)/.installed: pyproject.toml functions/requirements.txt
	@$(UV) --version >/dev/null 2>&1 || python3 -m pip install --quiet uv
	$(UV) venv --quiet --allow-existing -p $(PY_FUNCTIONS) $(VENV)
	$(UV) pip install --quiet --python $(PY) -r functions/requirements.txt -r pyproject.toml --extra dev
	touch $@

$(NLU_VENV)/.installed: nlu/requirements.txt nlu/requirements-dev.txt
	@$(UV) --version >/dev/null 2>&1 || python3 -m pip install --quiet uv
	$(UV) venv --quiet --allow-existing -p $(PY_NLU) $(NLU_VENV)
	$(UV) pip install --quiet --python $(NLU_PY) -r nlu/requirements.txt -r nlu/requirements-dev.txt
	touch $@

# Pins what the Lambdas ship (sam build reads functions/requirements.txt).
lock:
	$(UV) pip compile --quiet --python-version 3.12 pyproject.toml -o functions/requirements.txt

include nlu/nlu.mk
include prediction/prediction.mk

clean:
	rm -rf $(VENV) $(NLU_VENV) nlu/models .pytest_cache .mypy_cache .ruff_cache
