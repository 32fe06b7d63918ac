"""What a conversation would cost in AWS (eu-west-1, on demand), from the calls the local run made for it.

Starts the local stack and runs the load (benchmarks/load.py) twice, reading the stack's usage meter
(local/usage.py) after each: web and app conversations first, then SMS conversations. It prices API Gateway
requests by route; Lambda invocations and billed milliseconds by function, with memory and architecture from
template.yaml (the NLU function's invocations as the message functions timed them); DynamoDB read and write
request units (local/metering.py); SQS requests; SNS publishes; CloudWatch Logs (the functions' log files, plus
Lambda's own START/END/REPORT lines); X-Ray traces; and SMS segments (the outbox), with benchmarks/prices.yml.
Every conversation of the load has six customer messages and three in ten hand off to an agent, so the figures
are per 1,000 such conversations.

Pages that poll on a timer are priced apart, per call, because what they cost grows with how long a page is
open, not with conversations: the chat page reads the transcript every 3 s while a colleague is coming or
there and every 30 s with the bot (web/chat/chat.js), the agent
console reads four queue routes every 2 s (web/agent/agent.js). Their DynamoDB reads stay in the main figure.
Left out, as they do not grow with conversations: the handoff sweeper's schedule (priced per month apart), the
local SQS poller's empty receives (Lambda's event source mapping long-polls), KMS (DynamoDB and SQS cache data
keys for minutes), Secrets Manager (read once per cold start), storage, and data transfer (a few KB a turn).
Durations are the local ones, on a shared 2-core machine against moto, so the Lambda lines are pessimistic;
the default concurrency is low to keep waiting for a CPU out of them.

Prints the biggest cost lines, then one JSON line. Run with `make cost` (CONVERSATIONS=30 per phase).
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from benchmarks.load import LOAD_REGION, LoadConfig, run_load
from benchmarks.load_audit import Tables, audit
from benchmarks.pricing import (
    END_USER_MESSAGING,
    TWILIO,
    Function,
    functions_of,
    lambda_usd,
    load_prices,
    per_call_usd,
    price,
    sms_lines,
    without_polling,
)
from local.functions import NLU_FUNCTION
from local.metering import item_size
from local.stack import LocalStack, StackConfig
from local.template import Template

if TYPE_CHECKING:
    from collections.abc import Iterable

TURNS = 6
TARGET_WEB_APP_USD = 0.10  # per 1,000 conversations, without SMS
SECONDS_A_MONTH = 2_628_000
AGENT_QUEUE = "GET /v1/agent/handoffs"
TRANSCRIPT = "GET /v1/conversations/{conversation_id}/messages"
POLLED = (AGENT_QUEUE, TRANSCRIPT)
CHAT_PAGE_POLLS_A_MINUTE = {"with_agent": 20, "with_bot": 2}  # web/chat/chat.js: every 3 s, every 30 s
CONSOLE_CALLS_AN_HOUR = 4 * 1800  # me, waiting, claimed, callbacks: every 2 s


@dataclass(frozen=True)
class Phase:
    name: str
    conversations: int
    turns: int
    lines: dict[str, float]  # cost line -> USD for the whole phase
    per_call_usd: dict[str, float]  # a polled route -> USD per call
    scheduled_per_month_usd: float  # the functions run on a schedule (seen in this phase)
    audit_ok: bool
    dynamodb: dict[str, dict[str, float]]  # the usage meter's DynamoDB tallies, for the units per turn

    def dynamodb_per_turn(self) -> dict[str, float]:
        """Capacity units (wru:/rru:) and requests (requests:) per customer message, by table or operation."""
        return {
            item: round((t["count"] if item.startswith("requests:") else t["amount"]) / max(1, self.turns), 2)
            for item, t in sorted(self.dynamodb.items())
        }

    def per_thousand(self, lines: Iterable[str] | None = None) -> float:
        """USD per 1,000 conversations of six customer messages."""
        chosen = self.lines if lines is None else {k: self.lines[k] for k in lines if k in self.lines}
        mean_turns = self.turns / max(1, self.conversations)
        return sum(chosen.values()) / max(1, self.conversations) * TURNS / max(1e-9, mean_turns) * 1000


@dataclass
class Meter:
    """Reads what one phase of the load used on the stack: the meter, the log files' growth, the texts sent."""

    stack: LocalStack
    functions: dict[str, Function]
    template: Template

    def run(self, name: str, config: LoadConfig, prices: dict[str, float]) -> Phase:
        self.stack.usage.reset()
        logs, sent_before = self._log_bytes(), len(self._outbox())
        report = run_load(self.stack, config)
        self._settle()
        served_by = {r.route_key: r.function for r in self.template.routes()}
        usage, polled = without_polling(self.stack.usage.snapshot(), POLLED, served_by)
        lambdas = usage.get("lambda", {})
        scheduled = {n: lambdas.pop(n) for n in self.template.schedules() if n in lambdas}
        lines = price(usage, self._log_bytes() - logs, self.functions, prices)
        if "sms" in config.channels:
            lines |= sms_lines(self._outbox()[sent_before:], report.turns, prices)
        periods = self.template.schedules()
        monthly = sum(
            lambda_usd(t, self.functions[n], prices) / max(1, t["count"]) * SECONDS_A_MONTH / periods[n]
            for n, t in scheduled.items()
        )
        ok = audit(Tables.scan(self.stack), report).ok
        calls = per_call_usd(polled, self.functions, prices)
        return Phase(
            name, len(report.conversations), report.turns, lines, calls, monthly, ok, usage.get("dynamodb", {})
        )

    def _settle(self) -> None:
        """Waits (bounded) until queued texts are sent: the outbox stops growing."""
        until, seen = time.monotonic() + 30, len(self._outbox())
        while time.monotonic() < until:
            time.sleep(2)
            now = len(self._outbox())
            if now == seen:
                return
            seen = now

    def _log_bytes(self) -> int:
        logs = self.stack.config.log_dir
        return sum(f.stat().st_size for f in logs.glob("*.log") if f.stem != NLU_FUNCTION)

    def _outbox(self) -> list[str]:
        outbox = self.stack.sms_outbox
        lines = outbox.read_text().splitlines() if outbox.exists() else []
        return [json.loads(line)["text"] for line in lines if line.strip()]


def item_bytes(stack: LocalStack, table: str = "ConversationsTable") -> dict[str, int]:
    """Mean stored size of each kind of item (the sort key's prefix): what a write of it is billed on."""
    client = stack.client("dynamodb")
    sizes: dict[str, list[int]] = {}
    for page in client.get_paginator("scan").paginate(TableName=table):
        for item in page["Items"]:
            kind = item["sk"]["S"].split("#")[0]
            sizes.setdefault(kind if kind.isalpha() else "other", []).append(item_size(item))
    return {kind: round(sum(found) / len(found)) for kind, found in sorted(sizes.items())}


def summary(web_app: Phase, sms: Phase, as_of: str) -> dict[str, Any]:
    aws = [k for k in sms.lines if k not in (TWILIO, END_USER_MESSAGING)]
    web_app_usd = round(web_app.per_thousand(), 4)
    return {
        "region": "eu-west-1",
        "prices_as_of": as_of,
        "conversations": {"web_app": web_app.conversations, "sms": sms.conversations},
        "turns_per_conversation": TURNS,
        "web_app_per_1000_usd": web_app_usd,
        "sms_per_1000_usd": round(sms.per_thousand([*aws, TWILIO]), 4),
        "sms_end_user_messaging_per_1000_usd": round(sms.per_thousand([*aws, END_USER_MESSAGING]), 4),
        "sms_aws_only_per_1000_usd": round(sms.per_thousand(aws), 4),
        "web_app_top_lines": top_lines(web_app),
        "sms_top_lines": top_lines(sms),
        **{
            f"chat_page_polling_per_1000_per_open_minute_{status}_usd": round(
                web_app.per_call_usd.get(TRANSCRIPT, 0.0) * polls * 1000, 4
            )
            for status, polls in CHAT_PAGE_POLLS_A_MINUTE.items()
        },
        "agent_console_per_agent_hour_usd": round(
            web_app.per_call_usd.get(AGENT_QUEUE, 0.0) * CONSOLE_CALLS_AN_HOUR, 4
        ),
        "web_app_dynamodb_per_turn": web_app.dynamodb_per_turn(),
        "sms_dynamodb_per_turn": sms.dynamodb_per_turn(),
        "schedules_per_month_usd": round(max(web_app.scheduled_per_month_usd, sms.scheduled_per_month_usd), 4),
        "target_web_app_per_1000_usd": TARGET_WEB_APP_USD,
        "under_target": web_app_usd < TARGET_WEB_APP_USD,
        "audits_ok": web_app.audit_ok and sms.audit_ok,
    }


def top_lines(phase: Phase, count: int = 5) -> dict[str, float]:
    """The biggest cost lines, USD per 1,000 conversations (End User Messaging is the alternative to Twilio)."""
    ranked = sorted(
        ((k, phase.per_thousand([k])) for k in phase.lines if k != END_USER_MESSAGING), key=lambda kv: -kv[1]
    )
    return {k: round(v, 4) for k, v in ranked[:count]}


def main() -> None:
    conversations = int(os.environ.get("CONVERSATIONS", "30"))
    concurrency = int(os.environ.get("CONCURRENCY", "3"))
    prices, as_of = load_prices()
    template = Template.load()
    with tempfile.TemporaryDirectory() as scratch:
        stack_config = StackConfig(port=0, region=LOAD_REGION, log_dir=Path(scratch) / "logs", workers_per_function=3)
        with LocalStack(stack_config) as stack:
            meter = Meter(stack, functions_of(template), template)
            web_app = meter.run("web_app", LoadConfig(conversations, concurrency, channels=("web", "app")), prices)
            sms = meter.run("sms", LoadConfig(conversations, concurrency, channels=("sms",)), prices)
            sizes = item_bytes(stack)
    for phase in (web_app, sms):
        print(f"{phase.name}: {phase.conversations} conversations, {phase.turns} customer messages")
        for line, usd in top_lines(phase, count=8).items():
            print(f"  {line:<40} ${usd:.4f} per 1,000 conversations")
    result = summary(web_app, sms, as_of) | {"conversation_item_bytes": sizes}
    print(json.dumps(result))
    sys.exit(0 if result["audits_ok"] else 1)


if __name__ == "__main__":
    main()
