"""Handoffs: what the bot could not finish, queued for a person with the context to finish it.

A handoff's life is a small state machine; every transition is one conditional write (the store
checks the version read), so two agents claiming one handoff, or a customer cancelling while an
agent claims, can never both win.

    waiting ──claim──> claimed ──resolve──> resolved      (back to the bot)
       │  ^               │ ──release──> released         (back to the bot)
       │  └──transfer / lease expiry──┘
       ├──cancel (customer)──> cancelled                  (back to the bot)
       └──no agent in time / after hours──> callback ──claim──> claimed
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import IntEnum, StrEnum
from typing import Any

from pydantic import BaseModel, Field

from core.errors import IllegalHandoffTransition
from core.models import Channel, Conversation, Frozen, Message, TurnOutcome

MAX_NOTES = 5
MAX_SNAPSHOT_INTENTS = 10


class Skill(StrEnum):
    CARDS = "cards"
    PAYMENTS_DISPUTES = "payments_disputes"
    INSURANCE_CLAIMS = "insurance_claims"
    LOANS = "loans"
    GENERAL = "general"


class HandoffReason(StrEnum):
    CUSTOMER_ASKED = "customer_asked"
    LOW_CONFIDENCE = "low_confidence"
    FLOW_GAVE_UP = "flow_gave_up"
    NEGATIVE_SENTIMENT = "negative_sentiment"
    COMPLAINT = "complaint"
    SENSITIVE_CHANGE = "sensitive_change"
    BUSINESS_RULE = "business_rule"
    NLU_UNAVAILABLE = "nlu_unavailable"
    BACKEND_UNAVAILABLE = "backend_unavailable"


class HandoffStatus(StrEnum):
    WAITING = "waiting"
    CLAIMED = "claimed"
    CALLBACK = "callback"
    RESOLVED = "resolved"
    RELEASED = "released"
    CANCELLED = "cancelled"


class Priority(IntEnum):
    """Lower is served first; inside a priority, the longest-waiting handoff first."""

    URGENT = 0  # a complaint, rising frustration, or a vulnerable customer
    HIGH = 1  # a VIP customer, or money or a card at risk
    NORMAL = 2


OPEN = frozenset({HandoffStatus.WAITING, HandoffStatus.CLAIMED, HandoffStatus.CALLBACK})
_ALLOWED = {
    HandoffStatus.WAITING: {HandoffStatus.CLAIMED, HandoffStatus.CANCELLED, HandoffStatus.CALLBACK},
    HandoffStatus.CALLBACK: {HandoffStatus.CLAIMED, HandoffStatus.CANCELLED},
    HandoffStatus.CLAIMED: {
        HandoffStatus.CLAIMED,  # another agent takes over an expired lease
        HandoffStatus.WAITING,  # transferred, or the lease expired
        HandoffStatus.RESOLVED,
        HandoffStatus.RELEASED,
    },
}
_URGENT_REASONS = {HandoffReason.COMPLAINT, HandoffReason.NEGATIVE_SENTIMENT}
_AT_RISK_FLOWS = {"lost_card", "dispute_transaction", "freeze_card", "card_declined"}
# Skills by the intent last understood, when the customer was not in a flow.
_INTENT_SKILLS = {
    "card_bill": Skill.CARDS,
    "lost_card": Skill.CARDS,
    "freeze_card": Skill.CARDS,
    "activate_card": Skill.CARDS,
    "card_declined": Skill.CARDS,
    "change_pin": Skill.CARDS,
    "foreign_fees": Skill.CARDS,
    "make_payment": Skill.PAYMENTS_DISPUTES,
    "dispute_transaction": Skill.PAYMENTS_DISPUTES,
    "refund_not_showing": Skill.PAYMENTS_DISPUTES,
    "transfer_status": Skill.PAYMENTS_DISPUTES,
    "claim_status": Skill.INSURANCE_CLAIMS,
    "file_claim": Skill.INSURANCE_CLAIMS,
    "policy_coverage": Skill.INSURANCE_CLAIMS,
    "loan_repayment": Skill.LOANS,
}


def skill_for(flow_skill: str | None, last_intent: str | None) -> Skill:
    """The team that can finish the task: the flow's skill, else the one the last intent points to."""
    if flow_skill and flow_skill in {s.value for s in Skill}:
        return Skill(flow_skill)
    return _INTENT_SKILLS.get(last_intent or "", Skill.GENERAL)


def priority_for(reason: HandoffReason, flow: str | None, vip: bool, vulnerable: bool) -> Priority:
    if reason in _URGENT_REASONS or vulnerable:
        return Priority.URGENT
    if vip or flow in _AT_RISK_FLOWS:
        return Priority.HIGH
    return Priority.NORMAL


class IntentRecord(Frozen):
    seq: int
    intent: str
    confidence: float


class HandoffContext(Frozen):
    """What the bot knew at the moment of handoff; bounded (a few slots, the last intents and scores)."""

    flow: str | None = None
    flow_description: str | None = None
    slots: dict[str, Any] = Field(default_factory=dict)
    intents: tuple[IntentRecord, ...] = ()
    sentiment: tuple[float, ...] = ()
    auth_level: str = "anonymous"
    customer_name: str | None = None
    vip: bool = False
    vulnerable: bool = False
    predicted_reason: str | None = None  # what the prediction offered first, and its facts
    prediction_evidence: tuple[str, ...] = ()


class TransferNote(Frozen):
    at: datetime
    agent_id: str
    from_skill: Skill
    to_skill: Skill
    note: str = Field(max_length=500)


class Handoff(BaseModel):
    handoff_id: str
    conversation_id: str
    channel: Channel
    customer_id: str | None = None
    reason: HandoffReason
    skill: Skill
    priority: Priority
    status: HandoffStatus = HandoffStatus.WAITING
    enqueued_at: datetime  # kept across transfers and lease expiry, so the handoff keeps its place
    queued_position: int | None = None  # the place given when queued; the first claim measures it (core.queue_wait)
    version: int = 0
    agent_id: str | None = None
    agent_name: str | None = None
    claimed_at: datetime | None = None
    lease_expires_at: datetime | None = None
    callback_offered: bool = False
    noticed_position: int | None = None  # SMS: the queue position last texted to the customer, and when
    noticed_at: datetime | None = None
    disposition: str | None = None
    closed_at: datetime | None = None
    notes: list[TransferNote] = Field(default_factory=list)
    context: HandoffContext = Field(default_factory=HandoffContext)

    @property
    def is_open(self) -> bool:
        return self.status in OPEN

    def lease_expired(self, now: datetime) -> bool:
        return self.status is HandoffStatus.CLAIMED and (self.lease_expires_at is None or self.lease_expires_at <= now)

    def moved_to(self, status: HandoffStatus, **changes: Any) -> Handoff:
        """The next version of this handoff; raises IllegalHandoffTransition for a move the machine forbids."""
        if status not in _ALLOWED.get(self.status, set()):
            raise IllegalHandoffTransition(self.handoff_id, self.status.value, status.value)
        return self.model_copy(update={**changes, "status": status, "version": self.version + 1})

    def with_note(self, note: TransferNote) -> list[TransferNote]:
        return [*self.notes, note][-MAX_NOTES:]


class AgentProfile(Frozen):
    agent_id: str  # the identity provider's subject
    username: str
    name: str
    skills: tuple[Skill, ...]
    capacity: int = Field(ge=1, le=20)  # conversations held at once
    active: int = 0  # how many they hold now; the claim's conditional write keeps it <= capacity


@dataclass(frozen=True)
class HandoffChange:
    """One transition, written atomically: the handoff (checked against the version read), and with it
    the conversation (also version-checked), messages to the customer, agents' counts and a receipt."""

    before: Handoff
    after: Handoff
    conversation_before: Conversation | None = None
    conversation_after: Conversation | None = None
    messages: tuple[Message, ...] = ()
    agent_deltas: tuple[tuple[str, int], ...] = ()
    receipt: tuple[str, TurnOutcome] | None = None


@dataclass(frozen=True)
class HandoffWrite:
    """A handoff written with a customer's turn: new (`before_version` None) or the next version of one."""

    before_version: int | None
    after: Handoff


class QueueEstimate(Frozen):
    position: int  # 1 = next to be served
    estimated_wait_s: int


def estimate_wait(position: int, seconds_per_position: int) -> QueueEstimate:
    return QueueEstimate(position=position, estimated_wait_s=position * seconds_per_position)


def describe_wait(estimate: QueueEstimate) -> str:
    minutes = max(1, round(estimate.estimated_wait_s / 60))
    place = "next" if estimate.position == 1 else f"number {estimate.position}"
    return f"You're {place} in the queue; the wait is about {minutes} minute{'s' if minutes != 1 else ''}."


def lease_until(now: datetime, lease: timedelta) -> datetime:
    return now + lease
