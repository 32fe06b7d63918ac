"""Wire models of the public chat API (web and app) and the mapping from core results to them."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

if TYPE_CHECKING:
    from core.handoff import QueueEstimate
    from core.models import Message, Reply, TurnOutcome

MAX_MESSAGE_CHARS = 2000
MAX_TRANSCRIPT_PAGE = 100

MessageText = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=MAX_MESSAGE_CHARS)]
ClientMessageId = Annotated[str, StringConstraints(min_length=1, max_length=128, pattern=r"^[A-Za-z0-9._:\-]+$")]
Status = Literal["bot", "queued", "agent", "closed"]


class WireModel(BaseModel):
    model_config = ConfigDict(extra="forbid")


class PreviousConversation(WireModel):
    conversation_id: Annotated[str, Field(pattern=r"^[0-9a-f-]{36}$")]
    token: Annotated[str, StringConstraints(min_length=1, max_length=200)]


class StartConversationRequest(WireModel):
    channel: Literal["web", "app"]
    locale: Annotated[str, Field(pattern=r"^[a-z]{2}(-[A-Z]{2})?$")] = "en"
    previous: PreviousConversation | None = Field(
        default=None, description="Web: the browser's last conversation; a recent verification there carries over"
    )


class PostMessageRequest(WireModel):
    text: MessageText = Field(description=f"What the customer typed, 1 to {MAX_MESSAGE_CHARS} characters")
    client_message_id: ClientMessageId = Field(
        description="Unique per message on the client; a retry with the same id returns the first answer"
    )


class QuickReplyBody(WireModel):
    title: str
    payload: str


class ReplyBody(WireModel):
    text: str
    quick_replies: list[QuickReplyBody] | None = None


class StartConversationResponse(WireModel):
    conversation_id: str
    token: str = Field(description="Present it as `Authorization: Bearer <token>` on every later call")
    replies: list[ReplyBody]
    status: Status


class PostMessageResponse(WireModel):
    replies: list[ReplyBody]
    status: Status


class TranscriptMessage(WireModel):
    seq: int
    role: Literal["customer", "bot", "agent", "system"]
    text: str
    created_at: datetime
    quick_replies: list[QuickReplyBody] | None = None
    author: str | None = Field(default=None, description="Agent messages: the agent's first name")
    delivery: str | None = Field(default=None, description="SMS: queued, sent, delivered, failed, undelivered")


class QueueBody(WireModel):
    position: int = Field(description="1 = next to be served")
    estimated_wait_s: int


class TranscriptResponse(WireModel):
    messages: list[TranscriptMessage]
    cursor: str = Field(description="Pass as `after` to receive only newer messages")
    status: Status
    queue: QueueBody | None = Field(default=None, description="While waiting for an agent: where the customer is")


def reply_body(reply: Reply) -> ReplyBody:
    quick = [QuickReplyBody(title=q.title, payload=q.payload) for q in reply.quick_replies]
    return ReplyBody(text=reply.text, quick_replies=quick or None)


def turn_response(outcome: TurnOutcome) -> PostMessageResponse:
    return PostMessageResponse(replies=[reply_body(r) for r in outcome.replies], status=outcome.status.value)


def transcript_message(m: Message) -> TranscriptMessage:
    return TranscriptMessage(
        seq=m.seq,
        role=m.role.value,
        text=m.text,
        created_at=m.created_at,
        quick_replies=[QuickReplyBody(title=q.title, payload=q.payload) for q in m.quick_replies] or None,
        author=m.author,
        delivery=m.delivery,
    )


def transcript_response(
    messages: list[Message], after_seq: int, status: Status, queue: QueueEstimate | None = None
) -> TranscriptResponse:
    cursor = str(messages[-1].seq if messages else after_seq)
    waiting = QueueBody(position=queue.position, estimated_wait_s=queue.estimated_wait_s) if queue else None
    return TranscriptResponse(
        messages=[transcript_message(m) for m in messages], cursor=cursor, status=status, queue=waiting
    )
