"""What a supervisor watches during the day: today's service figures so far and the live queues.

Both are read with a bounded number of calls, so the page costs the same on a quiet and a busy day; when the
day has more outcomes than that, the figures cover the first ones and say so (`truncated`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING, Any, Protocol

from core.handoff import Skill
from core.models import Frozen
from core.ports import HandoffStore
from core.service_metrics import ConversationOutcome, ServiceSummary, summarize

if TYPE_CHECKING:
    from core.handoff import Handoff

_FAR_FUTURE = timedelta(days=1)  # every lease ends before this, so "expiring before" lists every claim


class OutcomePage(Protocol):
    @property
    def outcomes(self) -> list[ConversationOutcome]: ...

    @property
    def next_start(self) -> dict[str, Any] | None: ...


class OutcomeSource(Protocol):
    def outcomes(self, day: date, limit: int = 1000, start: dict[str, Any] | None = None) -> OutcomePage:
        """A page of the day's outcomes (one per conversation), oldest first."""
        ...


def read_day(
    source: OutcomeSource, day: date, page_size: int, max_pages: int
) -> tuple[list[ConversationOutcome], bool]:
    """The day's outcomes in at most `max_pages` queries, and whether some were left unread."""
    found: list[ConversationOutcome] = []
    start: dict[str, Any] | None = None
    for _ in range(max_pages):
        page = source.outcomes(day, limit=page_size, start=start)
        found += page.outcomes
        start = page.next_start
        if start is None:
            return found, False
    return found, True


class SkillQueue(Frozen):
    skill: Skill
    waiting: int
    urgent: int  # of those waiting
    longest_wait_s: int
    callbacks: int
    with_agent: int
    capped: bool  # a listing reached its limit: the counts are "at least"


class SupervisorDay(Frozen):
    day: date
    generated_at: datetime
    summary: ServiceSummary
    contacts_by_hour: tuple[int, ...]  # 24 hours of the day (UTC), contacts started in each
    queues: tuple[SkillQueue, ...]
    outcomes_read: int
    truncated: bool  # more outcomes today than one call reads


def _now() -> datetime:
    return datetime.now(UTC)


@dataclass
class Supervision:
    outcomes: OutcomeSource
    handoffs: HandoffStore
    clock: Callable[[], datetime] = _now
    page_size: int = 500
    max_pages: int = 4  # at most 2,000 of today's contacts per call: a few hundred ms of DynamoDB at worst
    queue_limit: int = 50

    def today(self) -> SupervisorDay:
        now = self.clock()
        outcomes, truncated = read_day(self.outcomes, now.date(), self.page_size, self.max_pages)
        hours = [0] * 24
        for outcome in outcomes:
            hours[outcome.created_at.astimezone(UTC).hour] += 1
        return SupervisorDay(
            day=now.date(),
            generated_at=now,
            summary=summarize(outcomes),
            contacts_by_hour=tuple(hours),
            queues=tuple(self._queue(skill, now) for skill in Skill),
            outcomes_read=len(outcomes),
            truncated=truncated,
        )

    def _queue(self, skill: Skill, now: datetime) -> SkillQueue:
        waiting = self.handoffs.waiting(skill, self.queue_limit)
        callbacks = self.handoffs.callbacks(skill, self.queue_limit)
        claimed = self.handoffs.claims_expiring_before(skill, now + _FAR_FUTURE, self.queue_limit)
        return SkillQueue(
            skill=skill,
            waiting=len(waiting),
            urgent=sum(h.priority == 0 for h in waiting),
            longest_wait_s=_longest_wait(waiting, now),
            callbacks=len(callbacks),
            with_agent=len(claimed),
            capped=any(len(listing) >= self.queue_limit for listing in (waiting, callbacks, claimed)),
        )


def _longest_wait(waiting: list[Handoff], now: datetime) -> int:
    return max((int((now - h.enqueued_at).total_seconds()) for h in waiting), default=0)
