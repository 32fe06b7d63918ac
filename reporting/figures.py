"""What the report's charts show, computed from outcomes with the definitions of core.service_metrics."""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from core.models import Channel
from core.service_metrics import ConversationOutcome, ServiceSummary, effort, summarize

EFFORT_CAP = 10  # turns; longer resolutions share the last column
MAX_CONFUSION = 8  # reasons per axis; the rest are "other"
OTHER = "other"


@dataclass(frozen=True)
class Bucket:
    start: datetime
    contacts: int
    containment: float | None
    fcr: float | None


@dataclass(frozen=True)
class Report:
    first_day: date
    last_day: date
    generated_at: datetime
    summary: ServiceSummary
    bucket: timedelta
    trend: list[Bucket]
    effort_turns: dict[str, int]  # "1" .. "9", "10+": resolved contacts by turns over their episode
    confusion: dict[tuple[str, str], int]  # (first reason offered, reason confirmed) -> contacts
    confusion_axis: list[str]
    channels: dict[str, tuple[int, int]]  # channel -> (contacts the customer started, contacts we started)
    truncated: bool


def bucket_size(outcomes: list[ConversationOutcome]) -> timedelta:
    """Days when the contacts span a day or more, hours when they span two hours or more, else 10 minutes."""
    if not outcomes:
        return timedelta(days=1)
    times = [o.created_at for o in outcomes]
    span = max(times) - min(times)
    if span >= timedelta(days=1):
        return timedelta(days=1)
    return timedelta(hours=1) if span >= timedelta(hours=2) else timedelta(minutes=10)


def _floor(moment: datetime, size: timedelta) -> datetime:
    midnight = datetime.combine(moment.astimezone(UTC).date(), time(), UTC)
    return midnight + size * ((moment.astimezone(UTC) - midnight) // size)


def trend(
    outcomes: list[ConversationOutcome],
    history: list[ConversationOutcome],
    size: timedelta,
    first_day: date,
    last_day: date,
) -> list[Bucket]:
    """Contacts, containment and FCR per bucket; daily buckets cover every day of the period, others the data."""
    groups: dict[datetime, list[ConversationOutcome]] = defaultdict(list)
    for outcome in outcomes:
        groups[_floor(outcome.created_at, size)].append(outcome)
    if size >= timedelta(days=1):
        start, end = datetime.combine(first_day, time(), UTC), datetime.combine(last_day, time(), UTC)
    else:
        start, end = min(groups, default=start_of(first_day)), max(groups, default=start_of(first_day))
    everyone = [*outcomes, *history]
    buckets, at = [], start
    while at <= end:
        summary = summarize(groups.get(at, []), everyone)
        buckets.append(Bucket(at, summary.contacts, summary.containment, summary.fcr))
        at += size
    return buckets


def start_of(day: date) -> datetime:
    return datetime.combine(day, time(), UTC)


def effort_turns(outcomes: list[ConversationOutcome], history: list[ConversationOutcome]) -> dict[str, int]:
    """Resolved contacts by the customer turns their episode took (the effort figure's distribution)."""
    by_customer: dict[str, list[ConversationOutcome]] = defaultdict(list)
    for outcome in {o.conversation_id: o for o in [*outcomes, *history]}.values():
        if outcome.customer_id:
            by_customer[outcome.customer_id].append(outcome)
    turns = Counter[str]()
    for outcome in outcomes:
        found = effort(outcome, by_customer.get(outcome.customer_id or "", []))
        if found and outcome.service.first_customer_at is not None:
            turns[str(found.turns) if found.turns < EFFORT_CAP else f"{EFFORT_CAP}+"] += 1
    return {key: turns[key] for key in [*map(str, range(1, EFFORT_CAP)), f"{EFFORT_CAP}+"]}


def confusion(outcomes: list[ConversationOutcome]) -> tuple[dict[tuple[str, str], int], list[str]]:
    """First reason offered against the one the customer confirmed, over the contacts the accuracy judges.

    Both axes list the same reasons (the most frequent, then "other"), so the hits lie on the diagonal.
    """
    judged = [
        (o.predicted[0], o.confirmed) for o in outcomes if o.predicted and o.confirmed and o.service.first_customer_at
    ]
    frequent = Counter(name for pair in judged for name in pair if name != OTHER)
    axis = [name for name, _ in frequent.most_common(MAX_CONFUSION)]
    cells = Counter((p if p in axis else OTHER, c if c in axis else OTHER) for p, c in judged)
    if any(OTHER in pair for pair in cells):
        axis.append(OTHER)
    return dict(cells), axis


def channel_mix(outcomes: list[ConversationOutcome]) -> dict[str, tuple[int, int]]:
    mix: dict[str, tuple[int, int]] = {}
    for channel in Channel:
        mine = [o for o in outcomes if o.channel is channel]
        proactive = sum(o.service.started_by == "system" for o in mine)
        if mine:
            mix[channel.value] = (len(mine) - proactive, proactive)
    return mix


def build(
    outcomes: list[ConversationOutcome],
    history: list[ConversationOutcome],
    first_day: date,
    last_day: date,
    generated_at: datetime,
    truncated: bool = False,
) -> Report:
    size = bucket_size(outcomes)
    cells, axis = confusion(outcomes)
    return Report(
        first_day=first_day,
        last_day=last_day,
        generated_at=generated_at,
        summary=summarize(outcomes, history),
        bucket=size,
        trend=trend(outcomes, history, size, first_day, last_day),
        effort_turns=effort_turns(outcomes, history),
        confusion=cells,
        confusion_axis=axis,
        channels=channel_mix(outcomes),
        truncated=truncated,
    )
