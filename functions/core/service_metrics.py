"""The contact centre's figures from conversation outcomes, defined once for the report, the supervisor page
and the tests.

Definitions (a "contact" is one conversation; its reason is the first task or question, see service_record):
- containment: contacts resolved by the bot / contacts in which the customer wrote at least once.
- handoff rate: contacts handed to a person / contacts with a customer message; by reason code as well.
- first-contact resolution (FCR): a resolved contact of an identified customer counts as resolved first time
  when the same customer makes no new contact about the same reason, on any channel, within 7 days after it
  started. Contacts of anonymous customers cannot be linked and are left out.
- customer effort of a resolved contact: counted over its episode, that is every contact of the customer
  about the same reason in the 7 days up to and including it: customer turns until resolution, elapsed time
  from the episode's first contact to the resolution, channel switches between consecutive contacts, and
  repeated requests.
- prediction accuracy: of the contacts where a reason was offered before the customer typed and they then
  showed what they wanted, the share where it was the first offered (top-1) or one of those offered.
- proactive share: contacts we started (proactive outreach) / all contacts.
- CSAT: mean of the 1-5 ratings, and the share of contacts asked that answered.
- time to agent: handoff to the first agent's claim; handle time: that claim to the agent's resolution.
- value: suggestions made after a task was done that the customer took up / suggestions made.
"""

from __future__ import annotations

import statistics
from collections import Counter, defaultdict
from datetime import datetime, timedelta
from typing import Any

from pydantic import BaseModel

from core.models import Channel, Conversation, Frozen, Resolution, ServiceRecord

FCR_WINDOW = timedelta(days=7)


class ConversationOutcome(Frozen):
    """What the outcome store keeps per conversation."""

    conversation_id: str
    channel: Channel
    customer_id: str | None = None
    created_at: datetime
    service: ServiceRecord
    predicted: tuple[str, ...] = ()  # the reasons offered before the customer typed, most likely first
    confirmed: str | None = None  # what the customer then pursued ("other" when none of ours)

    @classmethod
    def of(cls, conversation: Conversation) -> ConversationOutcome:
        prediction = conversation.prediction or {}
        return cls(
            conversation_id=conversation.conversation_id,
            channel=conversation.channel,
            customer_id=conversation.customer.customer_id if conversation.customer else None,
            created_at=conversation.created_at,
            service=conversation.service,
            predicted=tuple(prediction.get("offered", ())),
            confirmed=prediction.get("confirmed"),
        )


class Effort(Frozen):
    turns: int
    elapsed_s: float
    channel_switches: int
    repeated: int


class ServiceSummary(BaseModel):
    contacts: int
    engaged: int  # contacts in which the customer wrote at least once
    containment: float | None
    handoff_rate: float | None
    handoffs_by_reason: dict[str, int]
    fcr: float | None
    fcr_by_reason: dict[str, float]
    effort_turns_median: float | None
    effort_elapsed_s_median: float | None
    channel_switch_share: float | None  # resolved episodes that crossed channels
    repeated_share: float | None  # resolved contacts with a repeated request
    prediction_top1: float | None
    prediction_any: float | None
    predictions_judged: int
    proactive_share: float | None
    csat_mean: float | None
    csat_response_rate: float | None
    csat_distribution: dict[int, int]
    time_to_agent_s_median: float | None
    handle_time_s_median: float | None
    offers_accepted_share: float | None
    reasons: dict[str, int]


def _share(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def _median(values: list[float]) -> float | None:
    return round(statistics.median(values), 1) if values else None


def first_contact_resolved(outcome: ConversationOutcome, history: list[ConversationOutcome]) -> bool | None:
    """None when FCR does not apply (unresolved, anonymous or no reason); `history`: the customer's contacts."""
    service = outcome.service
    if not (service.resolved and outcome.customer_id and service.reason):
        return None
    window_end = outcome.created_at + FCR_WINDOW
    return not any(
        other.conversation_id != outcome.conversation_id
        and other.service.reason == service.reason
        and outcome.created_at < other.created_at <= window_end
        for other in history
    )


def effort(outcome: ConversationOutcome, history: list[ConversationOutcome]) -> Effort | None:
    """The effort of a resolved contact over its episode (same customer and reason, the 7 days before it)."""
    service = outcome.service
    if not service.resolved or service.resolved_at is None:
        return None
    episode = [outcome]
    if outcome.customer_id and service.reason:
        earlier = [
            o
            for o in history
            if o.conversation_id != outcome.conversation_id
            and o.service.reason == service.reason
            and outcome.created_at - FCR_WINDOW <= o.created_at < outcome.created_at
        ]
        episode = sorted([*earlier, outcome], key=lambda o: o.created_at)
    turns = sum(_turns(o) for o in episode)
    switches = sum(a.channel != b.channel for a, b in zip(episode, episode[1:], strict=False))
    elapsed = (service.resolved_at - episode[0].created_at).total_seconds()
    return Effort(
        turns=turns, elapsed_s=elapsed, channel_switches=switches, repeated=sum(o.service.repeated for o in episode)
    )


def _turns(outcome: ConversationOutcome) -> int:
    service = outcome.service
    return service.turns_to_resolution if service.turns_to_resolution is not None else service.customer_turns


def summarize(outcomes: list[ConversationOutcome], history: list[ConversationOutcome] | None = None) -> ServiceSummary:
    """The figures over `outcomes`; `history` adds contacts outside them (the following week, for FCR)."""
    by_customer: dict[str, list[ConversationOutcome]] = defaultdict(list)
    for outcome in {o.conversation_id: o for o in [*outcomes, *(history or [])]}.values():
        if outcome.customer_id:
            by_customer[outcome.customer_id].append(outcome)
    engaged = [o for o in outcomes if o.service.first_customer_at is not None]
    resolved = [o for o in engaged if o.service.resolved]
    handed = [o for o in engaged if o.service.handoff_reason]
    fcr_pairs = [(o, first_contact_resolved(o, by_customer.get(o.customer_id or "", []))) for o in resolved]
    fcr_known = [(o, fcr) for o, fcr in fcr_pairs if fcr is not None]
    efforts = [e for o in resolved if (e := effort(o, by_customer.get(o.customer_id or "", [])))]
    return ServiceSummary(
        contacts=len(outcomes),
        engaged=len(engaged),
        containment=_share(sum(o.service.resolution is Resolution.BOT for o in engaged), len(engaged)),
        handoff_rate=_share(len(handed), len(engaged)),
        handoffs_by_reason=dict(Counter(o.service.handoff_reason for o in handed if o.service.handoff_reason)),
        fcr=_share(sum(bool(f) for _, f in fcr_known), len(fcr_known)),
        fcr_by_reason=_fcr_by_reason(fcr_known),
        effort_turns_median=_median([e.turns for e in efforts]),
        effort_elapsed_s_median=_median([e.elapsed_s for e in efforts]),
        channel_switch_share=_share(sum(e.channel_switches > 0 for e in efforts), len(efforts)),
        repeated_share=_share(sum(e.repeated > 0 for e in efforts), len(efforts)),
        **_prediction(engaged),
        proactive_share=_share(sum(o.service.started_by == "system" for o in outcomes), len(outcomes)),
        **_csat(outcomes),
        **_agent_times(handed),
        offers_accepted_share=_share(
            sum(o.service.offers_accepted for o in engaged),
            sum(o.service.offers_accepted + len(o.service.offers_made) for o in engaged),
        ),
        reasons=dict(Counter(o.service.reason or "unknown" for o in engaged).most_common()),
    )


def _fcr_by_reason(known: list[tuple[ConversationOutcome, bool]]) -> dict[str, float]:
    groups: dict[str, list[bool]] = defaultdict(list)
    for outcome, fcr in known:
        groups[outcome.service.reason or "unknown"].append(bool(fcr))
    return {reason: round(sum(v) / len(v), 4) for reason, v in sorted(groups.items())}


def _prediction(engaged: list[ConversationOutcome]) -> dict[str, Any]:
    judged = [o for o in engaged if o.predicted and o.confirmed]
    return {
        "prediction_top1": _share(sum(o.confirmed == o.predicted[0] for o in judged), len(judged)),
        "prediction_any": _share(sum(o.confirmed in o.predicted for o in judged), len(judged)),
        "predictions_judged": len(judged),
    }


def _csat(outcomes: list[ConversationOutcome]) -> dict[str, Any]:
    scores = [o.service.csat for o in outcomes if o.service.csat is not None]
    asked = sum(o.service.csat_asked for o in outcomes)
    return {
        "csat_mean": round(statistics.mean(scores), 2) if scores else None,
        "csat_response_rate": _share(len(scores), asked),
        "csat_distribution": {score: scores.count(score) for score in range(1, 6)},
    }


def _agent_times(handed: list[ConversationOutcome]) -> dict[str, Any]:
    to_agent, handling = [], []
    for outcome in handed:
        service = outcome.service
        if service.handoff_at and service.agent_joined_at:
            to_agent.append((service.agent_joined_at - service.handoff_at).total_seconds())
        if service.agent_joined_at and service.resolved_at and service.resolution is Resolution.AGENT:
            handling.append((service.resolved_at - service.agent_joined_at).total_seconds())
    return {"time_to_agent_s_median": _median(to_agent), "handle_time_s_median": _median(handling)}
