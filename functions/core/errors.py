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


class InvalidAgentToken(CoreError):
    """An agent access token that does not prove who the agent is: the caller must sign in again."""

    def __init__(self, reason: str) -> None:
        super().__init__(f"The agent access token is not valid: {reason}")


class AgentSignInUnavailable(CoreError):
    """The user pool's signing keys could not be fetched, so no agent token can be checked; retry later."""

    def __init__(self, reason: str) -> None:
        super().__init__(f"Agent sign-in is unavailable: {reason}")


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


class HandoffNotFound(CoreError):
    def __init__(self, handoff_id: str) -> None:
        super().__init__(f"Handoff {handoff_id} does not exist")


class IllegalHandoffTransition(CoreError):
    """A move the handoff state machine forbids, e.g. resolving a handoff nobody claimed."""

    def __init__(self, handoff_id: str, current: str, wanted: str) -> None:
        super().__init__(f"Handoff {handoff_id} is {current}; it cannot become {wanted}")


class HandoffAlreadyClaimed(CoreError):
    def __init__(self, handoff_id: str) -> None:
        super().__init__(f"Handoff {handoff_id} was claimed by another agent")


class HandoffChanged(CoreError):
    """The handoff changed between our read and our write (another agent, the customer, or a lease expiry)."""

    def __init__(self, handoff_id: str) -> None:
        super().__init__(f"Handoff {handoff_id} changed meanwhile; reload it and try again")


class NotYourHandoff(CoreError):
    def __init__(self, handoff_id: str) -> None:
        super().__init__(f"Handoff {handoff_id} is not claimed by you (or your claim has expired)")


class AgentAtCapacity(CoreError):
    def __init__(self) -> None:
        super().__init__("You already hold as many conversations as your capacity allows; finish one first")


class UnknownAgent(CoreError):
    def __init__(self, agent_id: str) -> None:
        super().__init__(f"Agent {agent_id} has no agent profile; ask a supervisor to add one")


class NotASupervisor(CoreError):
    def __init__(self) -> None:
        super().__init__("Only supervisors may see these figures: ask to be added to the supervisors group")


class SmsRecipientOptedOut(CoreError):
    """The number answered STOP (or its carrier says so): nothing more may be texted to it until it opts back in."""

    def __init__(self, phone: str) -> None:
        super().__init__("The recipient has opted out of text messages")
        self.phone = phone


class SmsRejected(CoreError):
    """The SMS provider refused this message for good (an invalid number, a blocked destination …): no retry."""

    def __init__(self, reason: str) -> None:
        super().__init__(f"The SMS provider rejected the message: {reason}")
