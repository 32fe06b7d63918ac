# NLU evaluation and serving benchmarks. Included by the main Makefile, which defines NLU_PY, NLU_VENV and NLU_MODEL.
#   make nlu-eval [TRAIN=file-or-dir] [TEST=file]   retrain the shipped pipeline on TRAIN, report on TEST
#   make bench-nlu [BENCH_MODEL=path]                cold start, warm p50/p99 and memory of the NLU function
#   make nlu-test                                    Rasa's own `rasa test nlu` on the shipped model
# Paths are relative to the repository root, or absolute.

TRAIN ?= nlu/data/nlu
TEST ?= nlu/tests/test_nlu.yml
NLU_EVAL_OUT := reports/nlu-eval
# What the deployed function loads: the archive unpacked by `make train` (BENCH_MODEL=nlu/models/nlu.tar.gz
# measures loading the packed archive instead).
BENCH_MODEL ?= nlu/models/nlu

.PHONY: nlu-eval bench-nlu nlu-test

nlu-eval: $(NLU_VENV)/.installed
	cd nlu && $(abspath $(NLU_PY)) -m bank_nlu.evaluate --train $(abspath $(TRAIN)) --test $(abspath $(TEST)) \
		--config config.yml --out $(abspath $(NLU_EVAL_OUT))

bench-nlu: $(NLU_VENV)/.installed $(NLU_MODEL)
	cd nlu && $(abspath $(NLU_PY)) -m bank_nlu.bench --model $(abspath $(BENCH_MODEL))

nlu-test: $(NLU_VENV)/.installed $(NLU_MODEL)
	cd nlu && .venv/bin/rasa test nlu --nlu tests/test_nlu.yml --model models/nlu.tar.gz --out ../reports/rasa-test
