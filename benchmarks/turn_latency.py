"""Median latency of one bot turn through the local stack (gateway -> chat function -> NLU -> DynamoDB).

Prints one JSON line: {"turns", "p50_ms", "p95_ms", "p99_ms", "start_s"}. Loopback only, bounded.
Run with `make bench-turn` (TURNS=200 by default).
"""

from __future__ import annotations

import json
import os
import statistics
import time
import uuid

import requests

from local.stack import LocalStack, StackConfig

MESSAGES = (
    "hello",
    "what time are you open on saturday",
    "what fees do you charge abroad",
    "are you a robot",
    "thanks",
    "my card 4242 4242 4242 4242 was declined",
)


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def main() -> None:
    turns = int(os.environ.get("TURNS", "200"))
    started = time.perf_counter()
    with LocalStack(StackConfig(port=0)) as stack:
        start_s = time.perf_counter() - started
        session = requests.Session()
        conversation = session.post(f"{stack.url}/v1/conversations", json={"channel": "web"}, timeout=10).json()
        url = f"{stack.url}/v1/conversations/{conversation['conversation_id']}/messages"
        headers = {"Authorization": f"Bearer {conversation['token']}"}
        latencies = []
        for i in range(turns):
            body = {"text": MESSAGES[i % len(MESSAGES)], "client_message_id": str(uuid.uuid4())}
            t0 = time.perf_counter()
            response = session.post(url, json=body, headers=headers, timeout=10)
            latencies.append((time.perf_counter() - t0) * 1000)
            response.raise_for_status()
    print(
        json.dumps(
            {
                "turns": turns,
                "p50_ms": round(statistics.median(latencies), 1),
                "p95_ms": round(_percentile(latencies, 0.95), 1),
                "p99_ms": round(_percentile(latencies, 0.99), 1),
                "start_s": round(start_s, 1),
            }
        )
    )


if __name__ == "__main__":
    main()
