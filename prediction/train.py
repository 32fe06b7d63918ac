"""Trains the contact-reason predictor on generated histories and writes functions/prediction_model.json.

Multinomial logistic regression, full-batch Adam with an L2 penalty on the weights (not the biases). The
features are the serving code's own (`core.prediction.features`), so training and serving cannot disagree.

    PYTHONPATH=functions:. .venv/bin/python -m prediction.train [--seed 7] [--customers 3000] [--out PATH]
"""

from __future__ import annotations

import argparse
import time
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

from core.prediction import FEATURE_NAMES, ContactReason, PredictorModel, TrainingRun, features
from prediction.generator import Sample, generate, split_by_customer

SHIPPED_MODEL = Path(__file__).resolve().parents[1] / "functions" / "prediction_model.json"
CLASSES = tuple(ContactReason)
ITERATIONS = 400
L2 = 1e-4
LEARNING_RATE = 0.05


def design_matrix(samples: list[Sample]) -> np.ndarray:
    return np.array(
        [[row[name] for name in FEATURE_NAMES] for row in (features(s.events, s.history) for s in samples)],
        dtype=np.float64,
    )


def fit(x: np.ndarray, y: np.ndarray, iterations: int = ITERATIONS, l2: float = L2) -> tuple[np.ndarray, np.ndarray]:
    """(weights [features x classes], bias [classes]) minimising mean cross-entropy + l2/2 |weights|^2."""
    n, d = x.shape
    k = len(CLASSES)
    target = np.eye(k)[y]
    params = [np.zeros((d, k)), np.log(target.mean(axis=0) + 1e-6)]  # biases start at the class priors
    moments = [[np.zeros_like(p), np.zeros_like(p)] for p in params]
    beta1, beta2 = 0.9, 0.999
    for step in range(1, iterations + 1):
        scores = x @ params[0] + params[1]
        scores -= scores.max(axis=1, keepdims=True)
        probabilities = np.exp(scores)
        probabilities /= probabilities.sum(axis=1, keepdims=True)
        error = (probabilities - target) / n
        gradients = [x.T @ error + l2 * params[0], error.sum(axis=0)]
        for param, gradient, moment in zip(params, gradients, moments, strict=True):
            moment[0] = beta1 * moment[0] + (1 - beta1) * gradient
            moment[1] = beta2 * moment[1] + (1 - beta2) * gradient**2
            corrected = moment[0] / (1 - beta1**step), moment[1] / (1 - beta2**step)
            param -= LEARNING_RATE * corrected[0] / (np.sqrt(corrected[1]) + 1e-8)
    return params[0], params[1]


def to_model(weights: np.ndarray, bias: np.ndarray, run: TrainingRun) -> PredictorModel:
    """Rounded to 4 decimals, zeros left out: the probabilities move by less than 1e-3, the file shrinks by half."""
    return PredictorModel(
        classes=CLASSES,
        features=FEATURE_NAMES,
        weights={
            reason: {
                name: round(float(w), 4) for name, w in zip(FEATURE_NAMES, weights[:, j], strict=True) if round(w, 4)
            }
            for j, reason in enumerate(CLASSES)
        },
        bias={reason: round(float(b), 4) for reason, b in zip(CLASSES, bias, strict=True)},
        training=run,
    )


def train(train_samples: list[Sample], run: TrainingRun, iterations: int = ITERATIONS) -> PredictorModel:
    y = np.array([CLASSES.index(s.reason) for s in train_samples])
    weights, bias = fit(design_matrix(train_samples), y, iterations)
    return to_model(weights, bias, run)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--customers", type=int, default=3000)
    parser.add_argument("--out", type=Path, default=SHIPPED_MODEL)
    args = parser.parse_args()
    started = time.perf_counter()
    train_samples, test_samples = split_by_customer(generate(args.seed, args.customers), args.seed)
    generated = time.perf_counter()
    run = TrainingRun(
        seed=args.seed,
        customers=args.customers,
        n_train=len(train_samples),
        n_test=len(test_samples),
        trained_on=datetime.now(UTC).date().isoformat(),
        iterations=ITERATIONS,
        l2=L2,
    )
    model = train(train_samples, run)
    args.out.write_text(model.model_dump_json() + "\n", encoding="utf-8")
    finished = time.perf_counter()
    print(
        f"{run.n_train} training samples from {args.customers} customers (seed {args.seed}): "
        f"generated in {generated - started:.1f} s, fitted in {finished - generated:.1f} s; "
        f"wrote {args.out} ({args.out.stat().st_size / 1024:.0f} KB)"
    )


if __name__ == "__main__":
    main()
