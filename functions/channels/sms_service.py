"""The SMS channel's use case: one conversation per phone number, compliance keywords, numbered answers.

Provider-neutral: the Twilio and AWS End User Messaging edges turn their payloads into an InboundSms
and send what this returns. The phone number identifies a customer at a weak level (anyone can type
on a borrowed phone); flows that need more step up with a one-time code.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, Literal, Protocol

from pydantic import BaseModel, Field

from channels.sms import render_sms
from core.banking import BankingBackend, CustomerProfile
from core.conversation import Conversations
from core.models import AuthLevel, Channel, ConversationStatus, Customer, Message, Reply, Role

if TYPE_CHECKING:
    from core.proactive import Outreach

STOP_WORDS = frozenset({"STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT"})
START_WORDS = frozenset({"START", "UNSTOP"})
HELP_WORDS = frozenset({"HELP", "INFO"})
_DIGIT = re.compile(r"^\s*(\d)\s*[.)]?\s*$")

OPTED_OUT_TEXT = "You've been unsubscribed and won't get more messages from us. Reply START to resubscribe."
OPTED_IN_TEXT = "You're subscribed again. How can I help? Reply HELP for help, STOP to unsubscribe."
HELP_TEXT = (
    "Bank and insurance help by text: ask about your balance, card bill, a lost or declined card, payments, "
    "disputes or claims, or ask for a person. Reply STOP to unsubscribe. Msg&data rates may apply."
)


class InboundSms(BaseModel):
    provider_message_id: str = Field(min_length=1, max_length=128)  # Twilio MessageSid, EUM inboundMessageId
    phone: str = Field(pattern=r"^\+[1-9]\d{6,14}$")  # the sender, E.164
    text: str = Field(max_length=1600)
    received_at: datetime
    provider: Literal["twilio", "end_user_messaging"] = "twilio"  # only Twilio's webhook can answer in TwiML


class OutboundSms(BaseModel):
    """One text waiting to be sent by the provider, with the transcript line it delivers (if any)."""

    outbound_id: str
    phone: str
    text: str
    queued_at: datetime
    conversation_id: str | None = None
    seq: int | None = None


class PhoneRecord(BaseModel):
    """What we keep per phone number: its current conversation, the options last offered, consent."""

    phone: str
    conversation_id: str | None = None
    last_active: datetime | None = None
    options: dict[str, str] = Field(default_factory=dict)  # digit -> quick-reply payload of the last reply
    opted_out: bool = False
    consent_changed_at: datetime | None = None


class PhoneDirectory(Protocol):
    def get(self, phone: str) -> PhoneRecord | None: ...

    def save(self, record: PhoneRecord) -> None: ...


class SmsSender(Protocol):
    def send(self, phone: str, text: str) -> str:
        """Send one text; returns the provider's message id."""
        ...


def compliance_keyword(text: str) -> str | None:
    """STOP, START or HELP when the whole message is one of their words (any case, any spacing)."""
    word = text.strip().strip(".!").upper()
    if word in STOP_WORDS:
        return "STOP"
    if word in START_WORDS:
        return "START"
    return "HELP" if word in HELP_WORDS else None


@dataclass
class SmsService:
    conversations: Conversations
    directory: PhoneDirectory
    bank: BankingBackend
    max_segments: int = 3
    idle_restart: timedelta = field(default=timedelta(hours=24))  # a new conversation after a day of silence

    def receive(self, inbound: InboundSms) -> list[str]:
        """The texts to send back for one inbound SMS (none to an opted-out number)."""
        record = self.directory.get(inbound.phone) or PhoneRecord(phone=inbound.phone)
        keyword = compliance_keyword(inbound.text)
        if keyword == "STOP":
            already = record.opted_out
            self.directory.save(
                record.model_copy(update={"opted_out": True, "consent_changed_at": inbound.received_at})
            )
            return [] if already else [OPTED_OUT_TEXT]  # confirmed once, then silence
        if keyword == "START":
            self.directory.save(
                record.model_copy(update={"opted_out": False, "consent_changed_at": inbound.received_at})
            )
            return [OPTED_IN_TEXT]
        if record.opted_out:
            return []
        if keyword == "HELP":
            return [HELP_TEXT]
        conversation_id = self._conversation_for(record, inbound.received_at)
        text = self._answer_to_option(record, inbound.text)
        outcome = self.conversations.handle_trusted_message(conversation_id, text, inbound.provider_message_id)
        rendered = render_sms(outcome.replies, self.max_segments) if outcome.replies else None
        self.directory.save(
            record.model_copy(
                update={
                    "conversation_id": conversation_id,
                    "last_active": inbound.received_at,
                    "options": rendered.options if rendered else {},
                }
            )
        )
        return [rendered.text] if rendered else []

    def _conversation_for(self, record: PhoneRecord, now: datetime) -> str:
        current = self.conversations.store.get(record.conversation_id) if record.conversation_id else None
        fresh = record.last_active is not None and now - record.last_active < self.idle_restart
        if current and (fresh or current.status is not ConversationStatus.BOT):
            return current.conversation_id
        profile = self.bank.customer_by_phone(record.phone)
        customer = Customer(customer_id=profile.customer_id, auth_level=AuthLevel.IDENTIFIED) if profile else None
        started = self.conversations.start(Channel.SMS, "en", customer, phone=record.phone)
        return started.conversation.conversation_id

    def _answer_to_option(self, record: PhoneRecord, text: str) -> str:
        """ "2" answers the second numbered option of the last text, as if its button were pressed."""
        digit = _DIGIT.match(text)
        return record.options.get(digit.group(1), text) if digit else text


@dataclass
class SmsOutreach:
    """Proactive outreach by text: the conversation we start on the customer's number, and its first text.
    The number's record points at it, so the customer's reply ("YES", "1") continues that conversation."""

    conversations: Conversations
    directory: PhoneDirectory
    sender: SmsSender
    max_segments: int = 3

    def sms_allowed(self, phone: str) -> bool:
        record = self.directory.get(phone)
        return not (record and record.opted_out)

    def start_outreach(self, outreach: Outreach, flow: str, slots: dict[str, Any], profile: CustomerProfile) -> str:
        customer = Customer(customer_id=profile.customer_id, auth_level=AuthLevel.IDENTIFIED)
        started = self.conversations.open_proactive(
            Channel.SMS, customer, flow, slots, outreach.rule, phone=profile.phone
        )
        conversation_id = started.conversation.conversation_id
        rendered = render_sms(started.replies, self.max_segments)
        record = self.directory.get(profile.phone) or PhoneRecord(phone=profile.phone)
        self.directory.save(
            record.model_copy(
                update={"conversation_id": conversation_id, "last_active": outreach.created_at,
                        "options": rendered.options}
            )
        )  # fmt: skip
        if isinstance(self.sender, QueuedSender):
            self.sender.send_for(profile.phone, rendered.text, conversation_id, started.conversation.last_seq)
        else:
            self.sender.send(profile.phone, rendered.text)
        return conversation_id


class SmsReplies(Protocol):
    def offer(self, provider_id: str, texts: list[str], now: datetime) -> bool: ...

    def take(self, provider_id: str) -> list[str] | None: ...

    def give_up(self, provider_id: str, now: datetime) -> list[str] | None: ...


@dataclass
class SmsInbox:
    """The processor's work for one inbound SMS, in order per phone number: answer it, then deliver the
    answer once, by TwiML if the provider's webhook is still waiting for it, else by the provider's API."""

    service: SmsService
    sender: SmsSender
    replies: SmsReplies | None  # None for providers without a synchronous webhook answer

    def process(self, inbound: InboundSms) -> list[str]:
        """Returns the provider ids of the texts sent by API."""
        texts = self.service.receive(inbound)
        # Even "nothing to say" is handed over, so a waiting webhook answers at once rather than at its deadline.
        by_twiml = self.replies is not None and inbound.provider == "twilio"
        if by_twiml and self.replies and self.replies.offer(inbound.provider_message_id, texts, inbound.received_at):
            return []  # the webhook answers with TwiML
        return [self.sender.send(inbound.phone, text) for text in texts]


class OutboundQueue(Protocol):
    def enqueue(self, outbound: OutboundSms) -> None:
        """Queue a text for the sender function, which retries with backoff until the provider takes it."""
        ...


@dataclass
class QueuedSender:
    """Sends by queueing: a provider outage delays a text, never loses it (SmsSenderFunction retries)."""

    queue: OutboundQueue
    clock: Callable[[], datetime]

    def send(self, phone: str, text: str) -> str:
        return self.send_for(phone, text, None, None)

    def send_for(self, phone: str, text: str, conversation_id: str | None, seq: int | None) -> str:
        outbound = OutboundSms(
            outbound_id=str(uuid.uuid4()), phone=phone, text=text, queued_at=self.clock(),
            conversation_id=conversation_id, seq=seq,
        )  # fmt: skip
        self.queue.enqueue(outbound)
        return outbound.outbound_id


@dataclass
class SmsNotifier:
    """Delivers what reaches an SMS conversation after its turn: agent replies, agent joined/left, queue news."""

    directory: PhoneDirectory
    sender: SmsSender
    max_segments: int = 3

    def __call__(
        self, channel: Channel, phone: str | None, messages: tuple[Message, ...], conversation_id: str = ""
    ) -> None:
        if channel is not Channel.SMS or not phone:
            return
        record = self.directory.get(phone)
        if record is not None and record.opted_out:
            return  # nothing more, agent replies included, until START
        shown = [m for m in messages if m.role in (Role.AGENT, Role.SYSTEM, Role.BOT)]
        if not shown:
            return
        replies = tuple(
            Reply(text=f"{m.author}: {m.text}" if m.author else m.text, quick_replies=m.quick_replies) for m in shown
        )
        rendered = render_sms(replies, self.max_segments)
        if record is not None and rendered.options:
            self.directory.save(record.model_copy(update={"options": rendered.options}))
        if isinstance(self.sender, QueuedSender):  # the delivery status lands on the agent's transcript line
            self.sender.send_for(phone, rendered.text, conversation_id or None, shown[-1].seq)
        else:
            self.sender.send(phone, rendered.text)
