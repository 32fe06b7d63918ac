"""The SMS channel's use case in memory: keywords and consent, one conversation per phone, numbered answers,
delivery exactly once (TwiML or API), and agent messages reaching SMS customers."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from channels.sms_service import (
    HELP_TEXT,
    OPTED_IN_TEXT,
    OPTED_OUT_TEXT,
    InboundSms,
    PhoneRecord,
    SmsInbox,
    SmsNotifier,
    SmsService,
    compliance_keyword,
)
from core.agent_desk import AgentDesk
from core.banking import CustomerProfile, Segment
from core.conversation import Conversations
from core.handoff import AgentProfile, Skill
from core.models import AuthLevel, Channel, ConversationStatus, Role
from tests.fakes import InMemoryConversationStore, KeywordNlu, RecordingSms, make_engine, make_intake

T0 = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)
ALICE = "+447700900101"


class Directory:
    def __init__(self) -> None:
        self.records: dict[str, PhoneRecord] = {}

    def get(self, phone: str) -> PhoneRecord | None:
        return self.records.get(phone)

    def save(self, record: PhoneRecord) -> None:
        self.records[record.phone] = record


class Bank:
    def customer_by_phone(self, phone: str) -> CustomerProfile | None:
        if phone != ALICE:
            return None
        return CustomerProfile(customer_id="C-1001", name="Alice Morgan", phone=ALICE, email="a@example.com",
                               segments=(Segment.RETAIL,))  # fmt: skip

    def customer(self, customer_id: str) -> CustomerProfile | None:
        return self.customer_by_phone(ALICE)


class Replies:
    """The TwiML hand-over: `waiting` says whether the webhook is still there to take the reply."""

    def __init__(self, waiting: bool) -> None:
        self.waiting = waiting
        self.offered: dict[str, list[str]] = {}

    def offer(self, provider_id: str, texts: list[str], now: datetime) -> bool:
        self.offered[provider_id] = texts
        return self.waiting


@pytest.fixture
def store():
    return InMemoryConversationStore()


@pytest.fixture
def directory():
    return Directory()


@pytest.fixture
def service(store, directory):
    conversations = Conversations(
        store=store, nlu=KeywordNlu(), engine=make_engine(), intake=make_intake(store, Bank()), sleep=lambda _: None
    )
    return SmsService(conversations, directory, Bank())


class Phone:
    def __init__(self, service: SmsService, phone: str = ALICE) -> None:
        self.service, self.phone, self.n, self.now = service, phone, 0, T0

    def text(self, body: str) -> str:
        self.n += 1
        inbound = InboundSms(provider_message_id=f"SM{self.n:032x}", phone=self.phone, text=body, received_at=self.now)
        return "\n".join(self.service.receive(inbound))


@pytest.mark.parametrize("text", ["STOP", "stop", "  Stop  ", "unsubscribe", "CANCEL", "end", "Quit", "stop."])
def test_stop_words_in_any_case_or_spacing_opt_out(text):
    assert compliance_keyword(text) == "STOP"


@pytest.mark.parametrize("text", ["please stop the card", "stopped", "help me with my card", "start again?"])
def test_keywords_count_only_as_the_whole_message(text):
    assert compliance_keyword(text) is None


def test_stop_is_confirmed_once_then_nothing_is_sent_until_start(service, directory):
    phone = Phone(service)
    assert phone.text("STOP") == OPTED_OUT_TEXT
    assert phone.text("STOP") == ""
    assert phone.text("what's my balance") == ""
    assert phone.text("HELP") == ""
    assert directory.records[ALICE].opted_out
    assert phone.text("start") == OPTED_IN_TEXT
    assert phone.text("when are you open?") != ""


def test_help_answers_with_help_text(service):
    assert Phone(service).text(" help ") == HELP_TEXT


def test_a_known_number_identifies_the_customer_but_does_not_verify_them(service, store):
    phone = Phone(service)
    phone.text("hello")
    conversation = next(iter(store.conversations.values()))
    assert conversation.channel is Channel.SMS and conversation.phone == ALICE
    assert conversation.customer.customer_id == "C-1001"
    assert conversation.customer.auth_level is AuthLevel.IDENTIFIED
    assert [m.role for m in store.messages[conversation.conversation_id]][:1] == [Role.CUSTOMER]  # no welcome text


def test_one_conversation_per_number_until_a_day_of_silence(service, store):
    phone = Phone(service)
    phone.text("hello")
    phone.now += timedelta(hours=3)
    phone.text("thanks")
    assert len(store.conversations) == 1
    phone.now += timedelta(days=2)
    phone.text("hello again")
    assert len(store.conversations) == 2


def test_a_digit_answers_the_numbered_option_of_the_last_text(service, store, directory):
    phone = Phone(service)
    answer = phone.text("blorp")  # not understood: "did you mean" options come numbered
    assert "Reply 1 for" in answer
    chosen = directory.records[ALICE].options["1"]
    phone.text("1")
    customer_lines = [m for m in next(iter(store.messages.values())) if m.role is Role.CUSTOMER]
    assert customer_lines[-1].text == service.conversations.engine.title_of(chosen.lstrip("/"))


def test_the_processor_leaves_the_reply_to_a_waiting_webhook_or_sends_it_itself(service):
    inbound = InboundSms(provider_message_id="SM" + "a" * 32, phone=ALICE, text="when are you open?", received_at=T0)
    sms = RecordingSms()
    assert SmsInbox(service, sms, Replies(waiting=True)).process(inbound) == []
    assert sms.sent == []
    late = inbound.model_copy(update={"provider_message_id": "SM" + "b" * 32})
    assert len(SmsInbox(service, sms, Replies(waiting=False)).process(late)) == 1
    assert sms.sent[0][0] == ALICE and "Our phone and chat team" in sms.sent[0][1]
    other = inbound.model_copy(update={"provider_message_id": "c" * 20})
    SmsInbox(service, sms, None).process(other)  # End User Messaging: always by API
    assert len(sms.sent) == 2


def test_an_agent_reply_reaches_an_sms_customer_unless_they_opted_out(service, store, directory):
    sms = RecordingSms()
    desk = AgentDesk(handoffs=store.handoffs, conversations=store, notify=SmsNotifier(directory, sms))
    store.handoffs.add_agent(
        AgentProfile(agent_id="a1", username="a1", name="Dana Fox", skills=tuple(Skill), capacity=2)
    )
    phone = Phone(service)
    assert "queue" in phone.text("I want to talk to a person")
    conversation = next(iter(store.conversations.values()))
    assert conversation.status is ConversationStatus.QUEUED
    agent = desk.agent("a1")
    desk.claim(agent, conversation.handoff_id)
    assert sms.sent[-1] == (ALICE, "Dana from our team has joined the chat.")
    desk.send(agent, conversation.handoff_id, "Hi Alice, how can I help?", "r1")
    assert sms.sent[-1] == (ALICE, "Dana: Hi Alice, how can I help?")
    assert phone.text("my card was declined") == ""  # the agent answers, not the bot
    phone.text("STOP")
    sent = len(sms.sent)
    desk.send(agent, conversation.handoff_id, "Are you still there?", "r2")
    assert len(sms.sent) == sent  # nothing more to an opted-out number, agent replies included


def test_a_waiting_sms_customer_gets_their_place_by_text_at_most_every_five_minutes(service, store, directory):
    sms = RecordingSms()
    clock = [datetime.now(UTC)]  # the conversations enqueue on the real clock
    desk = AgentDesk(handoffs=store.handoffs, conversations=store, notify=SmsNotifier(directory, sms),
                     clock=lambda: clock[0])  # fmt: skip
    first, second = Phone(service), Phone(service, "+447700900102")
    first.text("I want to talk to a person")
    second.text("I want to talk to a person")
    assert desk.sweep().positions_texted == 2
    assert sms.sent[-1] == ("+447700900102", "You're number 2 in the queue; the wait is about 6 minutes.")
    clock[0] += timedelta(minutes=1)
    assert desk.sweep().positions_texted == 0  # throttled
    store.handoffs.add_agent(
        AgentProfile(agent_id="a1", username="a1", name="Dana Fox", skills=tuple(Skill), capacity=2)
    )
    desk.claim(desk.agent("a1"), store.conversations[next(iter(store.conversations))].handoff_id)
    clock[0] += timedelta(minutes=5)
    assert desk.sweep().positions_texted == 1
    assert sms.sent[-1] == ("+447700900102", "You're next in the queue; the wait is about 3 minutes.")
    clock[0] += timedelta(minutes=5)
    assert desk.sweep().positions_texted == 0  # nothing new to say
