"""A text that cannot be answered now (its conversation throttled, say) goes back to the SMS queue for a later try,
holding back only its own sender's later texts; every other sender's texts in the batch are answered."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from channels.sms_service import InboundSms
from core.errors import ServiceBusy
from handlers.sms_processor import process_in_order
from local.functions import LambdaContext
from tests.faults.conftest import Logs


def _record(n: int, phone: str, text: str) -> tuple[dict[str, object], str]:
    sid = f"SM{uuid.uuid4().hex}"
    inbound = InboundSms(provider_message_id=sid, phone=phone, text=text, received_at=datetime.now(UTC))
    record = {
        "messageId": f"m{n}", "receiptHandle": f"r{n}", "body": inbound.model_dump_json(),
        "attributes": {"MessageGroupId": phone, "ApproximateReceiveCount": "2"}, "messageAttributes": {},
        "md5OfBody": "", "eventSource": "aws:sqs", "eventSourceARN": "arn:aws:sqs:eu-west-1:1:SmsInboundQueue.fifo",
    }  # fmt: skip
    return record, sid


def test_a_throttled_text_holds_back_only_its_own_senders_texts_and_says_so(logs: Logs) -> None:
    throttled, other = "+447700900101", "+447700900102"
    answered: list[str] = []

    def process(inbound: InboundSms) -> list[str]:
        if inbound.phone == throttled:
            raise ServiceBusy("The conversation store")
        answered.append(inbound.text)
        return []

    records = [_record(1, throttled, "freeze my card"), _record(2, throttled, "yes"), _record(3, other, "balance")]
    event = {"Records": [record for record, _ in records]}
    result = process_in_order(event, LambdaContext(function_name="SmsProcessorFunction"), process)
    assert [f["itemIdentifier"] for f in result["batchItemFailures"]] == ["m1", "m2"]  # retried later, in order
    assert answered == ["balance"]  # the other customer is not kept waiting
    [failed] = logs.with_message("record failed")
    assert failed["correlation_id"] == records[0][1]  # the provider's id, as on the webhook's line
    assert (failed["message_id"], failed["receive_count"], failed["error"]) == ("m1", "2", "ServiceBusy")
