"""The contact-reason prediction in the first turn, against DynamoDB, the demo bank and the shipped model:
events on the timeline become the opening question; accepting it runs the flow; the outcome is recorded;
a handoff carries the prediction and routes by it."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import boto3
import pytest

from adapters.demo_bank import DemoBank
from adapters.demo_bank_seed import seed_demo_bank
from adapters.dynamodb_conversations import DynamoConversationStore
from adapters.dynamodb_handoffs import DynamoHandoffStore
from adapters.dynamodb_timeline import DynamoTimeline
from bootstrap import load_predictor
from core.conversation import Conversations
from core.models import AuthLevel, Channel, Customer
from core.reason_offers import ReasonOffers
from local.dynamodb import DynamoDBEndpoint
from local.scenarios import eventbridge_event, scenario_events
from local.tables import create_tables
from tests.fakes import KeywordNlu, make_engine, make_intake

REGION = "sa-east-1"  # this module's own moto store


@pytest.fixture(scope="module")
def world() -> Iterator[tuple[Conversations, DynamoTimeline, DemoBank]]:
    endpoint = DynamoDBEndpoint().start()
    client = boto3.client(
        "dynamodb", endpoint_url=endpoint.url, region_name=REGION,
        aws_access_key_id="test", aws_secret_access_key="test",
    )  # fmt: skip
    create_tables(client)
    bank = DemoBank(client, "DemoBankTable", clock=lambda: datetime.now(UTC))
    seed_demo_bank(bank, "DemoBankTable", datetime.now(UTC))
    store = DynamoConversationStore(client, "ConversationsTable", timedelta(days=1))
    engine = make_engine(bank)
    timeline = DynamoTimeline(client, "ConversationsTable")
    offers = ReasonOffers(timeline, load_predictor(), engine.flows, engine.catalogue.intent_titles)
    intake = make_intake(DynamoHandoffStore(client, "HandoffsTable", store), bank)
    conversations = Conversations(store=store, nlu=KeywordNlu(), engine=engine, intake=intake, offers=offers)
    yield conversations, timeline, bank
    endpoint.stop()


def _start(conversations: Conversations, customer_id: str):
    customer = Customer(customer_id=customer_id, auth_level=AuthLevel.VERIFIED)
    return conversations.start(Channel.APP, "en", customer)


def test_a_declined_card_abroad_is_asked_about_before_the_customer_types(world):
    conversations, timeline, bank = world
    for event in scenario_events("card_declined_abroad", bank):
        assert timeline.record(event)
        assert not timeline.record(event)  # a redelivered event is stored once
    started = _start(conversations, "C-1005")
    opening = started.replies[0]
    assert "declined" in opening.text and "an hour ago" in opening.text
    assert opening.quick_replies[0].title == "Yes, that's it"
    answer = conversations.handle_message(
        started.conversation.conversation_id, started.token, opening.quick_replies[0].payload, "m1"
    )
    assert "The reason:" in " ".join(r.text for r in answer.replies)  # straight into the flow, nothing to ask
    stored = conversations.store.get(started.conversation.conversation_id)
    assert stored.prediction["offered"][0] == "card_declined" and stored.prediction["confirmed"] == "card_declined"


def test_a_customer_with_nothing_new_gets_the_plain_welcome(world):
    conversations, _, _ = world
    started = _start(conversations, "C-1010")
    assert started.replies == conversations.engine.catalogue.welcome
    assert started.conversation.prediction is None


def test_a_wrong_guess_is_recorded_as_other_and_a_handoff_carries_and_routes_by_the_prediction(world):
    conversations, timeline, bank = world
    for event in scenario_events("card_declined_limit", bank):
        timeline.record(event)
    started = _start(conversations, "C-1002")
    cid, token = started.conversation.conversation_id, started.token
    assert "declined" in started.replies[0].text
    conversations.handle_message(cid, token, "/something_else", "m1")
    conversations.handle_message(cid, token, "when are you open?", "m2")
    assert conversations.store.get(cid).prediction["confirmed"] == "other"
    second = _start(conversations, "C-1002")
    conversations.handle_message(second.conversation.conversation_id, second.token, "talk to a person", "m1")
    handoff = conversations.intake.store.get(conversations.store.get(second.conversation.conversation_id).handoff_id)
    assert handoff.context.predicted_reason == "card_declined"
    assert handoff.skill == "cards" and "declined" in handoff.context.prediction_evidence[0]


def test_the_eventbridge_envelope_carries_the_event_as_detail(world):
    _, _, bank = world
    event = scenario_events("statement_issued", bank)[0]
    envelope = eventbridge_event(event)
    assert (envelope["source"], envelope["detail-type"]) == ("core-banking", "customer-event")
    assert envelope["detail"]["kind"] == "statement_issued" and envelope["detail"]["customer_id"] == "C-1001"


def test_a_customer_who_texts_hi_is_asked_about_the_likely_reason_with_its_facts(world):
    conversations, timeline, bank = world
    for event in scenario_events("claim_status_changed", bank):
        timeline.record(event)
    customer = Customer(customer_id="C-1004", auth_level=AuthLevel.IDENTIFIED)
    started = conversations.start(Channel.SMS, "en", customer, phone="+447700900104")
    assert started.replies == ()  # SMS: the customer speaks first
    conversation_id = started.conversation.conversation_id
    answer = conversations.handle_trusted_message(conversation_id, "hi", "sms-1")
    assert "claim" in answer.replies[0].text.lower()
    assert answer.replies[0].quick_replies[0].title == "Yes, that's it"
    assert conversations.store.get(conversation_id).prediction["offered"][0] == "claim_status"
    second = conversations.handle_trusted_message(conversation_id, "hello again", "sms-2")
    assert "claim" not in " ".join(r.text for r in second.replies).lower()  # asked once, not every greeting
