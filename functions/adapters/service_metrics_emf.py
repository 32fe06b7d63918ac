"""Service milestones as CloudWatch metrics (embedded metric format through Powertools).

Metrics instances share one set per process, so what this adds is flushed by the handler's `log_metrics`.
Per-reason and per-channel figures use `single_metric`, whose dimensions apply to that metric alone.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from aws_lambda_powertools import Metrics
from aws_lambda_powertools.metrics import MetricUnit, single_metric

from core.models import Resolution
from core.service_metrics import ConversationOutcome

if TYPE_CHECKING:
    from core.models import Conversation

_metrics = Metrics()
_RESOLUTION_METRIC = {
    Resolution.BOT: "ContactsContained",
    Resolution.AGENT: "ContactsResolvedByAgent",
    Resolution.ABANDONED: "HandoffsAbandoned",
}


def emit_milestones(previous: Conversation, current: Conversation) -> None:
    """The metrics of what changed between two versions of a conversation (after they were stored)."""
    before, after = previous.service, current.service
    outcome = ConversationOutcome.of(current)
    if (previous.prediction or {}).get("confirmed") is None:
        _emit_prediction(outcome)
    if after.resolution is not before.resolution:
        if name := _RESOLUTION_METRIC.get(after.resolution):
            _metrics.add_metric(name=name, unit=MetricUnit.Count, value=1)
        if after.resolution is Resolution.HANDED_OFF and after.handoff_reason:
            _by("Handoffs", "reason", after.handoff_reason, 1, MetricUnit.Count)
    if after.csat is not None and before.csat is None:
        _by("CsatRating", "channel", outcome.channel.value, after.csat, MetricUnit.NoUnit)
    if after.agent_joined_at and not before.agent_joined_at and after.handoff_at:
        waited = (after.agent_joined_at - after.handoff_at).total_seconds()
        _metrics.add_metric(name="TimeToAgent", unit=MetricUnit.Seconds, value=waited)
    if after.resolution is Resolution.AGENT and before.resolution is not Resolution.AGENT and after.agent_joined_at:
        handled = ((after.resolved_at or after.agent_joined_at) - after.agent_joined_at).total_seconds()
        _metrics.add_metric(name="HandleTime", unit=MetricUnit.Seconds, value=handled)
    if after.offers_accepted > before.offers_accepted:
        _metrics.add_metric(name="OffersAccepted", unit=MetricUnit.Count, value=1)


def _emit_prediction(outcome: ConversationOutcome) -> None:
    """A first-turn prediction the customer has just confirmed or contradicted."""
    if outcome.predicted and outcome.confirmed:
        hit = 1 if outcome.confirmed == outcome.predicted[0] else 0
        _metrics.add_metric(name="PredictionsJudged", unit=MetricUnit.Count, value=1)
        _metrics.add_metric(name="PredictionTop1Hits", unit=MetricUnit.Count, value=hit)


def _by(name: str, dimension: str, value: str, amount: float, unit: MetricUnit) -> None:
    with single_metric(name=name, unit=unit, value=amount, namespace=_metrics.namespace) as metric:
        metric.add_dimension(name=dimension, value=value)
