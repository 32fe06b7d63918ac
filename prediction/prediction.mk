# The contact-reason predictor (see prediction/). Included by the main Makefile, which may define PY.
#   make predict-train   generate synthetic histories, fit, write functions/prediction_model.json
#   make predict-eval    top-1 / top-3 of the shipped model on its held-out customers, against the baselines
PY ?= .venv/bin/python

.PHONY: predict-train predict-eval

predict-train:
	PYTHONPATH=functions:. $(PY) -m prediction.train

predict-eval:
	PYTHONPATH=functions:. $(PY) -m prediction.evaluate
