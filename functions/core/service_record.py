"""How one conversation went, as the business measures it: why the customer came, who resolved it, with how
much effort, and what they thought of it.

The record lives on the conversation and is updated by every turn and agent action, so it costs no extra
read. Its milestones (resolution, reason, handoff, agent, rating, offers) are what the outcome store keeps
per conversation and what `service_metrics` turns into containment, first-contact resolution, effort and CSAT.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from core.models import QuickReply, Reply, Resolution, ServiceRecord

if TYPE_CHECKING:
    from datetime import datetime

    from core.models import NluResult

# Intents that are conversation, not a reason for contacting us.
NOT_A_REASON = frozenset(
    {"greet", "goodbye", "affirm", "deny", "thanks", "something_else", "inform", "bot_challenge", "human_handoff",
     "cancel", "help", "out_of_scope"}
)  # fmt: skip
_CLOSING = frozenset({"thanks", "goodbye"})
_MAX_INTENTS_KEPT = 20
CSAT_QUESTION = "Before you go: how would you rate this conversation, from 1 (poor) to 5 (excellent)?"
CSAT_BUTTONS = tuple(QuickReply(title=str(score), payload=str(score)) for score in range(1, 6))
CSAT_THANKS = "Thank you for your rating. Is there anything else I can help with?"


def csat_score(record: ServiceRecord, text: str) -> int | None:
    """The customer's answer to the rating question, if this message is one."""
    stripped = text.strip().rstrip(".!")
    if record.csat_asked and record.csat is None and stripped in {"1", "2", "3", "4", "5"}:
        return int(stripped)
    return None


def confident_intent(nlu: NluResult | None, threshold: float = 0.5) -> str | None:
    return nlu.intent.name if nlu and nlu.intent.confidence >= threshold else None


def after_customer_turn(
    record: ServiceRecord,
    *,
    intent: str | None,
    task_started: str | None,
    task_done: bool,
    answered: bool,
    handed_off: str | None,
    replies: tuple[Reply, ...],
    now: datetime,
) -> tuple[ServiceRecord, tuple[Reply, ...]]:
    """The record after one bot turn, and anything to add to the replies (the rating question).

    `task_started`: the flow started this turn; `task_done`: a task ended without needing a person;
    `answered`: a question was answered from the catalogue; `handed_off`: the handoff reason, if one opened.
    """
    record = record.model_copy(deep=True)
    record.customer_turns += 1
    record.first_customer_at = record.first_customer_at or now
    if intent and intent not in NOT_A_REASON:
        record.repeated += intent in record.intents
        record.intents = [*record.intents, intent][-_MAX_INTENTS_KEPT:]
        if intent in record.offers_made:  # the customer took up what we suggested after serving them
            record.offers_accepted += 1
            record.offers_made = [o for o in record.offers_made if o != intent]
    record.reason = record.reason or task_started or (intent if intent and intent not in NOT_A_REASON else None)
    if handed_off:
        record.resolution, record.handoff_reason, record.handoff_at = Resolution.HANDED_OFF, handed_off, now
    elif (task_done or answered) and record.resolution in (Resolution.OPEN, Resolution.ABANDONED):
        _resolve(record, Resolution.BOT, now)
    if task_done and replies:
        record.offers_made = sorted({*record.offers_made, *_suggested(replies[-1])})
    if intent in _CLOSING and record.resolved and not record.csat_asked:
        record.csat_asked = True
        return record, (*replies, Reply(text=CSAT_QUESTION, quick_replies=CSAT_BUTTONS))
    return record, replies


def after_rating(record: ServiceRecord, score: int, now: datetime) -> ServiceRecord:
    record = record.model_copy(update={"csat": score, "customer_turns": record.customer_turns + 1})
    record.first_customer_at = record.first_customer_at or now
    return record


def after_queue_left(record: ServiceRecord) -> ServiceRecord:
    """The customer stopped waiting for a person."""
    return record.model_copy(update={"resolution": Resolution.ABANDONED})


def after_agent_joined(record: ServiceRecord, now: datetime) -> ServiceRecord:
    return record if record.agent_joined_at else record.model_copy(update={"agent_joined_at": now})


def after_agent_resolved(record: ServiceRecord, now: datetime) -> ServiceRecord:
    """A person resolved it; the customer is asked for a rating with the agent's goodbye."""
    record = record.model_copy(update={"csat_asked": True})
    _resolve(record, Resolution.AGENT, now)
    return record


def _resolve(record: ServiceRecord, resolution: Resolution, now: datetime) -> None:
    record.resolution, record.resolved_at = resolution, now
    if record.turns_to_resolution is None:
        record.turns_to_resolution = record.customer_turns


def _suggested(reply: Reply) -> list[str]:
    """Intents the last reply of a finished task suggests next (e.g. "Make a payment" after the bill)."""
    payloads = (q.payload for q in reply.quick_replies if q.payload.startswith("/"))
    return [p[1:] for p in payloads if p[1:] not in NOT_A_REASON]
