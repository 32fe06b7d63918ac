"""Texts through the local stack the way Twilio sends them: a signed webhook, the ordered queue, the
processor, and the answer by TwiML when it is ready within the webhook's wait (else by the provider API).

Prints one JSON line: {"texts", "p50_ms", "p99_ms", "answered_by_twiml", "segments_max"}, where the time is
from the provider's POST to its answer (the customer's phone gets a TwiML answer right after). Run with
`make bench-sms` (TEXTS=60).
"""

from __future__ import annotations

import json
import os
import statistics
import time

import requests

from channels.sms import segments
from local.stack import LocalStack, StackConfig

TEXTS = ("when are you open on saturday", "what fees do you charge", "are you a robot", "thanks", "HELP")


def main() -> None:
    count = int(os.environ.get("TEXTS", "60"))
    with LocalStack(StackConfig(port=0)) as stack:
        session = requests.Session()
        phone = "+447700900110"
        latencies, twiml = [], 0
        for i in range(count):
            before = len(
                session.get(f"{stack.url}/local/sms/outbox", params={"phone": phone}, timeout=10).json()["messages"]
            )
            t0 = time.perf_counter()
            answer = session.post(
                f"{stack.url}/local/sms/send", json={"from": phone, "text": TEXTS[i % len(TEXTS)]}, timeout=30
            )
            latencies.append((time.perf_counter() - t0) * 1000)
            answer.raise_for_status()
            after = session.get(f"{stack.url}/local/sms/outbox", params={"phone": phone}, timeout=10).json()["messages"]
            twiml += len(after) > before  # the simulator delivers TwiML answers before it returns
        texts = session.get(f"{stack.url}/local/sms/outbox", params={"phone": phone}, timeout=10).json()["messages"]
    print(json.dumps({
        "texts": count,
        "p50_ms": round(statistics.median(latencies), 1),
        "p99_ms": round(sorted(latencies)[min(count - 1, int(0.99 * count))], 1),
        "answered_by_twiml": f"{twiml}/{count}",
        "segments_max": max(segments(t["text"]) for t in texts),
    }))  # fmt: skip


if __name__ == "__main__":
    main()
