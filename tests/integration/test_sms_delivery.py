"""SMS delivery against the DynamoDB endpoint: the processor/webhook hand-over delivers each reply exactly
once however they race, and a failed text holds back its sender's later texts (order per phone)."""

from __future__ import annotations

import threading
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime

import boto3
import pytest

from adapters.dynamodb_sms import DynamoSmsReplies
from channels.sms_service import InboundSms
from local.functions import LambdaContext

NOW = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)


@pytest.fixture
def replies(dynamodb_endpoint):
    client = boto3.client(
        "dynamodb", endpoint_url=dynamodb_endpoint, region_name="eu-west-1",
        aws_access_key_id="test", aws_secret_access_key="test",
    )  # fmt: skip
    return DynamoSmsReplies(client, "ConversationsTable")


def test_a_reply_goes_out_once_whether_the_webhook_or_the_processor_is_first(replies):
    outcomes = []
    for _ in range(30):
        sid = "SM" + uuid.uuid4().hex
        start = threading.Barrier(2)

        def processor(sid=sid, start=start):
            start.wait()
            return "api" if not replies.offer(sid, ["Your balance is £10"], NOW) else None

        def webhook(sid=sid, start=start):
            start.wait()
            return "twiml" if replies.give_up(sid, NOW) else None

        with ThreadPoolExecutor(2) as pool:
            results = [f.result() for f in (pool.submit(processor), pool.submit(webhook))]
        delivered = [r for r in results if r]
        assert len(delivered) == 1, results
        outcomes.append(delivered[0])
    assert replies.take("SM-never-offered") is None


def test_the_webhook_takes_a_ready_reply_only_once(replies):
    sid = "SM" + uuid.uuid4().hex
    assert replies.offer(sid, ["one", "two"], NOW)
    assert replies.take(sid) == ["one", "two"]
    assert replies.take(sid) is None
    assert replies.give_up(sid, NOW) is None


def test_a_processor_that_runs_again_does_not_send_what_it_handed_to_the_webhook(replies):
    ready, taken, abandoned = ("SM" + uuid.uuid4().hex for _ in range(3))
    assert replies.offer(ready, ["one"], NOW)
    assert replies.offer(ready, ["one"], NOW)  # still waiting for the webhook: not by API as well
    assert replies.offer(taken, ["two"], NOW)
    assert replies.take(taken) == ["two"]
    assert replies.offer(taken, ["two"], NOW)  # already answered by TwiML
    assert replies.give_up(abandoned, NOW) is None
    assert not replies.offer(abandoned, ["three"], NOW)  # the webhook left: the processor sends by API


def test_a_failed_text_holds_back_the_same_phones_later_texts():
    from handlers.sms_processor import process_in_order

    processed: list[str] = []

    def process(inbound: InboundSms) -> list[str]:
        if inbound.text == "boom":
            raise RuntimeError("the core-banking backend timed out")
        processed.append(inbound.text)
        return []

    def record(n: int, text: str) -> dict:
        inbound = InboundSms(provider_message_id=f"SM{uuid.uuid4().hex}", phone="+447700900101", text=text,
                             received_at=NOW)  # fmt: skip
        return {"messageId": f"m{n}", "receiptHandle": f"r{n}", "body": inbound.model_dump_json(),
                "attributes": {"MessageGroupId": "g1"}, "messageAttributes": {}, "md5OfBody": "",
                "eventSource": "aws:sqs", "eventSourceARN": "arn:aws:sqs:eu-west-1:1:q.fifo"}  # fmt: skip

    event = {"Records": [record(1, "freeze my card"), record(2, "boom"), record(3, "yes")]}
    result = process_in_order(event, LambdaContext(function_name="SmsProcessorFunction"), process)
    assert processed == ["freeze my card"]  # "yes" never overtakes the failed message it may answer
    assert [f["itemIdentifier"] for f in result["batchItemFailures"]] == ["m2", "m3"]
