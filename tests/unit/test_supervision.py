"""The supervisor's day: outcomes read in bounded pages, and the live queue of every skill."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from core.handoff import Handoff, HandoffReason, HandoffStatus, Priority, Skill
from core.models import Channel, Resolution, ServiceRecord
from core.service_metrics import ConversationOutcome
from core.supervision import Supervision, read_day
from tests.fakes import InMemoryConversationStore, InMemoryHandoffStore, PagedOutcomes

NOW = datetime(2026, 11, 24, 15, 30, tzinfo=UTC)


def outcome(n: int, at: datetime, resolution: Resolution = Resolution.BOT) -> ConversationOutcome:
    record = ServiceRecord(reason="card_bill", resolution=resolution, first_customer_at=at, customer_turns=2)
    return ConversationOutcome(conversation_id=f"c{n}", channel=Channel.WEB, created_at=at, service=record)


def handoff(n: int, skill: Skill, status: HandoffStatus, waited: timedelta, priority: Priority) -> Handoff:
    claimed = status is HandoffStatus.CLAIMED
    return Handoff(
        handoff_id=f"h{n}", conversation_id=f"c{n}", channel=Channel.WEB, reason=HandoffReason.CUSTOMER_ASKED,
        skill=skill, priority=priority, status=status, enqueued_at=NOW - waited,
        agent_id="a1" if claimed else None, claimed_at=NOW if claimed else None,
        lease_expires_at=NOW + timedelta(minutes=5) if claimed else None,
    )  # fmt: skip


def test_a_day_is_read_in_pages_and_says_when_the_page_limit_left_some_unread():
    source = PagedOutcomes([outcome(n, NOW - timedelta(minutes=n)) for n in range(25)])
    found, truncated = read_day(source, NOW.date(), page_size=10, max_pages=3)
    assert (len(found), truncated, source.queries) == (25, False, 3)
    found, truncated = read_day(source, NOW.date(), page_size=10, max_pages=2)
    assert (len(found), truncated) == (20, True)


def test_today_counts_contacts_by_hour_and_the_queue_of_every_skill():
    yesterday = outcome(99, NOW - timedelta(days=1))
    today = [outcome(1, NOW.replace(hour=9)), outcome(2, NOW.replace(hour=9, minute=40)), outcome(3, NOW)]
    handoffs = InMemoryHandoffStore(InMemoryConversationStore())
    for h in (
        handoff(1, Skill.CARDS, HandoffStatus.WAITING, timedelta(minutes=7), Priority.URGENT),
        handoff(2, Skill.CARDS, HandoffStatus.WAITING, timedelta(minutes=2), Priority.NORMAL),
        handoff(3, Skill.CARDS, HandoffStatus.CLAIMED, timedelta(minutes=20), Priority.NORMAL),
        handoff(4, Skill.LOANS, HandoffStatus.CALLBACK, timedelta(hours=1), Priority.NORMAL),
    ):
        handoffs.items[h.handoff_id] = h
    day = Supervision(PagedOutcomes([yesterday, *today]), handoffs, clock=lambda: NOW).today()
    assert (day.day, day.summary.contacts, day.outcomes_read, day.truncated) == (NOW.date(), 3, 3, False)
    assert day.contacts_by_hour[9] == 2 and day.contacts_by_hour[15] == 1 and sum(day.contacts_by_hour) == 3
    queues = {q.skill: q for q in day.queues}
    assert list(queues) == list(Skill)
    cards = queues[Skill.CARDS]
    assert (cards.waiting, cards.urgent, cards.longest_wait_s, cards.with_agent, cards.capped) == (2, 1, 420, 1, False)
    assert (queues[Skill.LOANS].callbacks, queues[Skill.LOANS].waiting, queues[Skill.LOANS].longest_wait_s) == (1, 0, 0)


def test_a_queue_longer_than_one_listing_is_marked_as_at_least():
    handoffs = InMemoryHandoffStore(InMemoryConversationStore())
    for n in range(3):
        h = handoff(n, Skill.GENERAL, HandoffStatus.WAITING, timedelta(minutes=n), Priority.NORMAL)
        handoffs.items[h.handoff_id] = h
    day = Supervision(PagedOutcomes([]), handoffs, clock=lambda: NOW, queue_limit=3).today()
    general = next(q for q in day.queues if q.skill is Skill.GENERAL)
    assert (general.waiting, general.capped) == (3, True)
    assert day.summary.contacts == 0 and day.summary.containment is None
