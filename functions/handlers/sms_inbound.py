"""Lambda entry point of AWS End User Messaging two-way SMS: the SNS topic's messages, onto the ordered queue."""

from __future__ import annotations

from datetime import UTC, datetime
from functools import cache
from typing import TYPE_CHECKING, Any

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit
from pydantic import ValidationError

from adapters.end_user_messaging import EndUserMessagingInbound
from bootstrap import SmsDependencies, build_sms_dependencies, get_settings
from channels.sms_service import InboundSms

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.typing import LambdaContext

logger = Logger()
metrics = Metrics()


@cache
def dependencies() -> SmsDependencies:
    return build_sms_dependencies(get_settings())


@logger.inject_lambda_context(clear_state=True)
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, int]:
    queued = rejected = 0
    logger.set_correlation_id(context.aws_request_id)  # until a record names its text
    for record in event.get("Records", []):
        try:
            payload = EndUserMessagingInbound.from_sns_record(record)
            inbound = InboundSms(
                provider_message_id=payload.inboundMessageId,
                phone=payload.originationNumber,
                text=payload.messageBody,
                received_at=datetime.now(UTC),
                provider="end_user_messaging",
            )
        except (ValidationError, KeyError, TypeError):
            # A payload that can never be processed is not retried forever; it is counted and logged (no body).
            logger.warning(
                "unreadable inbound SMS notification", extra={"sns_id": record.get("Sns", {}).get("MessageId")}
            )
            rejected += 1
            continue
        logger.set_correlation_id(inbound.provider_message_id)  # as the processor's lines for this text
        dependencies().queue.enqueue(inbound)
        queued += 1
    metrics.add_metric(name="SmsQueued", unit=MetricUnit.Count, value=queued)
    return {"queued": queued, "rejected": rejected}
