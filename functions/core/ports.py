"""The small interfaces the core needs from the outside world; adapters implement them."""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from datetime import datetime

    from core.handoff import AgentProfile, Handoff, HandoffChange, HandoffWrite, Skill
    from core.models import Conversation, ConversationSummary, Message, NluResult, TurnOutcome


class NluClient(Protocol):
    def parse(self, text: str) -> NluResult:
        """Classify `text`; raises NluUnavailable when the model cannot answer."""
        ...


class ConversationStore(Protocol):
    def create(self, conversation: Conversation, messages: list[Message]) -> None: ...

    def get(self, conversation_id: str) -> Conversation | None: ...

    def find_receipt(self, conversation_id: str, client_message_id: str) -> TurnOutcome | None: ...

    def commit_turn(
        self,
        before: Conversation,
        after: Conversation,
        messages: list[Message],
        receipt: tuple[str, TurnOutcome] | None,
        handoff: HandoffWrite | None = None,
    ) -> None:
        """Append `messages` and replace `before` by `after` atomically, with the handoff if given.

        Raises ConcurrentUpdate if the stored conversation is no longer `before` (or the handoff is no
        longer the version read), and DuplicateMessage if the receipt's client_message_id was already committed.
        """
        ...

    def list_messages(self, conversation_id: str, after_seq: int, limit: int) -> list[Message]: ...

    def recent_for_customer(self, customer_id: str, limit: int = 5) -> list[ConversationSummary]:
        """The customer's conversations on every channel, newest first."""
        ...


class HandoffStore(Protocol):
    def get(self, handoff_id: str) -> Handoff | None: ...

    def waiting(self, skill: Skill, limit: int) -> list[Handoff]:
        """Waiting handoffs of a skill, by priority and then by time enqueued."""
        ...

    def callbacks(self, skill: Skill, limit: int) -> list[Handoff]: ...

    def claims_expiring_before(self, skill: Skill, moment: datetime, limit: int) -> list[Handoff]: ...

    def claimed_by(self, agent_id: str, limit: int) -> list[Handoff]: ...

    def waiting_ahead(self, handoff: Handoff) -> int: ...

    def record_queue_wait(self, skill: Skill, seconds_per_place: float, at: datetime) -> None:
        """One measured wait, per place in the queue, of a customer of this skill."""
        ...

    def queue_waits(self, skill: Skill, since: datetime) -> tuple[int, float]:
        """How many waits were measured for this skill since then, and the sum of their seconds per place."""
        ...

    def agent(self, agent_id: str) -> AgentProfile | None: ...

    def add_agent(self, profile: AgentProfile) -> None: ...

    def apply(self, change: HandoffChange) -> None:
        """Write the transition atomically; raises HandoffChanged, ConcurrentUpdate, AgentAtCapacity or
        DuplicateMessage when the handoff, the conversation, an agent's capacity or the receipt forbid it."""
        ...
