"""What the local run would be billed for in AWS: counts of requests, invocations and capacity units.

The gateway, the function pools and the moto endpoint add to one meter per stack; `benchmarks/cost.py`
prices a snapshot of it, and `GET /local/usage` shows it while the stack runs (`DELETE` starts afresh).
Each entry is (service, item) -> how many times, and the sum of an amount (billed ms, capacity units, bytes).
"""

from __future__ import annotations

import threading
from collections import defaultdict
from dataclasses import dataclass


@dataclass
class Tally:
    count: int = 0
    amount: float = 0.0


class UsageMeter:
    def __init__(self) -> None:
        self._lock = threading.Lock()  # many gateway and poller threads add at once
        self._tallies: defaultdict[tuple[str, str], Tally] = defaultdict(Tally)

    def add(self, service: str, item: str, amount: float = 0.0, count: int = 1) -> None:
        with self._lock:
            tally = self._tallies[(service, item)]
            tally.count += count
            tally.amount += amount

    def snapshot(self) -> dict[str, dict[str, dict[str, float]]]:
        """{service: {item: {"count", "amount"}}}, JSON-ready."""
        with self._lock:
            tallies = sorted(self._tallies.items())
        usage: dict[str, dict[str, dict[str, float]]] = {}
        for (service, item), tally in tallies:
            usage.setdefault(service, {})[item] = {"count": tally.count, "amount": round(tally.amount, 3)}
        return usage

    def reset(self) -> None:
        with self._lock:
            self._tallies.clear()
