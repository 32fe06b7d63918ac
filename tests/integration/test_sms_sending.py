"""The outbound SMS sender against the DynamoDB endpoint: a provider outage during an agent reply delays the
text (backoff, retried by the queue) and never loses or doubles it; refusals are marked on the transcript."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import boto3
import pytest

from adapters.dynamodb_conversations import DynamoConversationStore
from adapters.dynamodb_sms import DynamoDeliveryLog
from bootstrap import SmsSending
from channels.sms_service import OutboundSms
from core.errors import ServiceBusy, SmsRecipientOptedOut
from core.models import Channel, Conversation, Message, Role
from handlers.sms_sender import send_in_order
from local.functions import LambdaContext

NOW = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)


class FlakyProvider:
    """Down for the first `outage` sends, then up; keeps what it sent."""

    def __init__(self, outage: int = 0, refuse: bool = False) -> None:
        self.outage, self.refuse, self.sent = outage, refuse, []

    def send(self, phone: str, text: str) -> str:
        if self.refuse:
            raise SmsRecipientOptedOut(phone)
        if self.outage:
            self.outage -= 1
            raise ServiceBusy("The SMS provider")
        self.sent.append((phone, text))
        return f"SM{uuid.uuid4().hex}"


@pytest.fixture
def client(dynamodb_endpoint):
    return boto3.client(
        "dynamodb", endpoint_url=dynamodb_endpoint, region_name="eu-west-1",
        aws_access_key_id="test", aws_secret_access_key="test",
    )  # fmt: skip


@pytest.fixture
def agent_line(client):
    """A conversation whose line 2 is an agent's reply waiting to go out by SMS."""
    store = DynamoConversationStore(client, "ConversationsTable", __import__("datetime").timedelta(days=1))
    conversation = Conversation(conversation_id=str(uuid.uuid4()), channel=Channel.SMS, token_hash="x", created_at=NOW)
    lines = [Message(seq=1, role=Role.CUSTOMER, text="hi", created_at=NOW),
             Message(seq=2, role=Role.AGENT, text="Hello, I'm Chen", created_at=NOW, author="Chen")]  # fmt: skip
    store.create(conversation, lines)
    return store, conversation.conversation_id


def event_for(outbound: OutboundSms, attempt: int) -> dict:
    return {"Records": [{
        "messageId": "m1", "receiptHandle": f"r{attempt}", "body": outbound.model_dump_json(),
        "attributes": {"ApproximateReceiveCount": str(attempt), "MessageGroupId": "g"}, "messageAttributes": {},
        "md5OfBody": "", "eventSource": "aws:sqs", "eventSourceARN": "arn:aws:sqs:eu-west-1:1:out.fifo",
    }]}  # fmt: skip


def test_a_provider_outage_during_an_agent_reply_delays_it_and_sends_it_once(client, agent_line):
    store, conversation_id = agent_line
    provider, backoffs = FlakyProvider(outage=2), []
    deps = SmsSending(provider, DynamoDeliveryLog(client, "ConversationsTable"), lambda h, s: backoffs.append(s), 6)
    outbound = OutboundSms(outbound_id="o1", phone="+447700900104", text="Chen: Hello, I'm Chen", queued_at=NOW,
                           conversation_id=conversation_id, seq=2)  # fmt: skip
    context = LambdaContext(function_name="SmsSenderFunction")
    results = [send_in_order(event_for(outbound, attempt), context, deps) for attempt in (1, 2, 3)]
    assert [len(r["batchItemFailures"]) for r in results] == [1, 1, 0]  # retried by the queue, not lost
    assert 2 <= backoffs[0] <= 5 and 5 <= backoffs[1] <= 10  # 5 s then 10 s, each jittered (equal jitter)
    assert provider.sent == [("+447700900104", "Chen: Hello, I'm Chen")]
    assert store.list_messages(conversation_id, 1, 10)[0].delivery == "sent"


def test_a_refused_text_is_marked_failed_for_the_agent_and_not_retried(client, agent_line):
    store, conversation_id = agent_line
    deps = SmsSending(FlakyProvider(refuse=True), DynamoDeliveryLog(client, "ConversationsTable"), lambda h, s: None, 6)
    outbound = OutboundSms(outbound_id="o2", phone="+447700900104", text="Chen: are you there?", queued_at=NOW,
                           conversation_id=conversation_id, seq=2)  # fmt: skip
    result = send_in_order(event_for(outbound, 1), LambdaContext(function_name="SmsSenderFunction"), deps)
    assert result["batchItemFailures"] == []
    assert store.list_messages(conversation_id, 1, 10)[0].delivery == "failed"


def test_the_last_attempt_marks_the_line_failed_before_the_dead_letter_queue(client, agent_line):
    store, conversation_id = agent_line
    deps = SmsSending(FlakyProvider(outage=99), DynamoDeliveryLog(client, "ConversationsTable"), lambda h, s: None, 3)
    outbound = OutboundSms(outbound_id="o3", phone="+447700900104", text="Chen: hello?", queued_at=NOW,
                           conversation_id=conversation_id, seq=2)  # fmt: skip
    result = send_in_order(event_for(outbound, 3), LambdaContext(function_name="SmsSenderFunction"), deps)
    assert len(result["batchItemFailures"]) == 1
    assert store.list_messages(conversation_id, 1, 10)[0].delivery == "failed"
