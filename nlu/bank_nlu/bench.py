"""Serving cost of the NLU Lambda: cold start, warm parse latency and memory, through `handler.handler`.

    python -m bank_nlu.bench --model models/nlu.tar.gz

Cold start is the median of fresh interpreters, each timed from its first line (before any import but
`time`) to its first answer, which is what a Lambda cold start pays on top of the interpreter itself.
Warm latency is measured in this process over at least 1,000 distinct messages built from the training
and test data. Prints one JSON object as the last line of stdout.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

NLU_DIR = Path(__file__).resolve().parent.parent
FIRST_MESSAGE = "i lost my card ending 4242"
EXTRA_WORDS = ("please", "thanks", "asap", "now", "today", "again", "urgently", "pls", "ok?", "right now", "help")

# Runs in a fresh interpreter with cwd = nlu/, so `handler` is the Lambda's own module.
COLD_START = f"""\
import time
started = time.perf_counter()
import handler
handler.handler({{"text": {FIRST_MESSAGE!r}}}, None)
elapsed = time.perf_counter() - started
import json, resource
print(json.dumps({{"cold_start_s": elapsed, "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}}))
"""


def cold_start(model: Path) -> dict[str, float]:
    """One fresh process: seconds from its first line to its first parsed message."""
    env = {**os.environ, "NLU_MODEL_PATH": str(model)}
    run = subprocess.run([sys.executable, "-c", COLD_START], cwd=NLU_DIR, env=env, capture_output=True, text=True)
    if run.returncode != 0:
        sys.stderr.write(run.stderr)
        raise SystemExit(f"cold-start process failed with exit code {run.returncode}")
    result: dict[str, float] = json.loads(run.stdout.strip().splitlines()[-1])
    return result


def _typo(text: str, rng: random.Random) -> str:
    """Swap two neighbouring letters inside a word, as a hurried typist would."""
    positions = [
        i for i in range(len(text) - 1) if text[i].isalpha() and text[i + 1].isalpha() and text[i] != text[i + 1]
    ]
    if not positions:
        return text + "!"
    i = rng.choice(positions)
    return text[:i] + text[i + 1] + text[i] + text[i + 2 :]


def _variant(text: str, kind: int, rng: random.Random) -> str:
    if kind == 1:
        return text.lower()
    if kind == 2:
        return text.upper()
    if kind == 3:
        return _typo(text, rng)
    if kind == 4:
        return f"{text} {rng.choice(EXTRA_WORDS)}"
    return text


def build_messages(count: int, seed: int = 13) -> list[str]:
    """Distinct messages: the data's examples as written, lower- or upper-cased, with a typo or an added word."""
    from bank_nlu.evaluate import read_nlu

    examples = read_nlu(NLU_DIR / "data" / "nlu") + read_nlu(NLU_DIR / "tests" / "test_nlu.yml")
    bases = sorted({example.text for example in examples})
    rng = random.Random(seed)
    messages: dict[str, None] = {}  # insertion-ordered set
    for round_ in range(100):
        for text in rng.sample(bases, len(bases)):
            messages.setdefault(_variant(text, (round_ + rng.randrange(5)) % 5, rng))
            if len(messages) == count:
                return list(messages)
    raise SystemExit(f"could only build {len(messages)} distinct messages")


def warm_latencies(model: Path, messages: list[str], warmup: int) -> list[float]:
    """Milliseconds per `handler.handler` call, after `warmup` calls that are not counted."""
    os.environ["NLU_MODEL_PATH"] = str(model)
    sys.path.insert(0, str(NLU_DIR))
    import handler

    for text in messages[:warmup]:
        handler.handler({"text": text}, None)
    latencies = []
    for text in messages[warmup:]:
        started = time.perf_counter()
        handler.handler({"text": text}, None)
        latencies.append(1000 * (time.perf_counter() - started))
    return latencies


def percentile(values: list[float], share: float) -> float:
    return statistics.quantiles(values, n=1000, method="inclusive")[round(share * 1000) - 1]


def run(model: Path, cold_runs: int, count: int, warmup: int) -> dict[str, Any]:
    colds = []
    for i in range(cold_runs):
        colds.append(cold_start(model))
        print(
            f"cold start {i + 1}/{cold_runs}: {colds[-1]['cold_start_s']:.2f} s, {colds[-1]['rss_mb']:.0f} MB",
            file=sys.stderr,
        )
    messages = build_messages(warmup + count)
    latencies = warm_latencies(model, messages, warmup)
    print(
        f"warm: {len(latencies)} messages after {warmup} warm-up, mean {statistics.fmean(latencies):.2f} ms, "
        f"max {max(latencies):.1f} ms",
        file=sys.stderr,
    )
    return {
        "cold_start_s": round(statistics.median(c["cold_start_s"] for c in colds), 2),
        "parse_p50_ms": round(percentile(latencies, 0.50), 2),
        "parse_p99_ms": round(percentile(latencies, 0.99), 2),
        "rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument(
        "--model", type=Path, default=Path("models/nlu.tar.gz"), help="model archive or its unpacked folder"
    )
    parser.add_argument("--cold-runs", type=int, default=3, help="fresh processes; the median is reported")
    parser.add_argument("--messages", type=int, default=1000, help="distinct messages timed warm (at least 1,000)")
    parser.add_argument("--warmup", type=int, default=50, help="messages parsed before timing starts")
    args = parser.parse_args(argv)
    if not args.model.exists():
        raise SystemExit(f"no model at {args.model}: run `make train` first")
    print(json.dumps(run(args.model.resolve(), args.cold_runs, args.messages, args.warmup)), flush=True)


if __name__ == "__main__":
    main()
