"""The customer's side of a handoff: opening one, waiting for an agent, cancelling, asking for a callback."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import timedelta
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from core.banking import BankingBackend
from core.business_hours import BusinessCalendar
from core.handoff import (
    Handoff,
    HandoffContext,
    HandoffReason,
    HandoffStatus,
    HandoffWrite,
    QueueEstimate,
    Skill,
    describe_wait,
    priority_for,
    skill_for,
)
from core.models import Conversation, ConversationStatus, HandoffRequest, QuickReply, Reply
from core.ports import HandoffStore
from core.queue_wait import WaitEstimator
from core.redaction import redact_pii

if TYPE_CHECKING:
    from datetime import datetime


CANCEL_PAYLOAD = "/cancel_handoff"
CALLBACK_PAYLOAD = "/request_callback"
WAITING_CHOICES = (
    QuickReply(title="Request a callback", payload=CALLBACK_PAYLOAD),
    QuickReply(title="Stop waiting", payload=CANCEL_PAYLOAD),
)


@dataclass(frozen=True)
class HandoffStep:
    """What a customer turn does to the conversation's handoff: the replies, the handoff write, the new status."""

    replies: tuple[Reply, ...]
    write: HandoffWrite | None
    status: ConversationStatus
    handoff_id: str | None


@dataclass
class HandoffIntake:
    store: HandoffStore
    bank: BankingBackend
    calendar: BusinessCalendar = field(default_factory=BusinessCalendar)
    seconds_per_position: int = 180  # until waits are measured (core.queue_wait)
    max_wait: timedelta = timedelta(minutes=10)  # then the customer is offered a callback
    waits: WaitEstimator = field(init=False)

    def __post_init__(self) -> None:
        self.waits = WaitEstimator(self.store, self.seconds_per_position)

    def open(self, conversation: Conversation, request: HandoffRequest, now: datetime) -> HandoffStep:
        """Queue the conversation for a person, or log a callback when nobody is at work."""
        handoff = self._new_handoff(conversation, request, now)
        if not self.calendar.is_open(now):
            callback = handoff.model_copy(update={"status": HandoffStatus.CALLBACK})
            reply = Reply(text=self._after_hours_text(callback, now))
            return HandoffStep((reply,), HandoffWrite(None, callback), ConversationStatus.BOT, None)
        estimate = self.waits.estimate(handoff, now)
        handoff = handoff.model_copy(update={"queued_position": estimate.position})
        replies = (Reply(text=describe_wait(estimate), quick_replies=WAITING_CHOICES),)
        return HandoffStep(replies, HandoffWrite(None, handoff), ConversationStatus.QUEUED, handoff.handoff_id)

    def while_waiting(self, conversation: Conversation, text: str, cancel: bool, now: datetime) -> HandoffStep:
        """A customer message while queued: cancel, switch to a callback, or hear where they are."""
        handoff = self.store.get(conversation.handoff_id or "")
        if handoff is None or handoff.status is not HandoffStatus.WAITING:
            return HandoffStep((), None, conversation.status, conversation.handoff_id)
        if cancel or text.strip() == CANCEL_PAYLOAD:
            cancelled = handoff.moved_to(HandoffStatus.CANCELLED, closed_at=now, disposition="cancelled_by_customer")
            reply = Reply(text="OK, I've cancelled your request for a colleague. I'm here if you need anything else.")
            return HandoffStep((reply,), HandoffWrite(handoff.version, cancelled), ConversationStatus.BOT, None)
        if text.strip() == CALLBACK_PAYLOAD:
            callback = handoff.moved_to(HandoffStatus.CALLBACK)
            reply = Reply(text=f"Done: a colleague will call you back (reference {_reference(callback)}).")
            return HandoffStep((reply,), HandoffWrite(handoff.version, callback), ConversationStatus.BOT, None)
        reply = Reply(text=describe_wait(self.waits.estimate(handoff, now)), quick_replies=WAITING_CHOICES)
        return HandoffStep((reply,), None, ConversationStatus.QUEUED, handoff.handoff_id)

    def estimate_for(self, conversation: Conversation, now: datetime) -> QueueEstimate | None:
        if conversation.status is not ConversationStatus.QUEUED or not conversation.handoff_id:
            return None
        handoff = self.store.get(conversation.handoff_id)
        return self.waits.estimate(handoff, now) if handoff and handoff.status is HandoffStatus.WAITING else None

    def _new_handoff(self, conversation: Conversation, request: HandoffRequest, now: datetime) -> Handoff:
        customer = conversation.customer
        profile = self.bank.customer(customer.customer_id) if customer else None
        reason = HandoffReason(request.reason)
        state = conversation.state
        predicted = _predicted_reason(conversation.prediction)
        context = HandoffContext(
            flow=request.flow,
            slots={k: redact_pii(v) if isinstance(v, str) else v for k, v in request.slots.items()},
            sentiment=tuple(state.sentiment),
            auth_level=customer.auth_level.value if customer else "anonymous",
            customer_name=profile.name if profile else None,
            vip=bool(profile and profile.vip),
            vulnerable=bool(profile and profile.vulnerable),
            predicted_reason=predicted,
            prediction_evidence=tuple((conversation.prediction or {}).get("evidence", [])),
        )
        skill = skill_for(request.skill, state.last_intent)
        if skill is Skill.GENERAL and predicted:  # a declined card abroad goes to cards before a word is said
            skill = skill_for(None, predicted)
        return Handoff(
            handoff_id=str(uuid.uuid4()),
            conversation_id=conversation.conversation_id,
            channel=conversation.channel,
            customer_id=customer.customer_id if customer else None,
            reason=reason,
            skill=skill,
            priority=priority_for(reason, request.flow, context.vip, context.vulnerable),
            enqueued_at=now,
            context=context,
        )

    def _after_hours_text(self, handoff: Handoff, now: datetime) -> str:
        opening = self.calendar.next_opening(now).astimezone(ZoneInfo(self.calendar.timezone))
        return (
            f"Our team is available {self.calendar.describe_hours()}, so nobody can join right now. "
            f"I've logged a callback request (reference {_reference(handoff)}); a colleague will contact you "
            f"after we open at {opening:%H:%M} on {opening:%A %d %B}. I'm still here for anything I can do."
        )


def _predicted_reason(prediction: dict[str, Any] | None) -> str | None:
    """What the customer confirmed, else the unrefuted top guess; nothing once they said it was something else."""
    if not prediction:
        return None
    confirmed = prediction.get("confirmed")
    if confirmed:
        return None if confirmed == "other" else str(confirmed)
    offered = prediction.get("offered") or [None]
    return str(offered[0]) if offered[0] else None


def _reference(handoff: Handoff) -> str:
    return "H-" + handoff.handoff_id[:8].upper()
