"""The agent's side of a handoff: the queue, claiming, replying on the customer's channel, and letting go.

Every action is one transition written atomically (core.handoff.HandoffChange): the handoff checked
against the version read, the conversation checked against its version, the agents' counts, and the
messages the customer sees ("Alice has joined"), so the customer's view and the queue never disagree.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from core.errors import (
    ConcurrentUpdate,
    ConversationNotFound,
    DuplicateMessage,
    HandoffAlreadyClaimed,
    HandoffChanged,
    HandoffNotFound,
    NotYourHandoff,
    ServiceBusy,
    UnknownAgent,
)
from core.handoff import (
    AgentProfile,
    Handoff,
    HandoffChange,
    HandoffStatus,
    Skill,
    TransferNote,
    describe_wait,
)
from core.handoff_intake import WAITING_CHOICES
from core.models import (
    Channel,
    Conversation,
    ConversationStatus,
    DialogueState,
    Message,
    QuickReply,
    Role,
    ServiceRecord,
    TurnOutcome,
)
from core.ports import ConversationStore, HandoffStore
from core.queue_wait import WaitEstimator
from core.redaction import redact_pii
from core.service_record import CSAT_BUTTONS, CSAT_QUESTION, after_agent_joined, after_agent_resolved

QUEUE_PAGE = 50
_MAX_ATTEMPTS = 8


def _now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class SweepReport:
    leases_expired: int
    callbacks_offered: int
    positions_texted: int = 0


@dataclass
class AgentDesk:
    handoffs: HandoffStore
    conversations: ConversationStore
    lease: timedelta = timedelta(minutes=5)  # an agent silent this long loses the claim
    max_wait: timedelta = timedelta(minutes=10)  # then the waiting customer is offered a callback
    sms_position_every: timedelta = timedelta(minutes=5)  # throttles queue-position texts
    seconds_per_position: int = 180  # until waits are measured (core.queue_wait)
    clock: Callable[[], datetime] = _now
    sleep: Callable[[float], None] = time.sleep
    # the sweeper's view of which skills exist
    skills: tuple[Skill, ...] = field(default=tuple(Skill))
    # delivers messages to channels without a feed the customer polls (SMS); None: web and app only
    notify: Callable[[Channel, str | None, tuple[Message, ...], str], None] | None = None
    observe: Callable[[Conversation, Conversation], None] | None = None  # (before, after) of each stored change
    waits: WaitEstimator = field(init=False)

    def __post_init__(self) -> None:
        self.waits = WaitEstimator(self.handoffs, self.seconds_per_position)

    def agent(self, agent_id: str) -> AgentProfile:
        profile = self.handoffs.agent(agent_id)
        if profile is None:
            raise UnknownAgent(agent_id)
        return profile

    def queue(self, agent: AgentProfile, skill: Skill | None, status: HandoffStatus) -> list[Handoff]:
        """Waiting (or callback) handoffs of the agent's skills, most urgent and then longest-waiting first;
        `claimed` lists the agent's own."""
        if status is HandoffStatus.CLAIMED:
            return self.handoffs.claimed_by(agent.agent_id, QUEUE_PAGE)
        skills = [skill] if skill else list(agent.skills)
        listing = self.handoffs.callbacks if status is HandoffStatus.CALLBACK else self.handoffs.waiting
        found = [h for s in skills if s in agent.skills for h in listing(s, QUEUE_PAGE)]
        return sorted(found, key=lambda h: (h.priority, h.enqueued_at))[:QUEUE_PAGE]

    def handoff(self, agent: AgentProfile, handoff_id: str) -> Handoff:
        """A handoff the agent may see: one of their skills, or one they hold."""
        handoff = self.handoffs.get(handoff_id)
        if handoff is None or (handoff.skill not in agent.skills and handoff.agent_id != agent.agent_id):
            raise HandoffNotFound(handoff_id)
        return handoff

    def claim(self, agent: AgentProfile, handoff_id: str) -> Handoff:
        """Claims a handoff; claiming again one the agent already holds (a retry whose answer was lost) is fine."""
        waiting: list[Handoff] = []
        try:
            claimed = self._transition(
                handoff_id, self._claim_change(agent, waiting), lost=lambda: HandoffAlreadyClaimed(handoff_id)
            )
        except _AlreadyHeld as held:
            return held.handoff
        self._measure_wait(waiting[-1], claimed)
        return claimed

    def _measure_wait(self, before: Handoff, claimed: Handoff) -> None:
        try:
            self.waits.record_claim(before, claimed.claimed_at or self.clock())
        except ServiceBusy:
            pass  # the claim is written; a measurement lost to throttling leaves the estimate to the others

    def _claim_change(
        self, agent: AgentProfile, waiting: list[Handoff]
    ) -> Callable[[Handoff, Conversation, datetime], HandoffChange]:
        """`waiting` gets the handoff as read before each try, so the winning try's wait can be measured."""

        def change(handoff: Handoff, conversation: Conversation, now: datetime) -> HandoffChange:
            waiting.append(handoff)
            if handoff.status is HandoffStatus.CLAIMED and not handoff.lease_expired(now):
                if handoff.agent_id == agent.agent_id:
                    raise _AlreadyHeld(handoff)
                raise HandoffAlreadyClaimed(handoff.handoff_id)
            claimed = handoff.moved_to(
                HandoffStatus.CLAIMED,
                agent_id=agent.agent_id,
                agent_name=agent.name,
                claimed_at=now,
                lease_expires_at=now + self.lease,
                queued_position=None,
            )
            deltas: tuple[tuple[str, int], ...] = ((agent.agent_id, 1),)
            if handoff.status is HandoffStatus.CLAIMED and handoff.agent_id:  # took over an expired lease
                deltas += ((handoff.agent_id, -1),)
            joined = f"{_first_name(agent.name)} from our team has joined the chat."
            service = after_agent_joined(conversation.service, now)
            return _with_conversation(
                handoff, claimed, conversation, ConversationStatus.AGENT, joined, now, deltas, service=service
            )

        return change

    def send(self, agent: AgentProfile, handoff_id: str, text: str, client_message_id: str) -> TurnOutcome:
        """The agent's message, on the customer's channel; idempotent by client_message_id."""
        receipt_key = f"agent:{client_message_id}"
        sent: list[TurnOutcome] = []

        def change(handoff: Handoff, conversation: Conversation, now: datetime) -> HandoffChange:
            _must_hold(agent, handoff, now)
            renewed = handoff.model_copy(update={"lease_expires_at": now + self.lease, "version": handoff.version + 1})
            seq = conversation.last_seq + 1
            message = Message(
                seq=seq, role=Role.AGENT, text=redact_pii(text), created_at=now, author=_first_name(agent.name)
            )
            after = conversation.model_copy(update={"last_seq": seq, "version": conversation.version + 1})
            sent[:] = [TurnOutcome(replies=(), status=after.status, seq=seq)]
            return HandoffChange(handoff, renewed, conversation, after, (message,), (), (receipt_key, sent[0]))

        handoff = self.handoff(agent, handoff_id)
        if receipt := self.conversations.find_receipt(handoff.conversation_id, receipt_key):
            return receipt
        try:
            self._transition(handoff_id, change, lost=lambda: NotYourHandoff(handoff_id), first=handoff)
            return sent[0]
        except DuplicateMessage:  # the same message, sent twice at once: the other one was stored
            receipt = self.conversations.find_receipt(handoff.conversation_id, receipt_key)
        if receipt is None:
            raise ConversationNotFound(handoff.conversation_id)
        return receipt

    def transfer(self, agent: AgentProfile, handoff_id: str, skill: Skill, note: str) -> Handoff:
        def change(handoff: Handoff, conversation: Conversation, now: datetime) -> HandoffChange:
            _must_hold(agent, handoff, now)
            record = TransferNote(at=now, agent_id=agent.agent_id, from_skill=handoff.skill, to_skill=skill, note=note)
            queued = _unclaimed(handoff).moved_to(HandoffStatus.WAITING, skill=skill, notes=handoff.with_note(record))
            text = f"{_first_name(agent.name)} is passing you to a colleague who specialises in this. Please stay here."
            deltas = ((agent.agent_id, -1),)
            return _with_conversation(handoff, queued, conversation, ConversationStatus.QUEUED, text, now, deltas)

        return self._transition(handoff_id, change, lost=lambda: NotYourHandoff(handoff_id))

    def release(self, agent: AgentProfile, handoff_id: str) -> Handoff:
        return self._close(agent, handoff_id, HandoffStatus.RELEASED, "released_to_bot")

    def resolve(self, agent: AgentProfile, handoff_id: str, disposition: str) -> Handoff:
        return self._close(agent, handoff_id, HandoffStatus.RESOLVED, disposition)

    def transcript(self, agent: AgentProfile, handoff_id: str, after_seq: int, limit: int) -> list[Message]:
        handoff = self.handoff(agent, handoff_id)
        return self.conversations.list_messages(handoff.conversation_id, after_seq, limit)

    def sweep(self) -> SweepReport:
        """Expired claims go back to the queue (ahead of newer handoffs: they keep their enqueue time),
        and customers waiting past the limit are offered a callback. Run every minute by a schedule."""
        now = self.clock()
        expired = offered = noticed = 0
        for skill in self.skills:
            for handoff in self.handoffs.claims_expiring_before(skill, now, QUEUE_PAGE):
                expired += self._try(handoff.handoff_id, self._expire_lease)
            for handoff in self.handoffs.waiting(skill, QUEUE_PAGE):
                if not handoff.callback_offered and now - handoff.enqueued_at >= self.max_wait:
                    offered += self._try(handoff.handoff_id, self._offer_callback)
                elif handoff.channel is Channel.SMS and self._position_due(handoff, now):
                    noticed += self._try(handoff.handoff_id, self._text_position)
        return SweepReport(leases_expired=expired, callbacks_offered=offered, positions_texted=noticed)

    def _position_due(self, handoff: Handoff, now: datetime) -> bool:
        """SMS customers can't watch a status line: they get their place by text, at most every few minutes."""
        return handoff.noticed_at is None or now - handoff.noticed_at >= self.sms_position_every

    def _text_position(self, handoff: Handoff, conversation: Conversation, now: datetime) -> HandoffChange:
        position = self.handoffs.waiting_ahead(handoff) + 1
        if handoff.status is not HandoffStatus.WAITING or position == handoff.noticed_position:
            raise HandoffChanged(handoff.handoff_id)  # nothing new to say
        noticed = handoff.model_copy(
            update={"noticed_position": position, "noticed_at": now, "version": handoff.version + 1}
        )
        text = describe_wait(self.waits.estimate_at(handoff.skill, position, now))
        return _with_conversation(handoff, noticed, conversation, ConversationStatus.QUEUED, text, now, ())

    # --- transitions ------------------------------------------------------------------------------
    def _close(self, agent: AgentProfile, handoff_id: str, status: HandoffStatus, disposition: str) -> Handoff:
        def change(handoff: Handoff, conversation: Conversation, now: datetime) -> HandoffChange:
            _must_hold(agent, handoff, now)
            closed = _unclaimed(handoff).moved_to(status, disposition=disposition, closed_at=now)
            text = f"{_first_name(agent.name)} has left the chat. You're back with the virtual assistant."
            deltas = ((agent.agent_id, -1),)
            if status is not HandoffStatus.RESOLVED:
                return _with_conversation(handoff, closed, conversation, ConversationStatus.BOT, text, now, deltas)
            service = after_agent_resolved(conversation.service, now)  # and the rating question goes with the goodbye
            return _with_conversation(
                handoff, closed, conversation, ConversationStatus.BOT, f"{text} {CSAT_QUESTION}", now, deltas,
                quick_replies=CSAT_BUTTONS, service=service,
            )  # fmt: skip

        return self._transition(handoff_id, change, lost=lambda: NotYourHandoff(handoff_id))

    def _expire_lease(self, handoff: Handoff, conversation: Conversation, now: datetime) -> HandoffChange:
        if not handoff.lease_expired(now):
            raise HandoffChanged(handoff.handoff_id)
        queued = _unclaimed(handoff).moved_to(HandoffStatus.WAITING)
        text = "Your colleague was disconnected. You keep your place in the queue; someone will be with you shortly."
        deltas = ((handoff.agent_id, -1),) if handoff.agent_id else ()
        return _with_conversation(handoff, queued, conversation, ConversationStatus.QUEUED, text, now, deltas)

    def _offer_callback(self, handoff: Handoff, conversation: Conversation, now: datetime) -> HandoffChange:
        if handoff.status is not HandoffStatus.WAITING or handoff.callback_offered:
            raise HandoffChanged(handoff.handoff_id)
        offered = handoff.model_copy(update={"callback_offered": True, "version": handoff.version + 1})
        text = "Sorry for the wait: everyone is busy. Would you like a callback instead? You'll keep your place."
        return _with_conversation(
            handoff, offered, conversation, ConversationStatus.QUEUED, text, now, (), quick_replies=WAITING_CHOICES
        )

    def _transition(
        self,
        handoff_id: str,
        change: Callable[[Handoff, Conversation, datetime], HandoffChange],
        lost: Callable[[], Exception],
        first: Handoff | None = None,
    ) -> Handoff:
        """Read, decide, write; when the conversation moved on meanwhile, read again and decide again."""
        for attempt in range(_MAX_ATTEMPTS):
            handoff = first if attempt == 0 and first else self.handoffs.get(handoff_id)
            if handoff is None:
                raise HandoffNotFound(handoff_id)
            conversation = self.conversations.get(handoff.conversation_id)
            if conversation is None:
                raise ConversationNotFound(handoff.conversation_id)
            planned = change(handoff, conversation, self.clock())
            try:
                self.handoffs.apply(planned)
            except HandoffChanged as error:
                raise lost() from error
            except ConcurrentUpdate:  # the customer wrote meanwhile: the handoff is unchanged, so try again
                self.sleep(random.uniform(0, min(0.25, 0.01 * 2**attempt)))
                continue
            if self.observe and planned.conversation_before and planned.conversation_after:
                self.observe(planned.conversation_before, planned.conversation_after)
            if self.notify and planned.messages:  # SMS customers get what the web chat shows in its feed
                self.notify(conversation.channel, conversation.phone, planned.messages, conversation.conversation_id)
            return planned.after
        raise ServiceBusy("This conversation")

    def _try(self, handoff_id: str, change: Callable[[Handoff, Conversation, datetime], HandoffChange]) -> int:
        try:
            self._transition(handoff_id, change, lost=lambda: HandoffChanged(handoff_id))
        except (HandoffChanged, HandoffNotFound, ConversationNotFound):
            return 0  # someone else moved it first, which is just as good
        return 1


class _AlreadyHeld(Exception):  # noqa: N818 - control flow, never leaves AgentDesk.claim
    def __init__(self, handoff: Handoff) -> None:
        super().__init__(handoff.handoff_id)
        self.handoff = handoff


def _with_conversation(
    before: Handoff,
    after: Handoff,
    conversation: Conversation,
    status: ConversationStatus,
    text: str,
    now: datetime,
    deltas: tuple[tuple[str, int], ...],
    quick_replies: tuple[QuickReply, ...] = (),
    service: ServiceRecord | None = None,
) -> HandoffChange:
    """The handoff's move, with the conversation's owner flipped and the customer told, in one write."""
    seq = conversation.last_seq + 1
    notice = Message(seq=seq, role=Role.SYSTEM, text=text, created_at=now, quick_replies=quick_replies)
    handoff_id = after.handoff_id if status in (ConversationStatus.QUEUED, ConversationStatus.AGENT) else None
    state = (
        conversation.state if status is not ConversationStatus.BOT else DialogueState(turns=conversation.state.turns)
    )
    updated = conversation.model_copy(
        update={
            "status": status,
            "handoff_id": handoff_id,
            "last_seq": seq,
            "version": conversation.version + 1,
            "state": state,
            "service": service or conversation.service,
        }
    )
    return HandoffChange(before, after, conversation, updated, (notice,), deltas)


def _unclaimed(handoff: Handoff) -> Handoff:
    return handoff.model_copy(
        update={"agent_id": None, "agent_name": None, "claimed_at": None, "lease_expires_at": None}
    )


def _must_hold(agent: AgentProfile, handoff: Handoff, now: datetime) -> None:
    if handoff.status is not HandoffStatus.CLAIMED or handoff.agent_id != agent.agent_id or handoff.lease_expired(now):
        raise NotYourHandoff(handoff.handoff_id)


def _first_name(name: str) -> str:
    return name.split()[0] if name.strip() else "A colleague"
