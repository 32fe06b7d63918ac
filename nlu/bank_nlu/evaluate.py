"""Retrain the shipped pipeline on any Rasa NLU data set and report how well it classifies a test set.

    python -m bank_nlu.evaluate --train TRAIN.yml --test TEST.yml --config config.yml --out reports/nlu-eval

TRAIN (a file or a directory) is trained with `rasa train nlu` exactly as `make train` would, the model is
served through the Rasa-free runtime (`NluModel`), and every TEST example is parsed one by one. Writes
report.md, report.json, confusion_matrix.png and reliability.png into --out and prints one JSON summary
as the last line of stdout (Rasa's training log goes to stderr).

scikit-learn and matplotlib are imported where they are used: bench.py reuses the reader below, and its
memory figure must be the serving runtime's alone.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import yaml

NLU_DIR = Path(__file__).resolve().parent.parent
THRESHOLDS = (0.3, 0.4, 0.5, 0.6, 0.7, 0.8)
CALIBRATION_BINS = 10
TOP_CONFUSIONS = 15
# Rasa's own annotation syntax: [text](type), [text](type:value), [text]{"entity": ...}, [text][{...}, {...}]
_ANNOTATION = re.compile(
    r"\[(?P<text>[^\]]+?)\](?:\((?P<type>[^:)]+?)(?::[^)]+)?\)|(?P<dict>\{[^}]+?\})|\[(?P<list>.*?)\])"
)
_ENTITY_DICT = re.compile(r"\{[^}]+?\}")
FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]


@dataclass(frozen=True)
class Span:
    start: int
    end: int
    entity: str


@dataclass(frozen=True)
class Example:
    text: str
    intent: str
    entities: tuple[Span, ...] = field(default=())


# --- reading Rasa YAML NLU data -------------------------------------------------------------------------------


def _annotation_types(match: re.Match[str]) -> list[str]:
    if match["type"]:
        return [match["type"].strip()]
    dicts = [match["dict"]] if match["dict"] else _ENTITY_DICT.findall(match["list"])
    return [str(json.loads(d)["entity"]) for d in dicts]


def strip_annotations(annotated: str) -> tuple[str, tuple[Span, ...]]:
    """The plain text Rasa trains on, and the annotated entity spans in it."""
    parts: list[str] = []
    spans: list[Span] = []
    cursor = length = 0
    for match in _ANNOTATION.finditer(annotated):
        parts.append(annotated[cursor : match.start()])
        length += match.start() - cursor
        spans += [Span(length, length + len(match["text"]), kind) for kind in _annotation_types(match)]
        parts.append(match["text"])
        length += len(match["text"])
        cursor = match.end()
    parts.append(annotated[cursor:])
    return "".join(parts), tuple(spans)


def _example_lines(examples: Any) -> list[str]:
    if isinstance(examples, str):
        return [line[1:].strip("\n\r ") for line in examples.splitlines() if line.startswith("-")]
    if isinstance(examples, list):
        return [str(item.get("text", "")).strip("\n\r ") for item in examples if isinstance(item, dict)]
    return []


def _read_file(path: Path) -> list[Example]:
    document = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    items = document.get("nlu") if isinstance(document, dict) else None
    examples = []
    for item in items or []:
        if not isinstance(item, dict) or "intent" not in item:
            continue  # synonyms, regexes and lookup tables
        intent = str(item["intent"]).split("/")[0]  # retrieval intents are classified by their base name
        for line in _example_lines(item.get("examples")):
            text, spans = strip_annotations(line)
            if text:
                examples.append(Example(text, intent, spans))
    return examples


def read_nlu(path: Path) -> list[Example]:
    """Every intent example in a Rasa YAML NLU file, or in all such files under a directory."""
    files = sorted(p for p in path.rglob("*") if p.suffix in {".yml", ".yaml"}) if path.is_dir() else [path]
    return [example for file in files for example in _read_file(file)]


# --- training and parsing -------------------------------------------------------------------------------------


def train(train_path: Path, config: Path, out_dir: Path) -> tuple[Path, float]:
    """Train with Rasa's own CLI, streaming its log to stderr; returns the archive and wall seconds."""
    command = [
        sys.executable,
        "-m",
        "rasa",
        "train",
        "nlu",
        "--nlu",
        str(train_path),
        "--config",
        str(config),
        "--out",
        str(out_dir),
        "--fixed-model-name",
        "eval",
    ]
    # Nothing restored from Rasa's training cache, so train_s is always a full training.
    env = {**os.environ, "RASA_MAX_CACHE_SIZE": "0"}
    started = time.perf_counter()
    run = subprocess.run(command, cwd=NLU_DIR, env=env, stdout=sys.stderr, stderr=sys.stderr, check=False)
    if run.returncode != 0:
        raise SystemExit(f"rasa train nlu failed with exit code {run.returncode}")
    return out_dir / "eval.tar.gz", time.perf_counter() - started


def predict(model_path: Path, texts: list[str]) -> list[dict[str, Any]]:
    from bank_nlu.model import NluModel

    model = NluModel.load(str(model_path))
    return [model.parse(text) for text in texts]


# --- metrics ----------------------------------------------------------------------------------------------------


def intent_metrics(gold: list[str], predicted: list[str]) -> dict[str, Any]:
    """Accuracy, macro F1 over the intents TEST contains, a per-intent table and the most confused pairs."""
    from sklearn.metrics import accuracy_score, f1_score, precision_recall_fscore_support

    labels = sorted(set(gold) | set(predicted))
    precision, recall, f1, support = precision_recall_fscore_support(gold, predicted, labels=labels, zero_division=0)
    per_intent = {
        label: {"precision": float(p), "recall": float(r), "f1": float(f), "support": int(s)}
        for label, p, r, f, s in zip(labels, precision, recall, f1, support, strict=True)
    }
    confusions = Counter((g, p) for g, p in zip(gold, predicted, strict=True) if g != p).most_common(TOP_CONFUSIONS)
    return {
        "accuracy": float(accuracy_score(gold, predicted)),
        "macro_f1": float(f1_score(gold, predicted, labels=sorted(set(gold)), average="macro", zero_division=0)),
        "per_intent": per_intent,
        "confused_pairs": [{"true": g, "predicted": p, "count": n} for (g, p), n in confusions],
    }


def _threshold_rows(confidence: FloatArray, correct: BoolArray) -> list[dict[str, Any]]:
    """Per threshold: the share of messages below it, and the accuracy of those at or above it."""
    rows = []
    for threshold in THRESHOLDS:
        kept = confidence >= threshold
        rows.append(
            {
                "threshold": threshold,
                "share_below": float(1 - kept.mean()),
                "accuracy_at_or_above": float(correct[kept].mean()) if kept.any() else None,
                "n_at_or_above": int(kept.sum()),
            }
        )
    return rows


def calibration(confidence: FloatArray, correct: BoolArray) -> dict[str, Any]:
    """Coverage and accuracy at each threshold, and expected calibration error over equal-width bins."""
    index = np.minimum((confidence * CALIBRATION_BINS).astype(int), CALIBRATION_BINS - 1)
    bins, ece = [], 0.0
    for b in range(CALIBRATION_BINS):
        members = index == b
        count = int(members.sum())
        accuracy = float(correct[members].mean()) if count else None
        mean_confidence = float(confidence[members].mean()) if count else None
        if accuracy is not None and mean_confidence is not None:
            ece += count / len(confidence) * abs(accuracy - mean_confidence)
        bins.append(
            {
                "lower": b / CALIBRATION_BINS,
                "upper": (b + 1) / CALIBRATION_BINS,
                "count": count,
                "mean_confidence": mean_confidence,
                "accuracy": accuracy,
            }
        )
    return {"thresholds": _threshold_rows(confidence, correct), "ece": ece, "bins": bins}


def entity_metrics(examples: list[Example], results: list[dict[str, Any]]) -> dict[str, dict[str, float]]:
    """Per entity type precision and recall; a prediction counts only with the exact span and type."""
    from sklearn.metrics import precision_recall_fscore_support

    gold = {(i, s.start, s.end, s.entity) for i, ex in enumerate(examples) for s in ex.entities}
    found = {(i, e["start"], e["end"], e["entity"]) for i, r in enumerate(results) for e in r["entities"]}
    table = {}
    for kind in sorted({item[3] for item in gold | found}):
        items = sorted(item for item in gold | found if item[3] == kind)
        p, r, f, _ = precision_recall_fscore_support(
            [item in gold for item in items], [item in found for item in items], average="binary", zero_division=0
        )
        support, predicted = sum(item in gold for item in items), sum(item in found for item in items)
        table[kind] = {
            "precision": float(p),
            "recall": float(r),
            "f1": float(f),
            "support": support,
            "predicted": predicted,
        }
    return table


# --- plots ------------------------------------------------------------------------------------------------------


def plot_confusion(gold: list[str], predicted: list[str], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from sklearn.metrics import confusion_matrix

    labels = sorted(set(gold) | set(predicted))
    counts = confusion_matrix(gold, predicted, labels=labels)
    shares = counts / np.maximum(counts.sum(axis=1, keepdims=True), 1)
    n = len(labels)
    size, font = max(6.0, 0.22 * n + 3), max(5.0, min(10.0, 320 / n))
    fig, ax = plt.subplots(figsize=(size, size * 0.92))
    image = ax.imshow(shares, cmap="Blues", vmin=0, vmax=1)
    ax.set_xticks(range(n), labels, rotation=90, fontsize=font)
    ax.set_yticks(range(n), labels, fontsize=font)
    if n <= 40:
        for (row, col), count in np.ndenumerate(counts):
            if count:
                colour = "white" if shares[row, col] > 0.5 else "black"
                ax.text(col, row, str(count), ha="center", va="center", fontsize=font, color=colour)
    ax.set_xlabel("predicted intent")
    ax.set_ylabel("true intent")
    ax.set_title("Confusion matrix (colour: share of the true intent's messages; numbers: counts)")
    fig.colorbar(image, ax=ax, fraction=0.03)
    fig.tight_layout()
    fig.savefig(path, dpi=150)
    plt.close(fig)


def plot_reliability(bins: list[dict[str, Any]], ece: float, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    filled = [b for b in bins if b["count"]]
    centres = [(b["lower"] + b["upper"]) / 2 for b in bins]
    fig, (top, bottom) = plt.subplots(2, 1, figsize=(6, 7), sharex=True, gridspec_kw={"height_ratios": [3, 1]})
    top.bar(
        [(b["lower"] + b["upper"]) / 2 for b in filled],
        [b["accuracy"] for b in filled],
        width=0.09,
        edgecolor="black",
        label="accuracy in bin",
    )
    top.plot(
        [b["mean_confidence"] for b in filled],
        [b["accuracy"] for b in filled],
        "o-",
        color="C1",
        label="mean confidence vs accuracy",
    )
    top.plot([0, 1], [0, 1], "--", color="grey", label="perfect calibration")
    top.set(ylabel="accuracy", xlim=(0, 1), ylim=(0, 1))
    top.legend(loc="lower center", bbox_to_anchor=(0.5, 1.0), ncol=3, fontsize=7, frameon=False)
    fig.suptitle(f"Reliability of the top-intent confidence (ECE {ece:.3f})")
    bottom.bar(centres, [b["count"] for b in bins], width=0.09, color="grey")
    bottom.set(xlabel="top-intent confidence", ylabel="messages")
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


# --- report -----------------------------------------------------------------------------------------------------


def _pct(value: float | None) -> str:
    return "–" if value is None else f"{100 * value:.1f}%"


def _entity_lines(entities: dict[str, dict[str, float]]) -> list[str]:
    lines = [
        "",
        "## Entities (exact span and type)",
        "",
        "| entity | precision | recall | F1 | support | predicted |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for kind, m in entities.items():
        lines.append(
            f"| {kind} | {_pct(m['precision'])} | {_pct(m['recall'])} | {_pct(m['f1'])} "
            f"| {m['support']} | {m['predicted']} |"
        )
    return lines


def render_markdown(report: dict[str, Any]) -> str:
    cal = report["calibration"]
    lines = [
        "# NLU evaluation",
        "",
        f"- train: `{report['train']}` ({report['n_train']} examples), test: `{report['test']}` "
        f"({report['n_test']} examples), config: `{report['config']}`",
        f"- training took {report['train_s']:.1f} s; parsing took {report['parse_ms_mean']:.1f} ms per message",
        f"- **accuracy {_pct(report['accuracy'])}**, **macro F1 {_pct(report['macro_f1'])}** "
        "(macro F1 averages the intents that occur in the test set)",
        "",
        "## Per intent",
        "",
        "| intent | precision | recall | F1 | support |",
        "|---|---:|---:|---:|---:|",
    ]
    for name, m in report["per_intent"].items():
        lines.append(f"| {name} | {_pct(m['precision'])} | {_pct(m['recall'])} | {_pct(m['f1'])} | {m['support']} |")
    lines += ["", f"## Most confused pairs (top {TOP_CONFUSIONS})", ""]
    lines += [f"- {c['true']} → {c['predicted']}: {c['count']}" for c in report["confused_pairs"]] or ["- none"]
    lines += [
        "",
        "## Calibration",
        "",
        f"Expected calibration error ({CALIBRATION_BINS} bins): {cal['ece']:.4f}",
        "",
        "| threshold | below threshold | accuracy at or above | messages at or above |",
        "|---:|---:|---:|---:|",
    ]
    for t in cal["thresholds"]:
        lines.append(
            f"| {t['threshold']:.1f} | {_pct(t['share_below'])} | {_pct(t['accuracy_at_or_above'])} "
            f"| {t['n_at_or_above']} |"
        )
    if report["entities"] is not None:
        lines += _entity_lines(report["entities"])
    lines += ["", "![confusion matrix](confusion_matrix.png)", "", "![reliability](reliability.png)", ""]
    return "\n".join(lines)


def evaluate(train_path: Path, test_path: Path, config: Path, out: Path) -> dict[str, Any]:
    train_set, test_set = read_nlu(train_path), read_nlu(test_path)
    if not train_set or not test_set:
        raise SystemExit(f"no intent examples in {train_path if not train_set else test_path}")
    with tempfile.TemporaryDirectory(prefix="nlu-eval-") as tmp:
        model_path, train_s = train(train_path, config, Path(tmp))
        started = time.perf_counter()
        results = predict(model_path, [example.text for example in test_set])
        parse_ms = 1000 * (time.perf_counter() - started) / len(test_set)
    gold = [example.intent for example in test_set]
    predicted = [result["intent"]["name"] for result in results]
    confidence = np.array([result["intent"]["confidence"] for result in results], dtype=float)
    has_entities = any(example.entities for example in test_set)
    report = {
        "train": str(train_path),
        "test": str(test_path),
        "config": str(config),
        "n_train": len(train_set),
        "n_test": len(test_set),
        "train_s": train_s,
        "parse_ms_mean": parse_ms,
        **intent_metrics(gold, predicted),
        "calibration": calibration(confidence, np.array(gold) == np.array(predicted)),
        "entities": entity_metrics(test_set, results) if has_entities else None,
    }
    out.mkdir(parents=True, exist_ok=True)
    (out / "report.json").write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    (out / "report.md").write_text(render_markdown(report), encoding="utf-8")
    plot_confusion(gold, predicted, out / "confusion_matrix.png")
    plot_reliability(report["calibration"]["bins"], report["calibration"]["ece"], out / "reliability.png")
    return report


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--train", type=Path, default=Path("data/nlu"), help="Rasa NLU yml file or directory")
    parser.add_argument("--test", type=Path, default=Path("tests/test_nlu.yml"), help="Rasa NLU yml file")
    parser.add_argument("--config", type=Path, default=Path("config.yml"), help="the pipeline, trained unchanged")
    parser.add_argument("--out", type=Path, default=Path("reports/nlu-eval"), help="folder for the reports")
    args = parser.parse_args(argv)
    train_path, test_path, config = (p.resolve() for p in (args.train, args.test, args.config))
    for path in (train_path, test_path, config):
        if not path.exists():
            parser.error(f"{path} does not exist")
    report = evaluate(train_path, test_path, config, args.out.resolve())
    print(f"report: {args.out.resolve() / 'report.md'}", file=sys.stderr)
    summary = {
        "accuracy": round(report["accuracy"], 4),
        "macro_f1": round(report["macro_f1"], 4),
        "train_s": round(report["train_s"], 1),
        "n_train": report["n_train"],
        "n_test": report["n_test"],
    }
    print(json.dumps(summary), flush=True)


if __name__ == "__main__":
    main()
