"""Proactive service against DynamoDB: each rule, once per event, the daily limit, opt-out, quiet hours, the
in-app feed, and a reply that continues the right flow."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from adapters.demo_bank import DemoBank
from adapters.demo_bank_seed import seed_demo_bank
from adapters.dynamodb_conversations import DynamoConversationStore
from adapters.dynamodb_handoffs import DynamoHandoffStore
from adapters.dynamodb_outreach import DynamoOutreachLedger
from adapters.dynamodb_sms import DynamoPhoneDirectory
from bootstrap import PROACTIVE_RULES
from channels.sms_service import InboundSms, PhoneRecord, SmsOutreach, SmsService
from core.banking import CardStatus
from core.conversation import Conversations
from core.models import AuthLevel, Channel, ConversationStatus, Customer
from core.prediction import CustomerEvent, EventKind
from core.proactive import ProactiveService, QuietHours, load_rules
from core.service_metrics import summarize
from local.dynamodb import DynamoDBEndpoint
from local.stack import local_client
from local.tables import create_tables
from tests.fakes import KeywordNlu, RecordingSms, make_engine, make_intake

REGION = "eu-west-3"
NOON = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)
PHONE = "+447700900101"  # C-1001's registered number


class Clock:
    def __init__(self) -> None:
        self.now = NOON

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture(scope="module")
def client() -> Iterator:
    endpoint = DynamoDBEndpoint().start()
    client = local_client("dynamodb", endpoint.url, REGION)
    create_tables(client)
    seed_demo_bank(DemoBank(client, "DemoBankTable", clock=lambda: NOON), "DemoBankTable", NOON)
    yield client
    endpoint.stop()


class World:
    def __init__(self, client) -> None:
        self.clock = Clock()
        self.bank = DemoBank(client, "DemoBankTable", clock=self.clock)
        store = DynamoConversationStore(client, "ConversationsTable", timedelta(days=1))
        handoffs = DynamoHandoffStore(client, "HandoffsTable", store)
        self.conversations = Conversations(
            store=store,
            nlu=KeywordNlu(),
            engine=make_engine(self.bank),
            intake=make_intake(handoffs, self.bank),
            clock=self.clock,
        )
        self.directory = DynamoPhoneDirectory(client, "ConversationsTable")
        self.texts = RecordingSms()
        outreach = SmsOutreach(self.conversations, self.directory, self.texts)
        self.proactive = ProactiveService(
            rules=load_rules(PROACTIVE_RULES),
            bank=self.bank,
            ledger=DynamoOutreachLedger(client, "ConversationsTable"),
            starter=outreach,
            consent=outreach,
            quiet=QuietHours(),
            daily_limit=2,
            clock=self.clock,
        )
        self.conversations.feed = self.proactive
        self.sms = SmsService(self.conversations, self.directory, self.bank)

    def event(self, kind: EventKind, customer: str = "C-1001", **fields) -> CustomerEvent:
        return CustomerEvent(
            event_id=str(uuid.uuid4()),
            customer_id=customer,
            kind=kind,
            at=self.clock.now - timedelta(minutes=5),
            **fields,
        )

    def text(self, body: str, phone: str = PHONE) -> list[str]:
        inbound = InboundSms(
            provider_message_id=f"SM{uuid.uuid4().hex}", phone=phone, text=body, received_at=self.clock.now
        )
        return self.sms.receive(inbound)

    def texts_to(self, phone: str = PHONE) -> list[str]:
        return [t for p, t in self.texts.sent if p == phone]


@pytest.fixture
def world(client) -> World:
    """A fresh world per test; each test uses its own day so the daily limit starts afresh."""
    world = World(client)
    world.clock.now = NOON + timedelta(days=_days.pop())
    world.directory.save(PhoneRecord(phone=PHONE))  # subscribed, no conversation yet
    return world


_days = list(range(40))


def fraud(world: World) -> CustomerEvent:
    return world.event(
        EventKind.SUSPECTED_FRAUD,
        amount=Decimal("642.10"),
        currency="EUR",
        merchant="Electro Mundo Lisboa",
        details={"card_last4": "4417", "country": "PT"},
    )


def test_suspected_fraud_asks_by_text_and_a_no_freezes_the_card_and_brings_in_the_fraud_team(world):
    [outreach] = world.proactive.consider(fraud(world))
    assert outreach.status == "sent" and outreach.channel is Channel.SMS
    [alert] = world.texts_to()
    assert "€642.10 at Electro Mundo Lisboa" in alert and "ending 4417" in alert and "YES or NO" in alert
    reply = world.text("NO")
    assert "frozen your card ending 4417" in reply[0] and "fraud team" in reply[0]
    card = next(c for c in world.bank.cards("C-1001") if c.last4 == "4417")
    assert card.status is CardStatus.FROZEN
    conversation = world.conversations.store.get(outreach.conversation_id)
    assert conversation.status is ConversationStatus.QUEUED  # the reply continued the outreach's conversation
    assert conversation.service.started_by == "system" and conversation.service.proactive_rule == "suspected_fraud"
    world.bank.set_card_status("C-1001", card.card_id, CardStatus.ACTIVE)  # as the other tests expect it


def test_an_outreach_nobody_answers_still_counts_as_a_contact_we_started(world):
    [outreach] = world.proactive.consider(fraud(world))
    outcomes = world.conversations.store.outcomes(world.clock.now.date()).outcomes
    [mine] = [o for o in outcomes if o.conversation_id == outreach.conversation_id]
    assert mine.service.started_by == "system" and mine.service.first_customer_at is None
    summary = summarize([mine])
    assert summary.contacts == 1 and summary.engaged == 0 and summary.proactive_share == 1.0


def test_a_yes_to_the_fraud_alert_confirms_the_payment(world):
    world.proactive.consider(fraud(world))
    assert "Thank you for confirming" in world.text("yes")[0]


def test_each_event_is_acted_on_once_however_often_it_arrives(world):
    event = fraud(world)
    assert len(world.proactive.consider(event)) == 1
    assert world.proactive.consider(event) == []
    assert len(world.texts_to()) == 1


def test_a_decline_abroad_is_explained_by_text_and_a_decline_at_home_is_not(world):
    abroad = world.event(
        EventKind.CARD_DECLINED,
        amount=Decimal("180"),
        currency="EUR",
        merchant="Hotel Lisboa",
        details={"card_last4": "9023", "country": "PT", "decline_reason": "over the limit abroad"},
    )
    at_home = abroad.model_copy(update={"event_id": "home", "details": {**abroad.details, "country": "GB"}})
    assert world.proactive.consider(at_home) == []
    [outreach] = world.proactive.consider(abroad)
    [text] = world.texts_to()
    assert "declined at Hotel Lisboa (€180.00) because of: over the limit abroad" in text
    assert "1" in text and "2" in text  # numbered choices: talk to us, freeze the card
    assert "know it's you" in world.text("2")[0]  # "2" went on to freezing, which checks who it is first


def test_a_payment_due_tomorrow_is_flagged_only_when_the_current_account_is_short(world):
    tomorrow = (world.clock.now + timedelta(days=1)).date().isoformat()
    short = world.event(
        EventKind.PAYMENT_DUE_SOON,
        amount=Decimal("3000"),
        currency="GBP",
        details={"due_date": tomorrow, "card_last4": "9023"},
    )
    covered = short.model_copy(update={"event_id": "covered", "amount": Decimal("100")})
    assert world.proactive.consider(covered) == []
    [outreach] = world.proactive.consider(short)
    assert "£3,000.00 is due" in world.texts_to()[0] and "£2,388.17 available" in world.texts_to()[0]


def test_a_customer_gets_at_most_two_a_day_but_security_alerts_always_go(world):
    declines = [
        world.event(
            EventKind.CARD_DECLINED,
            amount=Decimal(10 + i),
            currency="EUR",
            merchant=f"Shop {i}",
            details={"card_last4": "9023", "country": "ES", "decline_reason": "limit"},
        )
        for i in range(3)
    ]
    sent = [o for e in declines for o in world.proactive.consider(e)]
    assert len(sent) == 2
    assert len(world.proactive.consider(fraud(world))) == 1


def test_an_opted_out_number_gets_no_text_and_the_app_opens_with_the_news(world):
    world.text("STOP")
    texts_before = len(world.texts_to())
    [outreach] = world.proactive.consider(fraud(world))
    assert outreach.status == "waiting_in_app" and len(world.texts_to()) == texts_before
    started = world.conversations.start(
        Channel.APP, "en", Customer(customer_id="C-1001", auth_level=AuthLevel.VERIFIED)
    )
    assert "Electro Mundo Lisboa" in started.replies[0].text
    assert started.conversation.service.started_by == "system"
    again = world.conversations.start(Channel.APP, "en", Customer(customer_id="C-1001", auth_level=AuthLevel.VERIFIED))
    assert "Electro Mundo Lisboa" not in again.replies[0].text  # delivered once
    world.text("START")


def test_quiet_hours_hold_a_text_until_morning_but_not_a_security_alert(world):
    world.clock.now = world.clock.now.replace(hour=23)  # 23:00 in London (GMT in November)
    decline = world.event(
        EventKind.CARD_DECLINED,
        amount=Decimal("55"),
        currency="EUR",
        merchant="Taxi Porto",
        details={"card_last4": "9023", "country": "PT", "decline_reason": "limit"},
    )
    [held] = world.proactive.consider(decline)
    assert held.status == "deferred" and held.send_after.hour == 8 and world.texts_to() == []
    assert world.proactive.consider(fraud(world))[0].status == "sent"  # a security alert goes at night
    assert world.proactive.send_due() == 0  # still night
    world.clock.now = held.send_after + timedelta(minutes=5)
    assert world.proactive.send_due() == 1
    assert any("Taxi Porto" in t for t in world.texts_to())
    assert world.proactive.send_due() == 0  # sent once


def test_a_customer_without_a_current_account_is_told_the_facts_not_placeholders(world):
    tomorrow = (world.clock.now + timedelta(days=1)).date().isoformat()
    due = world.event(EventKind.PAYMENT_DUE_SOON, customer="C-1002", amount=Decimal("56.10"), currency="GBP",
                      details={"due_date": tomorrow})  # fmt: skip
    assert world.proactive.consider(due), "C-1002 has no current account, so the payment cannot be covered"
    text = world.texts_to("+447700900102")[-1]
    assert "{" not in text and "£56.10 is due" in text
