"""The SMS functions through their real handlers with the events in events/: the Twilio webhook (signature,
base64 form body, TwiML), End User Messaging via SNS, and the ordered, idempotent processor."""

from __future__ import annotations

import base64
import copy
import json
import os
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qsl, urlencode

import boto3
import pytest
from twilio.request_validator import RequestValidator

from adapters.demo_bank_seed import seed_demo_bank
from local.functions import LambdaContext
from tests.api.conftest import EVENTS

TOKEN = "test-twilio-auth-token"
PUBLIC = "https://sms.bank.example"
SID = "SM8f2c4a1e9b7d4e3fa6c5d0b1e2f3a4b5"


@pytest.fixture(scope="module")
def sms_environment(function_environment: dict[str, str], tmp_path_factory) -> Iterator[dict[str, Any]]:
    seed_demo_bank(boto3.client("dynamodb"), "DemoBankTable", datetime.now(UTC))
    sqs = boto3.client("sqs", endpoint_url=function_environment["AWS_ENDPOINT_URL_DYNAMODB"])
    queue = sqs.create_queue(
        QueueName="SmsInboundQueue-api.fifo", Attributes={"FifoQueue": "true", "ContentBasedDeduplication": "false"}
    )["QueueUrl"]
    outbox = tmp_path_factory.mktemp("sms") / "outbox.jsonl"
    settings = {
        "AWS_ENDPOINT_URL_SQS": function_environment["AWS_ENDPOINT_URL_DYNAMODB"],
        "SMS_QUEUE_URL": queue,
        "SMS_PROVIDER": "local",
        "LOCAL_SMS_OUTBOX": str(outbox),
        "TWILIO_AUTH_TOKEN": TOKEN,
        "PUBLIC_BASE_URL": PUBLIC,
        "SMS_TWIML_WAIT_S": "0.3",
    }
    saved = {k: os.environ.get(k) for k in settings}
    os.environ.update(settings)
    yield {"sqs": sqs, "queue": queue, "outbox": outbox}
    for key, value in saved.items():
        os.environ.pop(key, None) if value is None else os.environ.__setitem__(key, value)


@pytest.fixture
def handlers(sms_environment):
    from bootstrap import get_settings
    from handlers import sms_inbound, sms_processor, sms_twilio

    get_settings.cache_clear()
    for cached in (
        sms_twilio.dependencies,
        sms_inbound.dependencies,
        sms_processor.inbox,
        sms_processor.once_per_message,
    ):
        cached.cache_clear()
    return sms_twilio, sms_inbound, sms_processor


def twilio_event(signature_url: str = PUBLIC + "/v1/sms/twilio", body_override: str | None = None) -> dict[str, Any]:
    event = json.loads((EVENTS / "sms_twilio_inbound.json").read_text())
    form = body_override or base64.b64decode(event["body"]).decode()
    event["body"] = base64.b64encode(form.encode()).decode()
    params = dict(parse_qsl(form, keep_blank_values=True))
    event["headers"]["x-twilio-signature"] = RequestValidator(TOKEN).compute_signature(signature_url, params)
    return event


def queued(sms_environment) -> list[dict[str, Any]]:
    sqs, queue = sms_environment["sqs"], sms_environment["queue"]
    found = sqs.receive_message(QueueUrl=queue, MaxNumberOfMessages=10, AttributeNames=["All"]).get("Messages", [])
    for message in found:
        sqs.delete_message(QueueUrl=queue, ReceiptHandle=message["ReceiptHandle"])
    return found


def sqs_event(messages: list[dict[str, Any]]) -> dict[str, Any]:
    return {"Records": [{
        "messageId": m["MessageId"], "receiptHandle": m["ReceiptHandle"], "body": m["Body"],
        "attributes": m.get("Attributes", {}), "messageAttributes": {}, "md5OfBody": "",
        "eventSource": "aws:sqs", "eventSourceARN": "arn:aws:sqs:eu-west-1:123456789012:SmsInboundQueue.fifo",
        "awsRegion": "eu-west-1",
    } for m in messages]}  # fmt: skip


def sent_texts(sms_environment) -> list[dict[str, Any]]:
    outbox = sms_environment["outbox"]
    return [json.loads(line) for line in outbox.read_text().splitlines()] if outbox.exists() else []


def test_a_signed_webhook_is_queued_in_order_and_answered_once_even_when_delivered_twice(handlers, sms_environment):
    sms_twilio, _, sms_processor = handlers
    answer = sms_twilio.handler(twilio_event(), LambdaContext(function_name="SmsTwilioFunction"))
    assert answer["statusCode"] == 200 and answer["headers"]["Content-Type"].startswith("text/xml")
    assert "<Response" in answer["body"]  # nothing ready within the wait: the processor will send by API
    messages = queued(sms_environment)
    assert len(messages) == 1
    assert "+44" not in messages[0]["Attributes"]["MessageGroupId"]  # the group is a hash, not the number
    body = json.loads(messages[0]["Body"])
    assert (body["phone"], body["text"], body["provider_message_id"]) == ("+447700900101", "what's my balance", SID)
    context = LambdaContext(function_name="SmsProcessorFunction")
    first = sms_processor.handler(sqs_event(messages), context)
    again = sms_processor.handler(sqs_event(messages), context)  # SQS delivers at least once
    assert first == again == {"batchItemFailures": []}
    texts = [t for t in sent_texts(sms_environment) if t["to"] == "+447700900101"]
    assert len([t for t in texts if "verification code is" in t["text"]]) == 1  # the step-up code went once
    assert len(texts) == 2  # the code, and the one reply sent by API (not twice)


def test_a_wrongly_signed_or_misaddressed_webhook_is_refused_and_not_queued(handlers, sms_environment):
    sms_twilio, _, _ = handlers
    context = LambdaContext(function_name="SmsTwilioFunction")
    # Signed for the URL API Gateway shows the function rather than the public one Twilio posts to.
    wrong_url = twilio_event(signature_url="https://abc123.execute-api.eu-west-1.amazonaws.com/v1/sms/twilio")
    assert sms_twilio.handler(wrong_url, context)["statusCode"] == 403
    tampered = twilio_event()
    form = base64.b64decode(tampered["body"]).decode().replace("balance", "password")
    tampered["body"] = base64.b64encode(form.encode()).decode()
    assert sms_twilio.handler(tampered, context)["statusCode"] == 403
    unsigned = twilio_event()
    unsigned["headers"].pop("x-twilio-signature")
    assert sms_twilio.handler(unsigned, context)["statusCode"] == 403
    assert queued(sms_environment) == []


def test_a_form_that_is_not_a_twilio_message_gets_400(handlers):
    sms_twilio, _, _ = handlers
    event = twilio_event(body_override="Body=hi&From=%2B447700900101")
    answer = sms_twilio.handler(event, LambdaContext(function_name="SmsTwilioFunction"))
    assert answer["statusCode"] == 400 and "Twilio" in json.loads(answer["body"])["message"]


def test_an_end_user_messaging_text_arrives_through_sns_and_stop_opts_out(handlers, sms_environment):
    _, sms_inbound, sms_processor = handlers
    event = json.loads((EVENTS / "sms_end_user_messaging_sns.json").read_text())
    result = sms_inbound.handler(copy.deepcopy(event), LambdaContext(function_name="SmsInboundFunction"))
    assert result == {"queued": 1, "rejected": 0}
    broken = copy.deepcopy(event)
    broken["Records"][0]["Sns"]["Message"] = "not json"
    assert sms_inbound.handler(broken, LambdaContext(function_name="SmsInboundFunction"))["rejected"] == 1
    messages = queued(sms_environment)
    sms_processor.handler(sqs_event(messages), LambdaContext(function_name="SmsProcessorFunction"))
    texts = [t["text"] for t in sent_texts(sms_environment) if t["to"] == "+447700900102"]
    assert texts == ["You've been unsubscribed and won't get more messages from us. Reply START to resubscribe."]


def test_a_delivery_status_callback_marks_the_agents_line_and_must_be_signed(handlers):
    from datetime import timedelta

    from adapters.dynamodb_conversations import DynamoConversationStore
    from adapters.dynamodb_sms import DynamoDeliveryLog
    from core.models import Channel, Conversation, Message, Role

    sms_twilio, _, _ = handlers
    client = boto3.client("dynamodb")
    store = DynamoConversationStore(client, "ConversationsTable", timedelta(days=1))
    now = datetime.now(UTC)
    conversation = Conversation(conversation_id=str(uuid.uuid4()), channel=Channel.SMS, token_hash="x", created_at=now)
    store.create(conversation, [Message(seq=1, role=Role.AGENT, text="Hello", created_at=now, author="Chen")])
    provider_sid = "SM" + uuid.uuid4().hex
    DynamoDeliveryLog(client, "ConversationsTable").sent(provider_sid, conversation.conversation_id, 1, now)
    form = {
        "MessageSid": provider_sid,
        "MessageStatus": "undelivered",
        "ErrorCode": "30003",
        "AccountSid": "AC" + "0" * 32,
    }
    event = twilio_event()
    event["rawPath"] = event["requestContext"]["http"]["path"] = "/v1/sms/twilio/status"
    event["routeKey"] = event["requestContext"]["routeKey"] = "POST /v1/sms/twilio/status"
    event["body"] = base64.b64encode(urlencode(form).encode()).decode()
    event["headers"]["x-twilio-signature"] = RequestValidator(TOKEN).compute_signature(
        PUBLIC + "/v1/sms/twilio/status", form
    )
    context = LambdaContext(function_name="SmsTwilioFunction")
    forged = copy.deepcopy(event)
    forged["headers"]["x-twilio-signature"] = "bm90IGEgc2lnbmF0dXJl"
    assert sms_twilio.handler(forged, context)["statusCode"] == 403
    assert store.list_messages(conversation.conversation_id, 0, 10)[0].delivery == "sent"
    assert sms_twilio.handler(event, context)["statusCode"] == 204
    assert store.list_messages(conversation.conversation_id, 0, 10)[0].delivery == "undelivered"
