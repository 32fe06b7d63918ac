"""`make simulate N=200 SEED=7 CONCURRENCY=8`: a day of N synthetic customers through the local stack.

Starts a local stack (or, with --url, drives a running `make run`), opens N customers in the demo bank
(simulation/customers.py), publishes the day's customer events (simulation/events.py) to CustomerEventsFunction and
lets every customer live their day (simulation/day.py, simulation/living.py) on the web chat, the app and SMS, while
the demo agents take the handoffs. Then it reads the day's conversation outcomes and prints one JSON line with
core.service_metrics' figures (stderr has the progress); it writes the service report as well (reporting/report.py).
"""

from __future__ import annotations

import argparse
import json
import random
import signal
import sys
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

import requests

from adapters.demo_bank import DemoBank
from adapters.demo_bank_seed import demo_customer_records
from adapters.dynamodb_conversations import DynamoConversationStore
from core.service_metrics import ConversationOutcome, summarize
from core.supervision import read_day
from local.stack import LocalStack, StackConfig, local_client
from local.template import ROOT
from simulation.agents import AgentDesk
from simulation.customers import FIRST_NUMBER, draw_customer
from simulation.day import plan_contacts
from simulation.events import day_events
from simulation.living import DayPlan, Life, Lived

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

RUN_DIR = ROOT / ".local" / "simulate"
REPORT = ROOT / "reports" / "service" / "index.html"
# The simulated day runs in minutes of any wall-clock hour: quiet hours would hold every text of a night-time run.
NO_QUIET_HOURS = json.dumps({"start": "00:00:00", "end": "00:00:00"})
_RETENTION = timedelta(days=90)


@dataclass(frozen=True)
class Target:
    """A running local stack, as the simulator reaches it."""

    url: str
    dynamodb_endpoint: str
    region: str
    publish: Callable[[dict[str, Any]], Any]  # delivers an EventBridge event to CustomerEventsFunction

    def dynamodb(self) -> DynamoDBClient:
        client: DynamoDBClient = local_client("dynamodb", self.dynamodb_endpoint, self.region)
        return client


@dataclass
class Simulation:
    customers: int
    turns: int
    elapsed_s: float
    outcomes: list[ConversationOutcome]
    failures: list[str] = field(default_factory=list)
    handled_by_agents: int = 0
    outreach: int = 0  # proactive messages texted or held in the app (answered or not)

    def line(self) -> dict[str, Any]:
        summary = summarize(self.outcomes)
        return {
            "customers": self.customers,
            "conversations": len(self.outcomes),
            "turns": self.turns,
            "elapsed_s": self.elapsed_s,
            "proactive_share": summary.proactive_share,
            "fcr": summary.fcr,
            "containment": summary.containment,
            "handoff_rate": summary.handoff_rate,
            "csat_mean": summary.csat_mean,
            "prediction_top1": summary.prediction_top1,
            "script_failures": len(self.failures),
        }


def plan_day(seed: int, customers: int, now: datetime, first_number: int = FIRST_NUMBER) -> list[DayPlan]:
    templates = {records.profile.customer_id: records for records in demo_customer_records(now)}
    plans = []
    for index in range(customers):
        rng = random.Random(f"{seed}:{index}")
        customer, events = day_events(draw_customer(first_number + index, rng, templates), rng, now)
        contacts = plan_contacts(customer, events, rng)
        plans.append(DayPlan(customer, tuple(events), tuple(contacts), behaviour_seed=rng.getrandbits(64)))
    return plans


def simulate(target: Target, customers: int, seed: int, concurrency: int) -> Simulation:
    started, first_day = time.perf_counter(), datetime.now(UTC).date()
    dynamodb = target.dynamodb()
    bank = DemoBank(dynamodb, "DemoBankTable", lambda: datetime.now(UTC))
    plans = plan_day(seed, customers, datetime.now(UTC), _first_free(bank, customers))
    for plan in plans:
        bank.save_customer(plan.customer.records)
    _progress(f"{customers} customers in the bank after {time.perf_counter() - started:.0f} s")
    lives: list[Lived] = []
    failures: list[str] = []
    with (
        AgentDesk(target.url) as desk,
        ThreadPoolExecutor(concurrency, thread_name_prefix="customer") as pool,
    ):
        for done, (lived, failure) in enumerate(pool.map(lambda p: _live(p, target), plans), start=1):
            lives.append(lived)
            failures += [failure] if failure else []
            if done % max(1, customers // 10) == 0:
                _progress(f"{done}/{customers} customers lived their day, {time.perf_counter() - started:.0f} s")
    ours = {p.customer.customer_id for p in plans} | {c for lived in lives for c in lived.chats}
    outcomes = [
        o
        for day in _days(first_day, datetime.now(UTC).date())
        for o in read_day(_store(dynamodb), day, 1000, 10_000)[0]
        if o.customer_id in ours or o.conversation_id in ours
    ]
    return Simulation(
        customers=customers,
        turns=sum(lived.turns for lived in lives),
        elapsed_s=round(time.perf_counter() - started, 1),
        outcomes=outcomes,
        failures=failures,
        handled_by_agents=desk.handled,
        outreach=sum(lived.outreach for lived in lives),
    )


def _first_free(bank: DemoBank, customers: int) -> int:
    """Earlier runs against the same stack opened customers from FIRST_NUMBER on; this run's come after theirs."""
    first = FIRST_NUMBER
    while bank.customer(f"C-{first}") is not None:
        first += customers
    return first


def _live(plan: DayPlan, target: Target) -> tuple[Lived, str | None]:
    life = Life(plan, target.url, target.publish, random.Random(plan.behaviour_seed))
    try:
        return life.live(), None
    except Exception as error:  # one customer's script going wrong is counted and reported, never fatal
        answer = error.response if isinstance(error, requests.HTTPError) else None
        failure = f"{plan.customer.customer_id}: {error!r}" + (f" {answer.text[:200]}" if answer is not None else "")
        _progress(f"script failure: {failure}")
        return life.lived, failure


def _days(first: date, last: date) -> list[date]:
    return [first + timedelta(days=n) for n in range((last - first).days + 1)]


def _store(dynamodb: DynamoDBClient) -> DynamoConversationStore:
    return DynamoConversationStore(dynamodb, "ConversationsTable", _RETENTION)


def _progress(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def write_report(dynamodb: DynamoDBClient, out: Path) -> bool:
    """Today's service report, from the same outcomes; False when reporting/ is not there."""
    try:
        from reporting.report import generate
    except ImportError:
        return False
    today = datetime.now(UTC).date()
    html, _ = generate(_store(dynamodb), today, 1, today)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(html, encoding="utf-8")
    return True


def own_stack(region: str, port: int = 0, run_dir: Path = RUN_DIR, workers: int = 3) -> LocalStack:
    config = StackConfig(
        port=port,
        log_dir=run_dir / "logs",
        workers_per_function=workers,
        region=region,
        extra_environment={"QUIET_HOURS": NO_QUIET_HOURS},
    )
    stack = LocalStack(config)
    stack.sms_outbox.unlink(missing_ok=True)  # last run's texts went to the same numbers
    return stack


def target_of(stack: LocalStack) -> Target:
    return Target(stack.url, stack.dynamodb_endpoint, stack.config.region, stack.publish)


def running_target(url: str, dynamodb_endpoint: str, region: str) -> Target:
    session = requests.Session()

    def publish(event: dict[str, Any]) -> Any:
        answer = session.post(f"{url}/local/customer-events", json=event, timeout=30)
        answer.raise_for_status()
        return answer.json()

    return Target(url, dynamodb_endpoint, region, publish)


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="Drive N synthetic customers through the local stack for a day.")
    parser.add_argument("--customers", type=int, default=200)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--url", help="a running `make run` stack; default: start one")
    parser.add_argument("--dynamodb-endpoint", help="with --url: its DynamoDB endpoint (`make run` prints it)")
    parser.add_argument("--region", default="eu-west-1")
    parser.add_argument("--port", type=int, default=0, help="where the started stack listens (0: any free port)")
    parser.add_argument("--keep", action="store_true", help="keep the started stack running until Ctrl-C")
    parser.add_argument("--report", type=Path, default=REPORT, help="where to write the service report")
    arguments = parser.parse_args()
    if arguments.url and not arguments.dynamodb_endpoint:
        parser.error("--url needs --dynamodb-endpoint (the DynamoDB line `make run` prints)")
    return arguments


def _finish(result: Simulation, target: Target, report: Path) -> None:
    if write_report(target.dynamodb(), report):
        _progress(f"service report: {report}")
    _progress(f"handoffs the demo agents resolved: {result.handled_by_agents}; proactive messages: {result.outreach}")
    print(json.dumps(result.line()), flush=True)


def main() -> None:
    arguments = _arguments()
    # A stopped run (`timeout`, Ctrl-C) leaves through the stack's context manager, which ends its processes.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    if arguments.url:
        target = running_target(arguments.url, arguments.dynamodb_endpoint, arguments.region)
        _finish(simulate(target, arguments.customers, arguments.seed, arguments.concurrency), target, arguments.report)
        return
    started = time.perf_counter()
    with own_stack(arguments.region, arguments.port) as stack:
        _progress(f"local stack at {stack.url} after {time.perf_counter() - started:.0f} s")
        target = target_of(stack)
        _finish(simulate(target, arguments.customers, arguments.seed, arguments.concurrency), target, arguments.report)
        if arguments.keep:
            _progress(
                f"Kept running: {stack.url} (DynamoDB {stack.dynamodb_endpoint}, region {arguments.region}); "
                f"`make report ENDPOINT={stack.dynamodb_endpoint} REGION={arguments.region}`. Ctrl-C stops it."
            )
            try:
                threading.Event().wait()
            except KeyboardInterrupt:
                pass


if __name__ == "__main__":
    main()
