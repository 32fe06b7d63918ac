"""Scheduled every minute: expired agent claims go back to the queue, long waits are offered a callback."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit

from handlers.agent_api import dependencies

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.typing import LambdaContext

logger = Logger()
metrics = Metrics()


@logger.inject_lambda_context(clear_state=True)
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, int]:
    logger.set_correlation_id(event.get("id") or context.aws_request_id)  # a scheduled run has no request
    report = dependencies().desk.sweep()
    metrics.add_metric(name="LeasesExpired", unit=MetricUnit.Count, value=report.leases_expired)
    metrics.add_metric(name="CallbacksOffered", unit=MetricUnit.Count, value=report.callbacks_offered)
    metrics.add_metric(name="QueuePositionsTexted", unit=MetricUnit.Count, value=report.positions_texted)
    summary = {
        "leases_expired": report.leases_expired,
        "callbacks_offered": report.callbacks_offered,
        "positions_texted": report.positions_texted,
    }
    logger.info("swept", extra=summary)
    return summary
