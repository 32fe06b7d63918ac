"""Measures a predictor model on the held-out customers of the data it was trained on, against two baselines.

Regenerates the histories from the seed and size recorded in the model, splits them by customer exactly as
training did, and ranks every held-out sample with the serving code. The baselines:
- most frequent: always the reason most frequent in the training split;
- most recent event: the obvious reason of the latest event (its top-3: the obvious reasons of the 3 most
  recent distinct event kinds, padded with the most frequent reasons); the most frequent reason when there is
  no event.
Prints recall by reason, then one JSON line, last.

    PYTHONPATH=functions:. .venv/bin/python -m prediction.evaluate [--model PATH]
"""

from __future__ import annotations

import argparse
import json
from collections import Counter
from pathlib import Path

from core.prediction import OBVIOUS_REASON, ContactReason, PredictorModel
from prediction.generator import Sample, generate, split_by_customer
from prediction.train import SHIPPED_MODEL


def by_frequency(samples: list[Sample]) -> list[ContactReason]:
    counts = Counter(s.reason for s in samples)
    return sorted(ContactReason, key=lambda reason: (-counts[reason], list(ContactReason).index(reason)))


def most_recent_event_ranking(sample: Sample, frequent: list[ContactReason]) -> list[ContactReason]:
    ranking: list[ContactReason] = []
    for event in sorted(sample.events, key=lambda e: (e.at, e.event_id), reverse=True):
        reason = OBVIOUS_REASON[event.kind]
        if reason not in ranking:
            ranking.append(reason)
        if len(ranking) == 3:
            break
    return ranking + [reason for reason in frequent if reason not in ranking]


def _share(hits: int, total: int) -> float:
    return round(hits / total, 4) if total else 0.0


def evaluate(model: PredictorModel, train_samples: list[Sample], test_samples: list[Sample]) -> dict[str, float | int]:
    frequent = by_frequency(train_samples)
    model_top: list[list[ContactReason]] = [
        [p.reason for p in model.rank(s.events, s.history)[:3]] for s in test_samples
    ]
    baseline_top = [most_recent_event_ranking(s, frequent)[:3] for s in test_samples]
    truths = [s.reason for s in test_samples]
    n = len(test_samples)
    return {
        "top1": _share(sum(top[0] == truth for top, truth in zip(model_top, truths, strict=True)), n),
        "top3": _share(sum(truth in top for top, truth in zip(model_top, truths, strict=True)), n),
        "baseline_most_frequent_top1": _share(sum(truth == frequent[0] for truth in truths), n),
        "baseline_most_recent_event_top1": _share(
            sum(top[0] == truth for top, truth in zip(baseline_top, truths, strict=True)), n
        ),
        "baseline_most_recent_event_top3": _share(
            sum(truth in top for top, truth in zip(baseline_top, truths, strict=True)), n
        ),
        "n_train": len(train_samples),
        "n_test": n,
    }


def recall_by_reason(model: PredictorModel, test_samples: list[Sample]) -> dict[ContactReason, tuple[int, int]]:
    """reason: (samples of it, how many the model ranked first)."""
    counts: dict[ContactReason, tuple[int, int]] = {}
    for sample in test_samples:
        total, hits = counts.get(sample.reason, (0, 0))
        first = model.rank(sample.events, sample.history)[0].reason
        counts[sample.reason] = (total + 1, hits + (first == sample.reason))
    return counts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", type=Path, default=SHIPPED_MODEL)
    args = parser.parse_args()
    model = PredictorModel.load(args.model)
    run = model.training
    train_samples, test_samples = split_by_customer(generate(run.seed, run.customers), run.seed)
    for reason, (total, hits) in sorted(recall_by_reason(model, test_samples).items(), key=lambda kv: -kv[1][0]):
        print(f"{reason:<20} {total:>5} held-out contacts, top-1 recall {hits / total:.2f}")
    print(json.dumps(evaluate(model, train_samples, test_samples)))


if __name__ == "__main__":
    main()
