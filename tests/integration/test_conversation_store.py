"""The DynamoDB conversation store against a DynamoDB endpoint (moto server), including races."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import boto3
import pytest

from adapters.dynamodb_conversations import DynamoConversationStore
from adapters.dynamodb_handoffs import DynamoHandoffStore
from adapters.dynamodb_sms import DynamoDeliveryLog
from core.conversation import Conversations
from core.errors import ConcurrentUpdate, ServiceBusy
from core.models import Channel, Role
from tests.fakes import KeywordNlu, make_engine, make_intake


@pytest.fixture
def store(dynamodb_endpoint: str) -> DynamoConversationStore:
    client = boto3.client(
        "dynamodb",
        endpoint_url=dynamodb_endpoint,
        region_name="eu-west-1",
        aws_access_key_id="test",
        aws_secret_access_key="test",
    )
    return DynamoConversationStore(client, "ConversationsTable", timedelta(days=90))


@pytest.fixture
def conversations(store: DynamoConversationStore) -> Conversations:
    handoffs = DynamoHandoffStore(store._client, "HandoffsTable", store)
    return Conversations(store=store, nlu=KeywordNlu(), engine=make_engine(), intake=make_intake(handoffs, None))


def test_a_conversation_round_trips_through_dynamodb(conversations, store):
    started = conversations.start(Channel.WEB, "en-GB", None)
    loaded = store.get(started.conversation.conversation_id)
    assert loaded == started.conversation
    assert [m.seq for m in store.list_messages(loaded.conversation_id, 0, 100)] == [1]


def test_a_stale_version_cannot_overwrite_a_newer_turn(conversations, store):
    started = conversations.start(Channel.WEB, "en", None)
    stale = store.get(started.conversation.conversation_id)
    conversations.handle_message(stale.conversation_id, started.token, "hello", "m1")
    after = stale.model_copy(update={"version": stale.version + 1, "last_seq": stale.last_seq})
    with pytest.raises(ConcurrentUpdate):
        store.commit_turn(stale, after, [], None)


def test_concurrent_messages_to_one_conversation_are_stored_once_each_and_in_order(conversations, store):
    started = conversations.start(Channel.WEB, "en", None)
    cid = started.conversation.conversation_id
    ids = [f"m{i}" for i in range(16)]

    def send(client_message_id: str) -> None:
        for _ in range(5):  # a client retries a 503 with the same id, as the web page does
            try:
                conversations.handle_message(cid, started.token, f"hello {client_message_id}", client_message_id)
                return
            except ServiceBusy:
                continue
        raise AssertionError(f"{client_message_id} was never answered")

    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(send, ids + ids[:6]))  # six duplicates racing their originals

    transcript = store.list_messages(cid, 0, 100)
    assert [m.seq for m in transcript] == list(range(1, len(transcript) + 1))
    customer = [m for m in transcript if m.role is Role.CUSTOMER]
    assert sorted(m.client_message_id for m in customer) == sorted(ids)
    for message in customer:  # each question is answered right after it
        assert transcript[message.seq].role is Role.BOT
    assert store.get(cid).last_seq == len(transcript)


def test_a_transcript_page_may_start_and_end_inside_a_turn(conversations, store):
    started = conversations.start(Channel.WEB, "en", None)
    cid = started.conversation.conversation_id
    for i in range(3):  # each turn's lines share one item: the customer's message and the bot's answer
        conversations.handle_message(cid, started.token, f"hello {i}", f"m{i}")
    whole = store.list_messages(cid, 0, 100)
    assert [m.seq for m in whole] == list(range(1, 8))
    assert [m.seq for m in store.list_messages(cid, 2, 3)] == [3, 4, 5]  # seq 2 and 3 are one item
    assert [m.seq for m in store.list_messages(cid, 5, 100)] == [6, 7]


def test_a_delivery_status_lands_on_its_own_line_of_a_shared_item(conversations, store):
    started = conversations.start(Channel.WEB, "en", None)
    cid = started.conversation.conversation_id
    conversations.handle_message(cid, started.token, "hello", "m1")
    log = DynamoDeliveryLog(store._client, "ConversationsTable")
    log.mark(cid, 3, "delivered")  # the bot's answer, second line of the turn's item
    log.mark(cid, 99, "delivered")  # no such line: nothing is created
    assert [m.delivery for m in store.list_messages(cid, 0, 100)] == [None, None, "delivered"]
    assert [m.seq for m in store.list_messages(cid, 0, 100)] == [1, 2, 3]
