"""Lambda entry point of the core systems' events (EventBridge bus CustomerEventsBus): onto the timeline, and
to the proactive rules, which may contact the customer first."""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING, Any

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.parser import ValidationError, parse
from aws_lambda_powertools.utilities.parser.models import EventBridgeModel

from bootstrap import build_proactive, build_timeline, get_settings
from core.prediction import CustomerEvent  # noqa: TC001 - pydantic resolves the annotation at run time

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.typing import LambdaContext

    from adapters.dynamodb_timeline import DynamoTimeline
    from core.proactive import ProactiveService

logger = Logger()
metrics = Metrics()


class CustomerEventEnvelope(EventBridgeModel):
    detail: CustomerEvent


@cache
def timeline() -> DynamoTimeline:
    return build_timeline(get_settings())


@cache
def proactive() -> ProactiveService:
    return build_proactive(get_settings())


@logger.inject_lambda_context(clear_state=True, correlation_id_path=correlation_paths.EVENT_BRIDGE)
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    try:
        envelope = parse(event=event, model=CustomerEventEnvelope)
    except ValidationError as error:
        # A malformed event can never succeed: counted and dropped (EventBridge would retry it for a day).
        logger.warning("unreadable customer event", extra={"problems": error.error_count(), "id": event.get("id")})
        metrics.add_metric(name="CustomerEventsRejected", unit=MetricUnit.Count, value=1)
        return {"stored": False}
    customer_event = envelope.detail
    logger.append_keys(event_id=customer_event.event_id)
    stored = timeline().record(customer_event)
    metrics.add_metric(name="CustomerEvents", unit=MetricUnit.Count, value=1)
    # A redelivered event is considered again: the ledger's once-per-event write keeps it from repeating.
    outreach = proactive().consider(customer_event)
    for done in outreach:
        metrics.add_metric(name=f"ProactiveOutreach_{done.status}", unit=MetricUnit.Count, value=1)
    logger.info(
        "customer event",
        extra={"kind": customer_event.kind, "stored": stored, "outreach": [(o.rule, o.status) for o in outreach]},
    )
    return {"stored": stored, "outreach": [o.status for o in outreach]}
