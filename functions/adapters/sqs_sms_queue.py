"""Inbound SMS onto the SQS FIFO queue: one message group per phone number keeps each sender's texts in
order (a quick "yes" never overtakes the question it answers); the provider's id deduplicates retries
within SQS's 5-minute window (the processor's idempotency record covers the hours after)."""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING

from adapters.dynamodb_errors import call

if TYPE_CHECKING:
    from mypy_boto3_sqs import SQSClient

    from channels.sms_service import InboundSms, OutboundSms


class SqsSmsQueue:
    def __init__(self, client: SQSClient, queue_url: str) -> None:
        self._client = client
        self._queue_url = queue_url

    def enqueue(self, inbound: InboundSms) -> None:
        call(
            "The SMS queue",
            self._client.send_message,
            QueueUrl=self._queue_url,
            MessageBody=inbound.model_dump_json(),
            MessageGroupId=hashlib.sha256(inbound.phone.encode()).hexdigest()[:64],  # no phone number in SQS metadata
            MessageDeduplicationId=hashlib.sha256(inbound.provider_message_id.encode()).hexdigest(),
        )


class SqsOutboundQueue:
    """Outbound texts, in order per phone number, for the sender function (retries, then the dead-letter queue)."""

    def __init__(self, client: SQSClient, queue_url: str) -> None:
        self._client = client
        self._queue_url = queue_url

    def enqueue(self, outbound: OutboundSms) -> None:
        call(
            "The SMS queue",
            self._client.send_message,
            QueueUrl=self._queue_url,
            MessageBody=outbound.model_dump_json(),
            MessageGroupId=hashlib.sha256(outbound.phone.encode()).hexdigest()[:64],
            MessageDeduplicationId=outbound.outbound_id,
        )
