"""The small interfaces the core needs from the outside world; adapters implement them."""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
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
    ) -> None:
        """Append `messages` and replace `before` by `after` atomically.

        Raises ConcurrentUpdate if the stored conversation is no longer `before`, and
        DuplicateMessage if the receipt's client_message_id was already committed.
        """
        ...

    def list_messages(self, conversation_id: str, after_seq: int, limit: int) -> list[Message]: ...

    def recent_for_customer(self, customer_id: str, limit: int = 5) -> list[ConversationSummary]:
        """The customer's conversations on every channel, newest first."""
        ...
