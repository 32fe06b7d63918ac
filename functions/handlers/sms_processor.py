"""Lambda entry point of the ordered SMS queue (SQS FIFO, one message group per phone number).

Each inbound SMS is processed once: Powertools idempotency keyed by the provider's message id, with a
record kept 48 hours (providers retry for hours; SQS FIFO deduplicates for only 5 minutes). A failure
stops that phone number's later messages in the batch, so they are retried in order.
"""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING, Any

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.idempotency import (
    DynamoDBPersistenceLayer,
    IdempotencyConfig,
    idempotent_function,
)

from bootstrap import build_sms_inbox, get_settings
from channels.sms_service import InboundSms, SmsInbox
from handlers.fifo_batches import process_fifo_batch

if TYPE_CHECKING:
    from collections.abc import Callable

    from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
    from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
    from aws_lambda_powertools.utilities.typing import LambdaContext

logger = Logger()
tracer = Tracer()
metrics = Metrics()
IDEMPOTENCY_HOURS = 48


@cache
def inbox() -> SmsInbox:
    return build_sms_inbox(get_settings())


@cache
def once_per_message() -> tuple[Callable[..., list[str]], IdempotencyConfig]:
    """The inbox's `process`, made idempotent on the provider's message id (built once per cold start)."""
    config = IdempotencyConfig(event_key_jmespath="provider_message_id", expires_after_seconds=IDEMPOTENCY_HOURS * 3600)
    layer = DynamoDBPersistenceLayer(table_name=get_settings().idempotency_table)

    def process(inbound: InboundSms) -> list[str]:
        return inbox().process(inbound)

    return idempotent_function(data_keyword_argument="inbound", config=config, persistence_store=layer)(process), config


def process_in_order(
    event: dict[str, Any], context: LambdaContext, process: Callable[..., list[str]]
) -> PartialItemFailureResponse:
    """A failed text fails its sender's later texts in the batch too, so they are retried in order."""

    def record_handler(record: SQSRecord) -> None:
        inbound = InboundSms.model_validate_json(record.body)
        # The provider's id follows a text from the webhook's log line to its answer and any retry.
        logger.set_correlation_id(inbound.provider_message_id)
        # Powertools replays a stored empty result (a text answered by TwiML) as None: without the `or`, a
        # repeat of such a text failed and held back the sender's later texts until it reached the dead letters.
        sent: list[str] = process(inbound=inbound) or []
        metrics.add_metric(name="SmsProcessed", unit=MetricUnit.Count, value=1)
        logger.info("sms processed", extra={"provider_message_id": inbound.provider_message_id, "by_api": len(sent)})

    return process_fifo_batch(event, context, record_handler)


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> PartialItemFailureResponse:
    process, config = once_per_message()
    config.register_lambda_context(context)
    logger.set_correlation_id(context.aws_request_id)  # until a record names its text
    return process_in_order(event, context, process)
