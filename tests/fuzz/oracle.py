"""What every fuzzed answer must satisfy, and the tally of cases and failures per caller."""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from hypothesis import HealthCheck, Phase, Verbosity, settings

# Enough of a failing request and its answer to reproduce it, without flooding the report.
_SHOWN_CHARS = 600


@dataclass(frozen=True)
class Failure:
    caller: str
    request: str
    status: int | None
    problem: str
    answer: str

    def __str__(self) -> str:
        answer, request = self.answer[:_SHOWN_CHARS], self.request[:_SHOWN_CHARS]
        return f"[{self.caller}] {self.problem}: {self.status} {answer}\n  {request}"


@dataclass
class Tally:
    cases: Counter[str] = field(default_factory=Counter)
    # How deep the cases got, per caller: HTTP statuses, or what became of SNS records ("queued", "rejected").
    outcomes: Counter[tuple[str, str]] = field(default_factory=Counter)
    failures: list[Failure] = field(default_factory=list)

    def record(self, caller: str, request: str, status: int, content_type: str, content: bytes) -> None:
        self.cases[caller] += 1
        self.outcomes[caller, str(status)] += 1
        problem = problem_with(status, content_type, content)
        if problem:
            self.fail(caller, request, problem, status, content.decode("utf-8", "replace"))

    def fail(self, caller: str, request: str, problem: str, status: int | None = None, answer: str = "") -> None:
        self.failures.append(Failure(caller, request, status, problem, answer))

    def summary(self) -> dict[str, Any]:
        return {
            "cases": dict(sorted(self.cases.items())),
            "outcomes": {
                caller: {outcome: n for (who, outcome), n in sorted(self.outcomes.items()) if who == caller}
                for caller in sorted(self.cases)
            },
            "total_cases": sum(self.cases.values()),
            "failures": len(self.failures),
            "server_errors": sum(1 for f in self.failures if f.status is not None and f.status >= 500),
        }

    def report(self) -> str:
        return "\n".join(str(f) for f in self.failures)


def problem_with(status: int, content_type: str, content: bytes) -> str | None:
    """No server error ever, and every client error explains itself in a JSON body with a "message"."""
    if status >= 500:
        return "server error"
    if not 400 <= status < 500:
        return None
    if not content_type.split(";")[0].strip().lower().endswith("json"):
        return f"4xx answered as {content_type or 'no content type'}, not JSON"
    try:
        body = json.loads(content)
    except ValueError:
        return "4xx body is not valid JSON"
    if not (isinstance(body, dict) and isinstance(body.get("message"), str) and body["message"]):
        return '4xx JSON body has no "message"'
    return None


def fuzz_settings(examples: int) -> settings:
    # Failures are tallied, not raised, so one run counts them all (and hypothesis has nothing to shrink);
    # quiet, because an operation with nothing to make invalid ends in an Unsatisfiable that is expected.
    return settings(
        max_examples=examples,
        deadline=None,
        database=None,
        phases=[Phase.generate],
        suppress_health_check=list(HealthCheck),
        verbosity=Verbosity.quiet,
    )
