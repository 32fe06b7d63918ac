"""Lambda entry point of the core systems' events (EventBridge bus CustomerEventsBus): onto the timeline."""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING, Any

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.parser import ValidationError, parse
from aws_lambda_powertools.utilities.parser.models import EventBridgeModel

from bootstrap import build_timeline, get_settings
from core.prediction import CustomerEvent  # noqa: TC001 - pydantic resolves the annotation at run time

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.typing import LambdaContext

    from adapters.dynamodb_timeline import DynamoTimeline

logger = Logger()
metrics = Metrics()


class CustomerEventEnvelope(EventBridgeModel):
    detail: CustomerEvent


@cache
def timeline() -> DynamoTimeline:
    return build_timeline(get_settings())


@logger.inject_lambda_context(clear_state=True)
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    try:
        envelope = parse(event=event, model=CustomerEventEnvelope)
    except ValidationError as error:
        # A malformed event can never succeed: counted and dropped (EventBridge would retry it for a day).
        logger.warning("unreadable customer event", extra={"problems": error.error_count(), "id": event.get("id")})
        metrics.add_metric(name="CustomerEventsRejected", unit=MetricUnit.Count, value=1)
        return {"stored": False}
    stored = timeline().record(envelope.detail)
    metrics.add_metric(name="CustomerEvents", unit=MetricUnit.Count, value=1)
    logger.info("customer event", extra={"kind": envelope.detail.kind, "stored": stored})
    return {"stored": stored}
