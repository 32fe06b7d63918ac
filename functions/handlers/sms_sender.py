"""Lambda entry point of the outbound SMS queue: hands each text to the provider, retrying with backoff.

A provider that is down, slow or throttling leaves the text in the queue for a later try (the visibility
timeout grows with each attempt, jittered); after the queue's maxReceiveCount it moves to the dead-letter
queue, which an alarm watches, and the last try says so in the log and the SmsSendFailed metric. A text the
provider refuses for good (opted out, invalid number) is recorded as failed on the transcript line and not
retried.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime
from functools import cache
from typing import TYPE_CHECKING, Any

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit

from bootstrap import SmsSending, build_sms_sending, get_settings
from channels.sms_service import OutboundSms
from core.errors import SmsRecipientOptedOut, SmsRejected
from handlers.fifo_batches import process_fifo_batch

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
    from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
    from aws_lambda_powertools.utilities.typing import LambdaContext

logger = Logger()
metrics = Metrics()
BACKOFF_BASE_S = 5
MAX_BACKOFF_S = 900


@cache
def sending() -> SmsSending:
    return build_sms_sending(get_settings())


def backoff_delay(attempt: int) -> int:
    """Seconds until the next try: 5 s, 10 s, 20 s ... 15 min, with "equal jitter" (half fixed, half random),
    so texts held back by one outage don't all return at the same moment, and none returns sooner than half
    its step (a visibility of 0 would deliver it again at once)."""
    step = min(MAX_BACKOFF_S, BACKOFF_BASE_S * int(2 ** (attempt - 1)))
    return step // 2 + random.randint(0, step - step // 2)  # spreads retries; not a secret


def send_one(record: SQSRecord, deps: SmsSending) -> None:
    outbound = OutboundSms.model_validate_json(record.body)
    # Every line about this text, first try to last, carries its id; the conversation names the transcript line.
    logger.set_correlation_id(outbound.outbound_id)
    logger.append_keys(conversation_id=outbound.conversation_id, seq=outbound.seq)
    attempt = int(record.attributes.approximate_receive_count or "1")
    try:
        provider_id = deps.provider.send(outbound.phone, outbound.text)
    except (SmsRecipientOptedOut, SmsRejected) as refused:
        _mark_failed(outbound, deps)
        metrics.add_metric(name="SmsRefused", unit=MetricUnit.Count, value=1)
        logger.warning("provider refused a text", extra={"reason": str(refused)})
        return
    except Exception as failure:
        # Transient or unknown (a 5xx, a timeout, throttling): the queue delivers it again after the backoff.
        _retry_later(record.receipt_handle, outbound, attempt, type(failure).__name__, deps)
        raise
    deps.log.sent(provider_id, outbound.conversation_id, outbound.seq, datetime.now(UTC))
    metrics.add_metric(name="SmsSent", unit=MetricUnit.Count, value=1)
    if attempt > 1:
        logger.info("text sent after retries", extra={"attempt": attempt})


def _retry_later(receipt_handle: str, outbound: OutboundSms, attempt: int, error: str, deps: SmsSending) -> None:
    if attempt < deps.max_attempts:
        delay = backoff_delay(attempt)
        deps.backoff(receipt_handle, delay)
        logger.warning(
            "text not sent; trying again later", extra={"attempt": attempt, "retry_in_s": delay, "error": error}
        )
        return
    # The last try: the queue moves the text to the dead-letter queue (its alarm fires); the agent sees it failed.
    _mark_failed(outbound, deps)
    metrics.add_metric(name="SmsSendFailed", unit=MetricUnit.Count, value=1)
    logger.error(
        "text not sent after every try; it goes to the dead-letter queue", extra={"attempt": attempt, "error": error}
    )


def _mark_failed(outbound: OutboundSms, deps: SmsSending) -> None:
    if outbound.conversation_id and outbound.seq:
        deps.log.mark(outbound.conversation_id, outbound.seq, "failed")


def send_in_order(event: dict[str, Any], context: LambdaContext, deps: SmsSending) -> PartialItemFailureResponse:
    return process_fifo_batch(event, context, lambda record: send_one(record, deps))


@logger.inject_lambda_context(clear_state=True)
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> PartialItemFailureResponse:
    return send_in_order(event, context, sending())
