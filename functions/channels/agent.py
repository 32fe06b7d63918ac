"""Wire models of the agent API (/v1/agent/...) and the mapping from core results to them."""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING, Annotated, Any, Literal

from pydantic import Field, StringConstraints

from channels.web import ClientMessageId, MessageText, TranscriptMessage, WireModel, transcript_message
from core.handoff import HandoffStatus, Skill
from core.service_metrics import ServiceSummary

if TYPE_CHECKING:
    from core.context_pack import ContextPack
    from core.handoff import AgentProfile, Handoff
    from core.models import Message
    from core.supervision import SupervisorDay

Disposition = Literal["resolved", "resolved_with_follow_up", "callback_arranged", "no_response", "duplicate", "other"]
Note = Annotated[str, StringConstraints(strip_whitespace=True, max_length=500)]


class AgentReplyRequest(WireModel):
    text: MessageText
    client_message_id: ClientMessageId


class TransferRequest(WireModel):
    skill: Skill
    note: Note = ""


class ResolveRequest(WireModel):
    disposition: Disposition = Field(description="How the contact ended, for first-contact-resolution reporting")


class AgentBody(WireModel):
    agent_id: str
    name: str
    skills: list[Skill]
    capacity: int
    active: int
    supervisor: bool = Field(default=False, description="May read GET /v1/agent/supervisor/today")


class HandoffBody(WireModel):
    handoff_id: str
    conversation_id: str
    channel: str
    status: HandoffStatus
    skill: Skill
    priority: int = Field(description="0 urgent, 1 high, 2 normal")
    reason: str
    enqueued_at: datetime
    waiting_s: int
    customer_name: str | None
    vulnerable: bool
    vip: bool
    agent_name: str | None
    lease_expires_at: datetime | None


class SkillQueueBody(WireModel):
    skill: Skill
    waiting: int
    urgent: int = Field(description="Of those waiting, the urgent ones (complaint, frustration, vulnerable)")
    longest_wait_s: int
    callbacks: int
    with_agent: int
    capped: bool = Field(description="A listing reached its page limit: the counts are at least these")


class SupervisorTodayResponse(WireModel):
    day: date = Field(description="The UTC day the figures cover, from midnight until `generated_at`")
    generated_at: datetime
    # The one definition of every figure is core.service_metrics; the page and the report read the same model.
    summary: ServiceSummary
    contacts_by_hour: list[int] = Field(description="Contacts started in each UTC hour of the day, 0 to 23")
    queues: list[SkillQueueBody]
    contacts_read: int
    truncated: bool = Field(description="More contacts today than one call reads: the figures cover `contacts_read`")


class QueueResponse(WireModel):
    handoffs: list[HandoffBody]


class ReplySentResponse(WireModel):
    seq: int | None


class MessagesResponse(WireModel):
    messages: list[TranscriptMessage]
    cursor: str


class ContextPackResponse(WireModel):
    handoff: HandoffBody
    summary: str
    transcript: list[TranscriptMessage]
    intents: list[dict[str, Any]]
    sentiment: list[dict[str, Any]]
    frustrated: bool
    flow: str | None
    slots: dict[str, Any]
    customer: dict[str, Any] | None
    recent_conversations: list[dict[str, Any]]
    evidence: list[str]
    suggestions: list[dict[str, Any]]
    notes: list[dict[str, Any]]


def agent_body(profile: AgentProfile, supervisor: bool = False) -> AgentBody:
    return AgentBody(
        agent_id=profile.agent_id,
        name=profile.name,
        skills=list(profile.skills),
        capacity=profile.capacity,
        active=profile.active,
        supervisor=supervisor,
    )


def handoff_body(handoff: Handoff, now: datetime) -> HandoffBody:
    return HandoffBody(
        handoff_id=handoff.handoff_id,
        conversation_id=handoff.conversation_id,
        channel=handoff.channel.value,
        status=handoff.status,
        skill=handoff.skill,
        priority=int(handoff.priority),
        reason=handoff.reason.value,
        enqueued_at=handoff.enqueued_at,
        waiting_s=max(0, int((now - handoff.enqueued_at).total_seconds())),
        customer_name=handoff.context.customer_name,
        vulnerable=handoff.context.vulnerable,
        vip=handoff.context.vip,
        agent_name=handoff.agent_name,
        lease_expires_at=handoff.lease_expires_at,
    )


def messages_response(messages: list[Message], after_seq: int) -> MessagesResponse:
    cursor = str(messages[-1].seq if messages else after_seq)
    return MessagesResponse(messages=[transcript_message(m) for m in messages], cursor=cursor)


def context_pack_response(pack: ContextPack, now: datetime) -> ContextPackResponse:
    plain = pack.model_dump(mode="json")
    return ContextPackResponse(
        handoff=handoff_body(pack.handoff, now),
        summary=pack.summary,
        transcript=[
            TranscriptMessage(seq=m.seq, role=m.role.value, text=m.text, created_at=m.created_at, author=m.author)
            for m in pack.transcript
        ],
        intents=plain["intents"],
        sentiment=plain["sentiment"],
        frustrated=pack.frustrated,
        flow=pack.flow,
        slots=plain["slots"],
        customer=plain["customer"],
        recent_conversations=plain["recent_conversations"],
        evidence=list(pack.evidence),
        suggestions=plain["suggestions"],
        notes=plain["handoff"]["notes"],
    )


def supervisor_today_response(day: SupervisorDay) -> SupervisorTodayResponse:
    return SupervisorTodayResponse(
        day=day.day,
        generated_at=day.generated_at,
        summary=day.summary,
        contacts_by_hour=list(day.contacts_by_hour),
        queues=[SkillQueueBody.model_validate(q.model_dump()) for q in day.queues],
        contacts_read=day.outcomes_read,
        truncated=day.truncated,
    )
