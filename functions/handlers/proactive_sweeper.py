"""Lambda entry point run every 5 minutes (EventBridge Scheduler): texts deferred by quiet hours go out."""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING, Any

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit

from bootstrap import build_proactive, get_settings

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.typing import LambdaContext

    from core.proactive import ProactiveService

logger = Logger()
metrics = Metrics()


@cache
def proactive() -> ProactiveService:
    return build_proactive(get_settings())


@logger.inject_lambda_context(clear_state=True)
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    logger.set_correlation_id(event.get("id") or context.aws_request_id)  # a scheduled run has no request
    sent = proactive().send_due()
    metrics.add_metric(name="DeferredOutreachSent", unit=MetricUnit.Count, value=sent)
    if sent:
        logger.info("deferred outreach sent", extra={"sent": sent})
    return {"sent": sent}
