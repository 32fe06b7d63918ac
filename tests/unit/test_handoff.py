"""Handoffs in memory: each trigger, the customer's side while waiting, the agent desk's transitions, wait estimates."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from core.agent_desk import AgentDesk
from core.banking import CustomerProfile, Segment
from core.business_hours import BusinessCalendar
from core.conversation import Conversations
from core.errors import (
    AgentAtCapacity,
    HandoffAlreadyClaimed,
    IllegalHandoffTransition,
    NotYourHandoff,
    ServiceBusy,
)
from core.handoff import AgentProfile, Handoff, HandoffReason, HandoffStatus, Priority, Skill, priority_for, skill_for
from core.models import AuthLevel, Channel, ConversationStatus, Customer, Role
from core.queue_wait import WaitEstimator
from tests.fakes import InMemoryConversationStore, KeywordNlu, make_engine, make_intake

T0 = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)  # a Tuesday morning


class Clock:
    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> datetime:
        return self.now


class Bank:
    """Just the profiles the intake reads."""

    def __init__(self, **flags: bool) -> None:
        self.flags = flags

    def customer(self, customer_id: str) -> CustomerProfile:
        return CustomerProfile(
            customer_id=customer_id, name="Margaret Ellis", phone="+447700900109", email="m@example.com",
            segments=(Segment.RETAIL,), **self.flags,
        )  # fmt: skip

    def transactions(self, customer_id: str, limit: int = 20) -> list:
        raise ServiceBusy("The core-banking backend")


@pytest.fixture
def clock():
    return Clock()


@pytest.fixture
def store():
    return InMemoryConversationStore()


@pytest.fixture
def nlu():
    return KeywordNlu()


def _conversations(store, nlu, clock, bank=None, **intake):
    return Conversations(
        store=store, nlu=nlu, engine=make_engine(bank), intake=make_intake(store, bank, **intake), clock=clock,
        sleep=lambda _: None,
    )  # fmt: skip


@pytest.fixture
def conversations(store, nlu, clock):
    return _conversations(store, nlu, clock)


@pytest.fixture
def desk(store, clock):
    desk = AgentDesk(handoffs=store.handoffs, conversations=store, clock=clock, sleep=lambda _: None)
    for agent_id, skills, capacity in (("a1", tuple(Skill), 2), ("a2", tuple(Skill), 1), ("cards", (Skill.CARDS,), 3)):
        store.handoffs.add_agent(AgentProfile(agent_id=agent_id, username=agent_id, name=f"Agent {agent_id}",
                                              skills=skills, capacity=capacity))  # fmt: skip
    return desk


class Chat:
    def __init__(self, conversations: Conversations, customer: Customer | None = None) -> None:
        self.conversations = conversations
        started = conversations.start(Channel.WEB, "en", customer)
        self.id, self.token, self.n = started.conversation.conversation_id, started.token, 0

    def say(self, text: str) -> str:
        self.n += 1
        outcome = self.conversations.handle_message(self.id, self.token, text, f"m{self.n}")
        return " ".join(r.text for r in outcome.replies)

    def conversation(self):
        return self.conversations.store.get(self.id)

    def handoff(self) -> Handoff:
        return self.conversations.intake.store.get(self.conversation().handoff_id)


# --- triggers ------------------------------------------------------------------------------------
def test_asking_for_a_person_queues_the_conversation_with_its_position(conversations):
    chat = Chat(conversations)
    answer = chat.say("can I talk to a person")
    assert "next in the queue" in answer
    assert chat.conversation().status is ConversationStatus.QUEUED
    assert chat.handoff().reason is HandoffReason.CUSTOMER_ASKED


def test_asking_for_a_person_after_two_misunderstandings_is_coded_low_confidence(conversations):
    chat = Chat(conversations)
    chat.say("blorp")
    assert "colleagues" in chat.say("zzzz qqq")  # the second miss offers a human
    chat.say("/human_handoff")
    assert chat.handoff().reason is HandoffReason.LOW_CONFIDENCE


def test_a_complaint_hands_off_at_once_with_urgent_priority(conversations):
    chat = Chat(conversations)
    chat.say("I want to make a complaint")
    assert (chat.handoff().reason, chat.handoff().priority) == (HandoffReason.COMPLAINT, Priority.URGENT)


def test_rising_frustration_hands_off_though_no_single_message_asks_for_it(conversations):
    chat = Chat(conversations)
    for text in ("ok", "this is annoying"):
        chat.say(text)
        assert chat.conversation().status is ConversationStatus.BOT
    answer = chat.say("this is ridiculous, third time I've asked")
    assert "frustrating" in answer
    handoff = chat.handoff()
    assert handoff.reason is HandoffReason.NEGATIVE_SENTIMENT
    assert handoff.priority is Priority.URGENT
    assert min(handoff.context.sentiment) < -0.3


def test_one_angry_message_after_calm_ones_is_not_a_trend(conversations):
    chat = Chat(conversations)
    for text in ("hello", "what's my balance", "this is ridiculous"):
        chat.say(text)
    assert chat.conversation().status is ConversationStatus.BOT


def test_one_mildly_negative_message_does_not_hand_off(conversations):
    chat = Chat(conversations)
    chat.say("my card isn't working")
    assert chat.conversation().status is ConversationStatus.BOT


def test_an_nlu_that_fails_twice_in_a_row_hands_off(conversations, nlu):
    chat = Chat(conversations)
    nlu.down = True
    chat.say("hello?")
    assert chat.conversation().status is ConversationStatus.BOT
    chat.say("anyone?")
    assert chat.handoff().reason is HandoffReason.NLU_UNAVAILABLE


def test_a_backend_outage_mid_flow_hands_off_with_the_task(store, nlu, clock):
    conversations = _conversations(store, nlu, clock, bank=Bank())
    chat = Chat(conversations, Customer(customer_id="C-1001", auth_level=AuthLevel.VERIFIED))
    assert "can't reach our systems" in chat.say("why was my card declined")
    handoff = chat.handoff()
    assert (handoff.reason, handoff.context.flow, handoff.skill) == ("backend_unavailable", "card_declined", "cards")


def test_a_vulnerable_customer_is_served_first(store, nlu, clock):
    conversations = _conversations(store, nlu, clock, bank=Bank(vulnerable=True))
    chat = Chat(conversations, Customer(customer_id="C-1009", auth_level=AuthLevel.VERIFIED))
    chat.say("talk to a person please")
    assert chat.handoff().priority is Priority.URGENT
    assert chat.handoff().context.customer_name == "Margaret Ellis"


def test_after_hours_a_handoff_becomes_a_callback_and_the_bot_keeps_the_chat(store, nlu, clock):
    calendar = BusinessCalendar.model_validate({"timezone": "Europe/London", "hours": {"mon": ["08:00", "20:00"]}})
    conversations = _conversations(store, nlu, clock, calendar=calendar)
    chat = Chat(conversations)
    answer = chat.say("talk to a person")
    assert "callback request" in answer and "Monday" in answer
    assert chat.conversation().status is ConversationStatus.BOT
    handoff = next(iter(store.handoffs.items.values()))
    assert handoff.status is HandoffStatus.CALLBACK


# --- while waiting -------------------------------------------------------------------------------
def test_the_bot_stays_silent_once_an_agent_has_the_conversation(conversations, desk, nlu):
    chat = Chat(conversations)
    chat.say("talk to a person")
    desk.claim(desk.agent("a1"), chat.handoff().handoff_id)
    received = len(nlu.received)
    assert chat.say("what's my balance") == ""
    assert chat.say("hello?") == ""
    assert len(nlu.received) == received + 2  # understood (for the agent's intent history), never answered
    bots = [m for m in chat.conversations.store.messages[chat.id] if m.role is Role.BOT and m.seq > 4]
    assert bots == []


def test_a_waiting_customer_hears_their_place_and_can_cancel_back_to_the_bot(conversations):
    chat = Chat(conversations)
    chat.say("talk to a person")
    assert "next in the queue" in chat.say("hello? still there?")
    assert "cancelled" in chat.say("never mind")
    assert chat.conversation().status is ConversationStatus.BOT
    handoff = next(iter(conversations.intake.store.items.values()))
    assert handoff.status is HandoffStatus.CANCELLED
    assert "Our phone and chat team" in chat.say("when are you open?")


def test_a_waiting_customer_can_switch_to_a_callback(conversations):
    chat = Chat(conversations)
    chat.say("talk to a person")
    assert "call you back" in chat.say("/request_callback")
    handoff = next(iter(conversations.intake.store.items.values()))
    assert handoff.status is HandoffStatus.CALLBACK
    assert chat.conversation().status is ConversationStatus.BOT


def test_positions_follow_priority_then_arrival(store, nlu, clock):
    conversations = _conversations(store, nlu, clock)
    first, second = Chat(conversations), Chat(conversations)
    first.say("talk to a person")
    clock.now += timedelta(seconds=5)
    second.say("talk to a person")
    clock.now += timedelta(seconds=5)
    urgent = Chat(conversations)
    urgent.say("I want to complain")
    assert urgent.handoff().priority < first.handoff().priority
    assert "number 3" in second.say("where am I?")
    assert "number 2" in first.say("where am I?")


# --- the agent desk ------------------------------------------------------------------------------
def test_a_claim_flips_the_conversation_to_the_agent_and_tells_the_customer(conversations, desk, store):
    chat = Chat(conversations)
    chat.say("talk to a person")
    claimed = desk.claim(desk.agent("a1"), chat.handoff().handoff_id)
    assert claimed.status is HandoffStatus.CLAIMED
    assert chat.conversation().status is ConversationStatus.AGENT
    assert store.messages[chat.id][-1].text == "Agent from our team has joined the chat."
    assert desk.agent("a1").active == 1


def test_a_second_claim_loses_and_so_does_an_agent_at_capacity(conversations, desk):
    chats = [Chat(conversations) for _ in range(2)]
    for chat in chats:
        chat.say("talk to a person")
    desk.claim(desk.agent("a2"), chats[0].handoff().handoff_id)
    with pytest.raises(HandoffAlreadyClaimed):
        desk.claim(desk.agent("a1"), chats[0].handoff().handoff_id)
    with pytest.raises(AgentAtCapacity):
        desk.claim(desk.agent("a2"), chats[1].handoff().handoff_id)


def test_claiming_again_a_handoff_one_holds_is_answered_as_claimed(conversations, desk):
    chat = Chat(conversations)
    chat.say("talk to a person")
    handoff_id = chat.handoff().handoff_id
    first = desk.claim(desk.agent("a2"), handoff_id)
    again = desk.claim(desk.agent("a2"), handoff_id)  # the console's retry after a lost answer
    assert (again.agent_id, again.version) == (first.agent_id, first.version)
    assert desk.agent("a2").active == 1


def test_an_agent_reply_reaches_the_transcript_once_however_often_it_is_sent(conversations, desk, store):
    chat = Chat(conversations)
    chat.say("talk to a person")
    handoff_id = chat.handoff().handoff_id
    agent = desk.agent("a1")
    desk.claim(agent, handoff_id)
    first = desk.send(agent, handoff_id, "Hi, I can help. Card 4111 1111 1111 1111?", "r1")
    again = desk.send(agent, handoff_id, "Hi, I can help. Card 4111 1111 1111 1111?", "r1")
    assert first == again
    agent_lines = [m for m in store.messages[chat.id] if m.role is Role.AGENT]
    assert len(agent_lines) == 1 and "4111 1111 1111 1111" not in agent_lines[0].text


def test_only_the_holder_can_reply_transfer_or_resolve(conversations, desk):
    chat = Chat(conversations)
    chat.say("talk to a person")
    handoff_id = chat.handoff().handoff_id
    desk.claim(desk.agent("a1"), handoff_id)
    with pytest.raises(NotYourHandoff):
        desk.send(desk.agent("a2"), handoff_id, "hi", "x")
    with pytest.raises(NotYourHandoff):
        desk.resolve(desk.agent("a2"), handoff_id, "resolved")


def test_resolving_returns_the_customer_to_the_bot_and_frees_the_agent(conversations, desk):
    chat = Chat(conversations)
    chat.say("talk to a person")
    agent = desk.agent("a1")
    desk.claim(agent, chat.handoff().handoff_id)
    handoff_id = chat.conversation().handoff_id
    resolved = desk.resolve(agent, handoff_id, "resolved")
    assert (resolved.status, resolved.disposition) == (HandoffStatus.RESOLVED, "resolved")
    assert chat.conversation().status is ConversationStatus.BOT
    assert desk.agent("a1").active == 0
    assert "Our phone and chat team" in chat.say("when are you open?")
    with pytest.raises(NotYourHandoff):
        desk.resolve(agent, handoff_id, "resolved")


def test_a_transfer_requeues_under_the_new_skill_keeping_its_place(conversations, desk, clock):
    chat = Chat(conversations)
    chat.say("talk to a person")
    handoff_id = chat.handoff().handoff_id
    agent = desk.agent("a1")
    desk.claim(agent, handoff_id)
    clock.now += timedelta(minutes=3)
    moved = desk.transfer(agent, handoff_id, Skill.CARDS, "card blocked abroad")
    assert (moved.status, moved.skill, moved.enqueued_at) == (HandoffStatus.WAITING, Skill.CARDS, T0)
    assert moved.notes[-1].note == "card blocked abroad"
    assert [h.handoff_id for h in desk.queue(desk.agent("cards"), None, HandoffStatus.WAITING)] == [handoff_id]
    assert chat.conversation().status is ConversationStatus.QUEUED


def test_a_silent_agent_loses_the_claim_and_the_handoff_goes_back_ahead_of_newer_ones(conversations, desk, clock):
    old, new = Chat(conversations), Chat(conversations)
    old.say("talk to a person")
    agent = desk.agent("a1")
    desk.claim(agent, old.handoff().handoff_id)
    clock.now += timedelta(minutes=1)
    new.say("talk to a person")
    clock.now += desk.lease
    report = desk.sweep()
    assert report.leases_expired == 1
    assert desk.agent("a1").active == 0
    queue = desk.queue(desk.agent("a2"), None, HandoffStatus.WAITING)
    assert [h.conversation_id for h in queue] == [old.id, new.id]
    assert "keep your place" in old.conversations.store.messages[old.id][-1].text
    with pytest.raises(NotYourHandoff):
        desk.send(agent, old.conversation().handoff_id, "still there?", "late")


def test_a_long_wait_is_offered_a_callback_once(conversations, desk, clock, store):
    chat = Chat(conversations)
    chat.say("talk to a person")
    clock.now += desk.max_wait
    assert desk.sweep().callbacks_offered == 1
    assert desk.sweep().callbacks_offered == 0
    offers = [m for m in store.messages[chat.id] if "callback" in m.text.lower() and m.role is Role.SYSTEM]
    assert len(offers) == 1 and offers[0].quick_replies


def test_skills_route_by_flow_then_by_intent():
    assert skill_for("insurance_claims", "greet") is Skill.INSURANCE_CLAIMS
    assert skill_for(None, "lost_card") is Skill.CARDS
    assert skill_for("general", "lost_card") is Skill.GENERAL
    assert skill_for(None, None) is Skill.GENERAL
    assert priority_for(HandoffReason.CUSTOMER_ASKED, "lost_card", vip=False, vulnerable=False) is Priority.HIGH
    assert priority_for(HandoffReason.CUSTOMER_ASKED, None, vip=True, vulnerable=False) is Priority.HIGH
    assert priority_for(HandoffReason.CUSTOMER_ASKED, None, vip=False, vulnerable=False) is Priority.NORMAL


@given(st.lists(st.sampled_from(list(HandoffStatus)), max_size=8))
def test_the_state_machine_allows_only_its_own_moves_and_versions_every_move(moves):
    handoff = Handoff(
        handoff_id="h", conversation_id="c", channel=Channel.WEB, reason=HandoffReason.CUSTOMER_ASKED,
        skill=Skill.GENERAL, priority=Priority.NORMAL, enqueued_at=T0,
    )  # fmt: skip
    legal = {
        "waiting": {"claimed", "cancelled", "callback"},
        "callback": {"claimed", "cancelled"},
        "claimed": {"claimed", "waiting", "resolved", "released"},
    }
    for move in moves:
        if move.value in legal.get(handoff.status.value, set()):
            moved = handoff.moved_to(move)
            assert (moved.status, moved.version) == (move, handoff.version + 1)
            handoff = moved
        else:
            with pytest.raises(IllegalHandoffTransition):
                handoff.moved_to(move)


# --- wait estimates follow the waits customers of the same skill really had (core.queue_wait) ---------
def _served_after(conversations, desk, clock, wait: timedelta, resolved: bool = True) -> str:
    """A customer who asks for a person and is claimed `wait` later; returns the handoff's id."""
    chat = Chat(conversations)
    chat.say("can I talk to a person")
    handoff_id = chat.handoff().handoff_id
    clock.now += wait
    desk.claim(desk.agent("a1"), handoff_id)
    if resolved:  # frees the agent for the next
        desk.resolve(desk.agent("a1"), handoff_id, "resolved")
    return handoff_id


def test_until_enough_waits_are_measured_a_place_is_the_configured_three_minutes(conversations, desk, clock):
    for _ in range(4):
        _served_after(conversations, desk, clock, timedelta(seconds=40))
    Chat(conversations).say("can I talk to a person")
    clock.now += timedelta(seconds=1)  # served in order of arrival
    assert "number 2 in the queue; the wait is about 6 minutes" in Chat(conversations).say("speak to a human")


def test_once_measured_the_estimate_is_the_place_times_the_measured_seconds_a_place(conversations, desk, clock):
    for _ in range(5):
        _served_after(conversations, desk, clock, timedelta(seconds=60))
    Chat(conversations).say("can I talk to a person")
    clock.now += timedelta(seconds=1)
    assert "number 2 in the queue; the wait is about 2 minutes" in Chat(conversations).say("speak to a human")


def test_a_wait_is_divided_by_the_place_the_customer_was_given(conversations, desk, clock, store):
    first, second = Chat(conversations), Chat(conversations)
    first.say("can I talk to a person")
    clock.now += timedelta(seconds=1)
    second.say("can I talk to a person")
    assert second.handoff().queued_position == 2
    clock.now += timedelta(minutes=4)
    desk.claim(desk.agent("a1"), second.handoff().handoff_id)
    assert [seconds for _, seconds, _ in store.handoffs.waits] == [120.0]
    assert second.handoff().queued_position is None  # measured once


def test_a_claim_after_a_transfer_measures_nothing(conversations, desk, clock, store):
    handoff_id = _served_after(conversations, desk, clock, timedelta(seconds=30), resolved=False)
    desk.transfer(desk.agent("a1"), handoff_id, Skill.CARDS, "card question")
    clock.now += timedelta(minutes=20)
    desk.claim(desk.agent("a1"), handoff_id)
    assert len(store.handoffs.waits) == 1


def test_waits_older_than_the_window_no_longer_count(store, clock):
    waits = WaitEstimator(store.handoffs)
    for _ in range(5):
        store.handoffs.record_queue_wait(Skill.GENERAL, 30.0, T0)
    assert waits.seconds_per_place(Skill.GENERAL, T0 + timedelta(hours=1)) == 30
    assert waits.seconds_per_place(Skill.GENERAL, T0 + timedelta(hours=3)) == 180
    assert waits.seconds_per_place(Skill.CARDS, T0) == 180  # each skill has its own pace


@pytest.mark.parametrize(("measured", "used"), [(2.0, 15), (600.0, 600), (9000.0, 1800)])
def test_one_odd_measurement_cannot_promise_seconds_or_hours(store, measured, used):
    for _ in range(5):
        store.handoffs.record_queue_wait(Skill.GENERAL, measured, T0)
    assert WaitEstimator(store.handoffs).seconds_per_place(Skill.GENERAL, T0) == used


def test_a_measurement_lost_to_throttling_does_not_undo_the_claim(conversations, desk, clock, store, monkeypatch):
    def throttled(*_):
        raise ServiceBusy("The handoff queue")

    monkeypatch.setattr(store.handoffs, "record_queue_wait", throttled)
    handoff_id = _served_after(conversations, desk, clock, timedelta(seconds=30), resolved=False)
    assert store.handoffs.get(handoff_id).agent_id == "a1"


def test_a_warm_estimator_reads_a_skills_measurements_at_most_once_a_minute(store, monkeypatch):
    reads = []
    measured = store.handoffs.queue_waits
    monkeypatch.setattr(store.handoffs, "queue_waits", lambda *a, **k: reads.append(a) or measured(*a, **k))
    waits = WaitEstimator(store.handoffs)
    for seconds in range(0, 60, 3):  # a queued customer's page, every 3 s
        waits.seconds_per_place(Skill.GENERAL, T0 + timedelta(seconds=seconds))
    assert len(reads) == 1
    waits.seconds_per_place(Skill.CARDS, T0)
    waits.seconds_per_place(Skill.GENERAL, T0 + timedelta(minutes=1))
    assert len(reads) == 3
