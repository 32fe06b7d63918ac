"""Latency of one bot turn through the local stack (gateway -> chat function -> NLU -> DynamoDB).

Two kinds of turn: an anonymous web customer's questions (FAQ, small talk, masking), and a signed-in
app customer's self-service flows, which also read the demo bank. Prints one JSON line:
{"turns", "p50_ms", "p95_ms", "p99_ms", "flow_p50_ms", "flow_p99_ms", "start_s"}. Loopback only, bounded.
Run with `make bench-turn` (TURNS=200 of each kind by default).
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


# A signed-in customer's flow turns, in a loop: balance, card bill (asks which card), fees abroad.
FLOW_MESSAGES = ("what's my balance", "how much is my card bill", "9023", "what did I pay in fees abroad")


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def main() -> None:
    turns = int(os.environ.get("TURNS", "200"))
    started = time.perf_counter()
    with LocalStack(StackConfig(port=0)) as stack:
        start_s = time.perf_counter() - started
        session = requests.Session()
        latencies = _drive(session, stack.url, {"channel": "web"}, {}, MESSAGES, turns)
        login = session.get(f"{stack.url}/local/app-token", params={"customer": "C-1001"}, timeout=10).json()
        app = {"Authorization": f"Bearer {login['token']}"}
        flow_latencies = _drive(session, stack.url, {"channel": "app"}, app, FLOW_MESSAGES, turns)
    print(
        json.dumps(
            {
                "turns": turns,
                "p50_ms": round(statistics.median(latencies), 1),
                "p95_ms": round(_percentile(latencies, 0.95), 1),
                "p99_ms": round(_percentile(latencies, 0.99), 1),
                "flow_p50_ms": round(statistics.median(flow_latencies), 1),
                "flow_p99_ms": round(_percentile(flow_latencies, 0.99), 1),
                "start_s": round(start_s, 1),
            }
        )
    )


def _drive(
    session: requests.Session,
    base: str,
    start: dict[str, str],
    headers: dict[str, str],
    texts: tuple[str, ...],
    turns: int,
) -> list[float]:
    """Milliseconds per customer message of one conversation."""
    conversation = session.post(f"{base}/v1/conversations", json=start, headers=headers, timeout=10).json()
    url = f"{base}/v1/conversations/{conversation['conversation_id']}/messages"
    auth = {"Authorization": f"Bearer {conversation['token']}"}
    latencies = []
    for i in range(turns):
        body = {"text": texts[i % len(texts)], "client_message_id": str(uuid.uuid4())}
        t0 = time.perf_counter()
        response = session.post(url, json=body, headers=auth, timeout=10)
        latencies.append((time.perf_counter() - t0) * 1000)
        response.raise_for_status()
    return latencies


if __name__ == "__main__":
    main()
