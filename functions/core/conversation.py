"""Use cases of a customer conversation, shared by every channel."""

from __future__ import annotations

import random
import re
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any, Protocol

from core.engine import VERIFY, FlowEngine, Turn
from core.errors import (
    ConcurrentUpdate,
    ConversationClosed,
    ConversationNotFound,
    DuplicateMessage,
    InvalidConversationToken,
    NluUnavailable,
    ServiceBusy,
)
from core.handoff import HandoffReason, HandoffWrite, QueueEstimate
from core.handoff_intake import HandoffIntake
from core.models import (
    AuthLevel,
    Channel,
    Conversation,
    ConversationStatus,
    Customer,
    DialogueState,
    IntentScore,
    Message,
    NluResult,
    Reply,
    Role,
    ServiceRecord,
    TurnOutcome,
)
from core.ports import ConversationStore, NluClient
from core.reason_offers import ReasonOffers
from core.redaction import redact_pii
from core.sentiment import TRAJECTORY_LENGTH, score_message
from core.service_record import (
    CSAT_THANKS,
    NOT_A_REASON,
    after_customer_turn,
    after_queue_left,
    after_rating,
    confident_intent,
    csat_score,
)
from core.tokens import new_conversation_token, token_matches

if TYPE_CHECKING:
    from core.proactive import Outreach

# A quick-reply payload like "/check_balance" names the intent directly, as in Rasa.
_INTENT_PAYLOAD = re.compile(r"^/(?P<intent>[a-z_]{1,64})$")
_CODE = re.compile(r"\d[\d -]{2,10}\d")
# Racing turns on one conversation retry with full-jitter backoff: 12 tries wait about 1.5 s at worst,
# then the caller gets ServiceBusy (503) and retries with the same client_message_id.
_MAX_COMMIT_ATTEMPTS = 12
_BACKOFF_BASE_S = 0.01
_BACKOFF_CAP_S = 0.25


def _now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class Transcript:
    messages: list[Message]
    status: ConversationStatus
    queue: QueueEstimate | None  # while waiting for an agent


@dataclass(frozen=True)
class StartedConversation:
    conversation: Conversation
    token: str
    replies: tuple[Reply, ...]


class OutreachFeed(Protocol):
    """Proactive outreach waiting for the customer to open the app (core.proactive.ProactiveService)."""

    def next_for(self, customer_id: str) -> tuple[Outreach, str, dict[str, Any]] | None: ...

    def delivered(self, outreach: Outreach, conversation_id: str) -> None: ...


@dataclass
class Conversations:
    store: ConversationStore
    nlu: NluClient
    engine: FlowEngine
    intake: HandoffIntake
    clock: Callable[[], datetime] = _now
    sleep: Callable[[float], None] = time.sleep
    verified_session: timedelta = timedelta(minutes=30)  # how long a web verification carries to a new chat
    offers: ReasonOffers | None = None  # the contact-reason prediction; None: the plain welcome
    observe: Callable[[Conversation, Conversation], None] | None = None  # (before, after) of each stored turn
    feed: OutreachFeed | None = None  # proactive outreach that the customer's next app conversation opens with

    def start(
        self, channel: Channel, locale: str, customer: Customer | None, phone: str | None = None
    ) -> StartedConversation:
        """A new conversation; SMS conversations start silently (the customer's first text gets the answer)."""
        if customer and self.feed and channel is not Channel.SMS:
            if waiting := self.feed.next_for(customer.customer_id):  # we have news for them: it opens the chat
                outreach, flow, slots = waiting
                started = self.open_proactive(channel, customer, flow, slots, outreach.rule)
                self.feed.delivered(outreach, started.conversation.conversation_id)
                return started
        token, token_hash = new_conversation_token()
        now = self.clock()
        conversation = Conversation(
            conversation_id=str(uuid.uuid4()),
            channel=channel,
            token_hash=token_hash,
            locale=locale,
            customer=customer,
            created_at=now,
            phone=phone,
        )
        replies = () if channel is Channel.SMS else self.engine.catalogue.welcome
        if customer and channel is not Channel.SMS and self.offers:
            recent = self.store.recent_for_customer(customer.customer_id)
            offer = self.offers.first_turn(customer, channel, recent, now)
            if offer:  # the likely reason, asked before the customer types
                replies, conversation.prediction = (offer[0],), offer[1].model_dump(mode="json")
        messages = _bot_messages(replies, first_seq=1, now=now)
        conversation.last_seq = len(messages)
        self.store.create(conversation, messages)
        return StartedConversation(conversation, token, replies)

    def open_proactive(
        self,
        channel: Channel,
        customer: Customer,
        flow: str,
        slots: dict[str, Any],
        rule: str,
        phone: str | None = None,
    ) -> StartedConversation:
        """A conversation the system starts: the flow's first steps are our message, the reply continues it."""
        token, token_hash = new_conversation_token()
        now = self.clock()
        conversation = Conversation(
            conversation_id=str(uuid.uuid4()), channel=channel, token_hash=token_hash, customer=customer,
            created_at=now, phone=phone,
        )  # fmt: skip
        turn = Turn(
            text="", nlu=None, customer=customer, conversation_id=conversation.conversation_id,
            client_message_id=f"outreach:{rule}", now=now,
        )  # fmt: skip
        replies, conversation.state = self.engine.open_flow(flow, slots, turn)
        conversation.service = ServiceRecord(started_by="system", proactive_rule=rule, reason=flow)
        messages = _bot_messages(replies, first_seq=1, now=now)
        conversation.last_seq = len(messages)
        self.store.create(conversation, messages)
        return StartedConversation(conversation, token, replies)

    def recognise(self, conversation_id: str, token: str) -> Customer | None:
        """A returning web visitor who proved who they are in a recent conversation (whose token their browser
        kept) is recognised as that customer in the next one; anything else starts anonymous."""
        try:
            previous = self.authorize(conversation_id, token)
        except (ConversationNotFound, InvalidConversationToken):
            return None
        recent = previous.verified_at is not None and self.clock() - previous.verified_at <= self.verified_session
        return previous.customer if recent and previous.customer else None

    def authorize(self, conversation_id: str, token: str | None) -> Conversation:
        conversation = self.store.get(conversation_id)
        if conversation is None:
            raise ConversationNotFound(conversation_id)
        if not token_matches(token, conversation.token_hash):
            raise InvalidConversationToken()
        return conversation

    def handle_message(self, conversation_id: str, token: str | None, text: str, client_message_id: str) -> TurnOutcome:
        """Store the customer's message and the bot's answer once, whatever retries or races happen."""
        return self._handle(lambda: self.authorize(conversation_id, token), text, client_message_id)

    def handle_trusted_message(self, conversation_id: str, text: str, client_message_id: str) -> TurnOutcome:
        """A message whose channel already proved its origin (a signed SMS webhook): no conversation token."""

        def load() -> Conversation:
            conversation = self.store.get(conversation_id)
            if conversation is None:
                raise ConversationNotFound(conversation_id)
            return conversation

        return self._handle(load, text, client_message_id)

    def _handle(self, load: Callable[[], Conversation], text: str, client_message_id: str) -> TurnOutcome:
        conversation = load()
        conversation_id = conversation.conversation_id
        redacted = redact_pii(text)
        nlu: NluResult | None = None
        understood = False
        for attempt in range(_MAX_COMMIT_ATTEMPTS):
            if receipt := self.store.find_receipt(conversation_id, client_message_id):
                return receipt
            if conversation.status is ConversationStatus.CLOSED:
                raise ConversationClosed(conversation_id)
            if not understood:
                nlu, understood = self._understand(redacted, conversation), True
            try:
                return self._commit(conversation, text, self._as_shown(redacted, conversation), client_message_id, nlu)
            except DuplicateMessage:
                return self.store.find_receipt(conversation_id, client_message_id) or _gone(conversation_id)
            except ConcurrentUpdate:
                self.sleep(random.uniform(0, min(_BACKOFF_CAP_S, _BACKOFF_BASE_S * 2**attempt)))
                conversation = load()
        raise ServiceBusy("This conversation")

    def transcript(self, conversation_id: str, token: str | None, after_seq: int, limit: int) -> Transcript:
        conversation = self.authorize(conversation_id, token)
        messages = self.store.list_messages(conversation_id, after_seq, limit)
        return Transcript(messages, conversation.status, self.intake.estimate_for(conversation, self.clock()))

    def _as_shown(self, text: str, conversation: Conversation) -> str:
        """A quick-reply payload is stored as the button's title; a one-time code is never stored."""
        if self._awaits_code(conversation):
            return "[verification code]"
        match = _INTENT_PAYLOAD.match(text.strip())
        title = self.engine.title_of(match["intent"]) if match else None
        return title or text

    def _awaits_code(self, conversation: Conversation) -> bool:
        frames = conversation.state.frames
        return bool(frames) and frames[-1].get("flow") == VERIFY and frames[-1].get("step") == "code"

    def _understand(self, text: str, conversation: Conversation) -> NluResult | None:
        if match := _INTENT_PAYLOAD.match(text.strip()):
            return NluResult(intent=IntentScore(name=match["intent"], confidence=1.0))
        if csat_score(conversation.service, text) is not None:  # a rating needs no model
            return NluResult(intent=IntentScore(name="inform", confidence=1.0))
        if self._awaits_code(conversation) and _CODE.fullmatch(text.strip()):
            # A one-time code is the answer to the question asked: it never leaves for the NLU function.
            return NluResult(intent=IntentScore(name="inform", confidence=1.0))
        try:
            return self.nlu.parse(text)
        except NluUnavailable:
            return None

    def _commit(
        self, conversation: Conversation, raw_text: str, text: str, client_message_id: str, nlu: NluResult | None
    ) -> TurnOutcome:
        now = self.clock()
        seq = conversation.last_seq + 1
        mood = score_message(text).score
        customer_message = Message(
            seq=seq,
            role=Role.CUSTOMER,
            text=text,
            created_at=now,
            intent=nlu.intent if nlu else None,
            client_message_id=client_message_id,
            sentiment=mood,
        )
        state = conversation.state.model_copy(
            update={"sentiment": [*conversation.state.sentiment, mood][-TRAJECTORY_LENGTH:]}
        )
        current = conversation.model_copy(update={"state": state})
        score = csat_score(conversation.service, text)
        replies: tuple[Reply, ...]
        if conversation.status is ConversationStatus.BOT and score is not None:
            replies, handoff = (Reply(text=CSAT_THANKS),), None
            current.service = after_rating(conversation.service, score, now)
        elif conversation.status is ConversationStatus.BOT:
            replies, current, handoff = self._bot_turn(current, text, raw_text, nlu, client_message_id, now)
        elif conversation.status is ConversationStatus.QUEUED:
            cancel = bool(nlu and nlu.intent.name == "cancel" and nlu.intent.confidence >= 0.5)
            step = self.intake.while_waiting(conversation, raw_text, cancel, now)
            replies, handoff = step.replies, step.write
            current = current.model_copy(update={"status": step.status, "handoff_id": step.handoff_id})
            if step.status is ConversationStatus.BOT:
                current.service = after_queue_left(current.service)
        else:  # an agent has the conversation: the message is theirs to answer
            replies, handoff = (), None
        messages = [customer_message, *_bot_messages(replies, first_seq=seq + 1, now=now)]
        after = current.model_copy(update={"last_seq": seq + len(replies), "version": conversation.version + 1})
        outcome = TurnOutcome(replies=replies, status=after.status, seq=seq)
        self.store.commit_turn(conversation, after, messages, (client_message_id, outcome), handoff)
        if self.observe:
            self.observe(conversation, after)
        return outcome

    def _bot_turn(
        self,
        conversation: Conversation,
        text: str,
        raw_text: str,
        nlu: NluResult | None,
        client_message_id: str,
        now: datetime,
    ) -> tuple[tuple[Reply, ...], Conversation, HandoffWrite | None]:
        """The bot answers; if it hands over, the handoff opens in the same write."""
        turn = Turn(
            text=text,
            nlu=nlu,
            customer=conversation.customer,
            conversation_id=conversation.conversation_id,
            client_message_id=client_message_id,
            now=now,
            raw_text=raw_text,
        )
        if opener := self._sms_opener(conversation, nlu, now):  # "hi" by text: ask about the likely reason
            state = conversation.state.model_copy(update={"turns": conversation.state.turns + 1})
            current = conversation.model_copy(update={"state": state, "prediction": opener[1]})
            current.service, replies = self._served(conversation, state, nlu, (opener[0],), None, now)
            return replies, current, None
        replies, state = self.engine.respond(turn, conversation.state)
        customer = conversation.customer
        verified_at = conversation.verified_at
        if state.verified_customer_id:  # the step-up succeeded: this conversation is now the customer's
            customer = Customer(customer_id=state.verified_customer_id, auth_level=AuthLevel.VERIFIED)
            state, verified_at = state.model_copy(update={"verified_customer_id": None}), now
        request = state.handoff_request
        prediction = _confirm(conversation.prediction, conversation.state.last_task, state.last_task, nlu)
        current = conversation.model_copy(
            update={"state": state, "customer": customer, "verified_at": verified_at, "prediction": prediction}
        )
        if request is None:
            current.service, replies = self._served(conversation, state, nlu, replies, None, now)
            return replies, current, None
        if request.reason == HandoffReason.CUSTOMER_ASKED and conversation.state.low_confidence_streak >= (
            self.engine.policy.max_low_confidence_turns
        ):
            request = request.model_copy(update={"reason": HandoffReason.LOW_CONFIDENCE})
        step = self.intake.open(current, request, now)
        # The trajectory that triggered this handoff goes with it; back with the bot, the customer starts afresh.
        state = state.model_copy(update={"handoff_request": None, "sentiment": [], "frames": []})
        current = current.model_copy(update={"state": state, "status": step.status, "handoff_id": step.handoff_id})
        handed_off = request.reason if step.write else None  # a queued handoff or a callback request
        current.service, replies = self._served(conversation, current.state, nlu, replies, handed_off, now)
        return (*replies, *step.replies), current, step.write

    def _sms_opener(
        self, conversation: Conversation, nlu: NluResult | None, now: datetime
    ) -> tuple[Reply, dict[str, Any]] | None:
        """An SMS customer speaks first; when their first text asks for nothing in particular ("hi", "help"),
        the answer is the likely reason with its facts, as the app and web ask it before the customer types."""
        customer = conversation.customer
        intent = confident_intent(nlu, self.engine.policy.confidence_threshold)
        vague = intent in (None, "greet", "help")
        if not (conversation.channel is Channel.SMS and customer and self.offers and vague):
            return None
        if conversation.state.turns or conversation.prediction:
            return None
        recent = self.store.recent_for_customer(customer.customer_id)
        offer = self.offers.first_turn(customer, conversation.channel, recent, now)
        return (offer[0], offer[1].model_dump(mode="json")) if offer else None

    def _served(
        self,
        before: Conversation,
        state: DialogueState,
        nlu: NluResult | None,
        replies: tuple[Reply, ...],
        handed_off: str | None,
        now: datetime,
    ) -> tuple[ServiceRecord, tuple[Reply, ...]]:
        """The service record after a bot turn: a task done or a question answered resolves the contact."""
        intent = confident_intent(nlu, self.engine.policy.confidence_threshold)
        started = state.last_task if state.last_task != before.state.last_task else None
        in_task = bool(before.state.frames) or started is not None
        task_done = in_task and not state.frames and intent != "cancel" and state.handoff_request is None
        answered = (
            intent is not None
            and intent not in NOT_A_REASON
            and intent in self.engine.catalogue.responses
            and not (before.state.frames or state.frames)
        )
        return after_customer_turn(
            before.service,
            intent=intent,
            task_started=started,
            task_done=task_done and not handed_off,
            answered=answered and not handed_off,
            handed_off=handed_off,
            replies=replies,
            now=now,
        )


def _confirm(
    prediction: dict[str, Any] | None, task_before: str | None, task_after: str | None, nlu: NluResult | None
) -> dict[str, Any] | None:
    """The reason the customer pursued after a prediction was offered: the first task they started, else
    "other" once they asked for anything that isn't one of ours (live prediction accuracy)."""
    if prediction is None or prediction.get("confirmed"):
        return prediction
    if task_after and task_after != task_before:
        return {**prediction, "confirmed": task_after}
    if nlu and nlu.intent.confidence >= 0.5 and nlu.intent.name not in NOT_A_REASON:
        return {**prediction, "confirmed": "other"}
    return prediction


def _bot_messages(replies: tuple[Reply, ...], first_seq: int, now: datetime) -> list[Message]:
    return [
        Message(seq=first_seq + i, role=Role.BOT, text=reply.text, quick_replies=reply.quick_replies, created_at=now)
        for i, reply in enumerate(replies)
    ]


def _gone(conversation_id: str) -> TurnOutcome:
    # A receipt that was committed and then vanished can only mean the conversation expired.
    raise ConversationNotFound(conversation_id)
