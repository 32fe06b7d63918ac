"""The DynamoDB conversation store against a DynamoDB endpoint (moto server), including races."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import boto3
import pytest

from adapters.dynamodb_conversations import DynamoConversationStore
from adapters.dynamodb_handoffs import DynamoHandoffStore
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
