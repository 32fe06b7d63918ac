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

.PHONY: run test test-fast lint train env browser lock clean bench-turn bench-handoff bench-sms flows-validate events report simulate faults pii-scan load cost fuzz template-lint

run: env $(NLU_MODEL)
	PYTHONPATH=functions:. $(PY) -m local

test: env browser flows-validate $(NLU_MODEL)
	cd nlu && .venv/bin/python -m pytest
	$(PY) -m pytest

# What the customer gets when the NLU, DynamoDB or the SMS provider fails (faults injected at the adapters;
# part of `make test` too). See "Hardening: faults" in the README.
faults: env
	$(PY) -m pytest tests/faults

# The PII corpus through every path of a local stack, then every item, log line and text sent searched for
# card numbers, CVVs and the corpus's personal data (part of `make test` too).
pii-scan: env $(NLU_MODEL)
	$(PY) -m pytest tests/pii

# From a handoff to an agent seeing it, and the claim race over HTTP (see benchmarks/handoff_latency.py).
bench-handoff: env $(NLU_MODEL)
	PYTHONPATH=functions:. $(PY) -m benchmarks.handoff_latency

# Texts through the signed webhook, the ordered queue and the processor (see benchmarks/sms_latency.py).
bench-sms: env $(NLU_MODEL)
	PYTHONPATH=functions:. $(PY) -m benchmarks.sms_latency

# CONVERSATIONS (200), CONCURRENCY (10) at once on web, app and SMS, then an audit of the tables: exits 1 on a lost,
# duplicated or reordered message or an inconsistent handoff (see benchmarks/load.py and "Hardening" in the README).
load: env $(NLU_MODEL)
	PYTHONPATH=functions:. $(PY) -m benchmarks.load

# A smaller load, web/app then SMS, priced from the calls it made: USD per 1,000 conversations (benchmarks/cost.py,
# prices in benchmarks/prices.yml).
cost: env $(NLU_MODEL)
	PYTHONPATH=functions:. $(PY) -m benchmarks.cost

# Fire a customer-event scenario at the running local stack (`make run`), as the core systems would publish it:
#   make events SCENARIO=card_declined_abroad [CUSTOMER=C-1005]   (scenarios: local/scenarios.py, or /events/)
events: env
	PYTHONPATH=functions:. $(PY) -m local.fire_event --url http://$(or $(HOST),127.0.0.1):$(or $(PORT),8000) \
		--scenario $(SCENARIO) $(if $(CUSTOMER),--customer $(CUSTOMER))

# The service report of the last DAYS days as one HTML file (see reporting/report.py and the README). ENDPOINT is a
# DynamoDB endpoint: by default the one the running local stack (`make run`) wrote to .local/dynamodb-endpoint; set
# ENDPOINT= (empty) to read the deployed table with your AWS credentials (TABLE= its name).
ENDPOINT ?= $(shell cat .local/dynamodb-endpoint 2>/dev/null)
REGION ?= eu-west-1
DAYS ?= 7
OUT ?= reports/service/index.html
report: env
	PYTHONPATH=functions:. $(PY) -m reporting.report $(if $(ENDPOINT),--endpoint $(ENDPOINT)) --region $(REGION) \
		--days $(DAYS) --out $(OUT) $(if $(TABLE),--table $(TABLE))

# A day of N synthetic customers through a local stack of its own: events, proactive texts, web/app/SMS chats,
# handoffs to the demo agents; prints one JSON line of figures and writes the service report (see simulation/).
# URL=http://127.0.0.1:8000 DYNAMODB=<its DynamoDB endpoint> drives a running `make run` instead; KEEP=1 keeps it up.
N ?= 200
SEED ?= 7
CONCURRENCY ?= 8
simulate: env $(NLU_MODEL)
	PYTHONPATH=functions:. $(PY) -m simulation.simulate --customers $(N) --seed $(SEED) --concurrency $(CONCURRENCY) \
		$(if $(URL),--url $(URL) --dynamodb-endpoint $(DYNAMODB)) $(if $(KEEP),--keep)

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
	$(VENV)/bin/ruff check functions local tests benchmarks prediction reporting simulation
	$(VENV)/bin/ruff format --check functions local tests benchmarks prediction reporting simulation
	$(VENV)/bin/mypy
	$(VENV)/bin/mypy reporting
# simulation/ drives local/ and reuses prediction/'s assumptions, which mypy does not check: only its own errors.
	$(VENV)/bin/mypy --follow-imports=silent simulation
	$(MAKE) --no-print-directory template-lint

# `sam validate --lint` (what SAM CLI users run; unlike the cfn-lint test, warnings fail it too). SAM CLI lives in a
# venv of its own, as its pins are not the functions': about 12 s to build on a cold uv cache, 10-20 s to run.
SAM_VENV := .local/tools/sam-cli
template-lint: $(SAM_VENV)/.installed
	AWS_DEFAULT_REGION=eu-west-1 SAM_CLI_TELEMETRY=0 __SAM_CLI_APP_DIR=$(SAM_VENV)/config \
		$(SAM_VENV)/bin/sam validate --lint --template template.yaml

$(SAM_VENV)/.installed:
	@$(UV) --version >/dev/null 2>&1 || python3 -m pip install --quiet uv
	$(UV) venv --quiet --allow-existing -p $(PY_FUNCTIONS) $(SAM_VENV)
	$(UV) pip install --quiet --python $(SAM_VENV)/bin/python aws-sam-cli==1.170.0
	touch $@

# Fuzzes the local stack (tests/fuzz): every route of its /openapi.json as an anonymous, a customer and an agent
# caller (schemathesis), the Twilio webhooks signed, unsigned and tampered, the SNS inbound function (hypothesis).
# FUZZ_EXAMPLES (100) cases per operation, caller and mode; prints each failure, then a JSON summary last.
fuzz: env $(NLU_MODEL)
	PYTHONPATH=functions:. FUZZ_EXAMPLES=$(or $(FUZZ_EXAMPLES),100) $(PY) -m tests.fuzz

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
