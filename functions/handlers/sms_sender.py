"""Lambda entry point of the outbound SMS queue: hands each text to the provider, retrying with backoff.

A provider that is down or throttling leaves the text in the queue for a later try (the visibility timeout
grows with each attempt); after the queue's maxReceiveCount it moves to the dead-letter queue, which an
alarm watches. A text the provider refuses for good (opted out, invalid number) is recorded as failed on
the transcript line and not retried.
"""

from __future__ import annotations

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
MAX_BACKOFF_S = 900


@cache
def sending() -> SmsSending:
    return build_sms_sending(get_settings())


def send_one(record: SQSRecord, deps: SmsSending) -> None:
    outbound = OutboundSms.model_validate_json(record.body)
    attempt = int(record.attributes.approximate_receive_count or "1")
    try:
        provider_id = deps.provider.send(outbound.phone, outbound.text)
    except (SmsRecipientOptedOut, SmsRejected) as refused:
        if outbound.conversation_id and outbound.seq:
            deps.log.mark(outbound.conversation_id, outbound.seq, "failed")
        metrics.add_metric(name="SmsRefused", unit=MetricUnit.Count, value=1)
        logger.warning("provider refused a text", extra={"outbound_id": outbound.outbound_id, "reason": str(refused)})
        return
    except Exception:
        # Transient or unknown: back off (5 s, 10 s, 20 s ... 15 min) and let SQS deliver it again.
        deps.backoff(record.receipt_handle, min(MAX_BACKOFF_S, 5 * 2 ** (attempt - 1)))
        if attempt >= deps.max_attempts:
            metrics.add_metric(name="SmsSendFailed", unit=MetricUnit.Count, value=1)
            if outbound.conversation_id and outbound.seq:
                deps.log.mark(outbound.conversation_id, outbound.seq, "failed")
        raise
    deps.log.sent(provider_id, outbound.conversation_id, outbound.seq, datetime.now(UTC))
    metrics.add_metric(name="SmsSent", unit=MetricUnit.Count, value=1)


def send_in_order(event: dict[str, Any], context: LambdaContext, deps: SmsSending) -> PartialItemFailureResponse:
    return process_fifo_batch(event, context, lambda record: send_one(record, deps))


@logger.inject_lambda_context(clear_state=True)
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> PartialItemFailureResponse:
    return send_in_order(event, context, sending())
