"""Typed failures of the core; handlers map them to HTTP status codes in one place."""


class CoreError(Exception):
    """Base class: the message is safe to show to the caller."""


class ConversationNotFound(CoreError):
    def __init__(self, conversation_id: str) -> None:
        super().__init__(f"Conversation {conversation_id} does not exist")


class InvalidConversationToken(CoreError):
    def __init__(self) -> None:
        super().__init__("The conversation token is missing or does not match this conversation")


class InvalidAppToken(CoreError):
    def __init__(self, reason: str) -> None:
        super().__init__(f"The app customer token is not valid: {reason}")


class ConversationClosed(CoreError):
    def __init__(self, conversation_id: str) -> None:
        super().__init__(f"Conversation {conversation_id} is closed; start a new one")


class ConcurrentUpdate(CoreError):
    """Another turn changed the conversation between our read and our write; the caller retries."""

    def __init__(self, conversation_id: str) -> None:
        super().__init__(f"Conversation {conversation_id} changed while this message was processed")


class DuplicateMessage(CoreError):
    """This client_message_id was already processed; the first answer stands."""

    def __init__(self, client_message_id: str) -> None:
        super().__init__(f"Message {client_message_id} was already processed")
        self.client_message_id = client_message_id


class NluUnavailable(CoreError):
    def __init__(self, reason: str) -> None:
        super().__init__(f"The language-understanding service is unavailable: {reason}")


class ServiceBusy(CoreError):
    """A dependency throttled us past our retries; the caller may retry later."""

    def __init__(self, what: str) -> None:
        super().__init__(f"{what} is busy; please retry in a moment")
