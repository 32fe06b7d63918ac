"""Core models: what a conversation is, independent of channel, transport and storage."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field


class Channel(StrEnum):
    WEB = "web"
    APP = "app"
    SMS = "sms"


class ConversationStatus(StrEnum):
    BOT = "bot"
    QUEUED = "queued"
    AGENT = "agent"
    CLOSED = "closed"


class Role(StrEnum):
    CUSTOMER = "customer"
    BOT = "bot"
    AGENT = "agent"
    SYSTEM = "system"


class AuthLevel(StrEnum):
    """How sure we are who the customer is: anonymous < identified (phone) < verified (app token, OTP)."""

    ANONYMOUS = "anonymous"
    IDENTIFIED = "identified"
    VERIFIED = "verified"


class Frozen(BaseModel):
    model_config = ConfigDict(frozen=True)


class QuickReply(Frozen):
    title: str
    payload: str


class Reply(Frozen):
    """A channel-neutral bot reply; renderers turn it into web/app JSON or SMS text."""

    text: str
    quick_replies: tuple[QuickReply, ...] = ()


class Entity(Frozen):
    entity: str
    value: str
    start: int | None = None
    end: int | None = None
    confidence: float | None = None


class IntentScore(Frozen):
    name: str
    confidence: float


class NluResult(Frozen):
    intent: IntentScore
    intent_ranking: tuple[IntentScore, ...] = ()
    entities: tuple[Entity, ...] = ()

    def entity_values(self, entity: str) -> list[str]:
        return [e.value for e in self.entities if e.entity == entity]


class Customer(Frozen):
    customer_id: str
    auth_level: AuthLevel


class Message(Frozen):
    """One transcript line. `text` is always stored redacted."""

    seq: int
    role: Role
    text: str
    created_at: datetime
    quick_replies: tuple[QuickReply, ...] = ()
    intent: IntentScore | None = None
    client_message_id: str | None = None
    sentiment: float | None = None  # customer messages: -1 (very negative) .. 1
    author: str | None = None  # agent messages: the agent's display name
    delivery: str | None = None  # SMS: queued, sent, delivered, failed or undelivered (the provider's word)


class HandoffRequest(BaseModel):
    """Why the bot asks for a person, reason-coded for routing and reporting (the handoff queue reads it)."""

    reason: str  # a handoff.HandoffReason
    flow: str | None = None  # the task the customer was in
    skill: str = "general"
    slots: dict[str, Any] = Field(default_factory=dict)  # what that task had collected


class DialogueState(BaseModel):
    """What the dialogue engine carries between turns; kept small (it lives on the conversation item)."""

    last_intent: str | None = None
    low_confidence_streak: int = 0
    turns: int = 0
    frames: list[dict[str, Any]] = Field(default_factory=list)  # the flow stack (engine.FlowFrame), at most 3
    verified_customer_id: str | None = None  # set by the engine when a code was right; the conversation takes it
    handoff_request: HandoffRequest | None = None  # the bot could not finish: a colleague should take over
    sentiment: list[float] = Field(default_factory=list)  # the customer's last few message scores, oldest first
    nlu_failures: int = 0  # consecutive messages the NLU could not answer
    last_task: str | None = None  # the last self-service flow started, for a later handoff's context


class Resolution(StrEnum):
    OPEN = "open"  # nothing resolved yet
    BOT = "bot"  # the bot finished a task or answered the question: contained
    HANDED_OFF = "handed_off"  # waiting for, or with, a person
    AGENT = "agent"  # a person resolved it
    ABANDONED = "abandoned"  # the customer stopped waiting for a person


class ServiceRecord(BaseModel):
    """How the conversation has gone so far, as the business measures it (core.service_record moves it on)."""

    started_by: Literal["customer", "system"] = "customer"
    proactive_rule: str | None = None  # the rule that contacted the customer first
    reason: str | None = None  # the contact reason: the first task, else the first question asked
    resolution: Resolution = Resolution.OPEN
    resolved_at: datetime | None = None
    customer_turns: int = 0
    turns_to_resolution: int | None = None  # customer messages until it was first resolved
    repeated: int = 0  # requests the customer had already made in this conversation
    intents: list[str] = Field(default_factory=list)  # the requests made so far (bounded)
    first_customer_at: datetime | None = None
    handoff_reason: str | None = None
    handoff_at: datetime | None = None
    agent_joined_at: datetime | None = None  # the first agent's claim
    csat_asked: bool = False
    csat: int | None = None
    offers_made: list[str] = Field(default_factory=list)  # intents suggested after a task was done
    offers_accepted: int = 0

    def milestone(self) -> dict[str, object]:
        """What the outcome store keeps: everything but the counters every turn moves."""
        return self.model_dump(exclude={"customer_turns", "intents"}, mode="json")

    @property
    def resolved(self) -> bool:
        return self.resolution in (Resolution.BOT, Resolution.AGENT)


class Conversation(BaseModel):
    conversation_id: str
    channel: Channel
    status: ConversationStatus = ConversationStatus.BOT
    token_hash: str
    locale: str = "en"
    customer: Customer | None = None
    created_at: datetime
    last_seq: int = 0
    version: int = 0
    state: DialogueState = Field(default_factory=DialogueState)
    handoff_id: str | None = None  # the open handoff while status is queued or agent
    verified_at: datetime | None = None  # when the customer proved who they are in this conversation
    prediction: dict[str, Any] | None = None  # reason_offers.PredictionRecord: offered reasons, then the confirmed one
    phone: str | None = None  # SMS: the customer's number (identifies, does not prove)
    service: ServiceRecord = Field(default_factory=ServiceRecord)  # how it is going, as the business measures it


class TurnOutcome(Frozen):
    """What a customer message produced: the stored replies and the conversation's status after it."""

    replies: tuple[Reply, ...]
    status: ConversationStatus
    seq: int | None = None  # where the customer's message landed in the transcript


class ConversationSummary(Frozen):
    """One of a customer's conversations, on any channel, as the bot and agents see it in a list."""

    conversation_id: str
    channel: Channel
    status: ConversationStatus
    created_at: datetime
    reason: str | None = None  # the contact reason (ServiceRecord.reason)
    handoff_reason: str | None = None
