"""Test doubles. Each exposes what tests assert on (`received`, `messages`)."""

from __future__ import annotations

import json
import re
import threading
import time
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from core.engine import FlowEngine
from core.errors import AgentAtCapacity, ConcurrentUpdate, DuplicateMessage, HandoffChanged, NluUnavailable
from core.handoff import AgentProfile, Handoff, HandoffChange, HandoffStatus, HandoffWrite, Skill
from core.handoff_intake import HandoffIntake
from core.models import Conversation, ConversationSummary, Entity, IntentScore, Message, NluResult, TurnOutcome
from core.service_metrics import ConversationOutcome

# Order matters: the first rule that matches names the intent.
_RULES = (
    (r"^(stop|cancel|never ?mind|forget it)\b", "cancel"),
    (r"^(yes|yeah|yep|sure|ok)\b", "affirm"),
    (r"^(no|nope)\b", "deny"),
    (r"\b(human|person|agent)\b", "human_handoff"),
    (r"\b(complain|complaint)\b", "complaint"),
    (r"\b(hi|hello|hey)\b", "greet"),
    (r"\b(open|hours)\b", "branch_hours"),
    (r"\brobot\b", "bot_challenge"),
    (r"\b(abroad|foreign|exchange)\b", "foreign_fees"),
    (r"\bfees?\b", "fees"),
    (r"\bunfreeze\b", "unfreeze_card"),
    (r"\bfreeze\b", "freeze_card"),
    (r"\b(lost|stolen)\b", "lost_stolen_card"),
    (r"\bactivate\b", "activate_card"),
    (r"\bdeclined\b", "card_declined"),
    (r"\b(recognise|dispute)\b", "dispute_transaction"),
    (r"\bbalance\b", "check_balance"),
    (r"\b(bill|owe)\b", "card_bill"),
    (r"\bpay\b", "make_payment"),
    (r"\bloan\b", "loan_repayment"),
    (r"\b(new|make a) claim\b", "file_claim"),
    (r"\bclaim\b", "claim_status"),
    (r"\b(address|phone number)\b", "update_contact_details"),
)
_ENTITIES = (
    (r"(?:ending|card)\s+(\d{4})\b", "card_last_four"),
    (r"([£€$]\d+(?:\.\d{2})?)", "amount"),
    (r"\b(CLM-\d{6})\b", "claim_number"),
)


class KeywordNlu:
    """Answers like the NLU function from keyword rules; unknown text gets a low confidence."""

    def __init__(self) -> None:
        self.received: list[str] = []
        self.down = False

    def parse(self, text: str) -> NluResult:
        self.received.append(text)
        if self.down:
            raise NluUnavailable("down for the test")
        entities = tuple(
            Entity(entity=name, value=match.group(1))
            for pattern, name in _ENTITIES
            for match in re.finditer(pattern, text, re.IGNORECASE)
        )
        for pattern, intent in _RULES:
            if re.search(pattern, text, re.IGNORECASE):
                return NluResult(intent=IntentScore(name=intent, confidence=0.95), entities=entities)
        ranking = (IntentScore(name="inform", confidence=0.3), IntentScore(name="card_bill", confidence=0.25))
        return NluResult(intent=ranking[0], intent_ranking=ranking, entities=entities)


class NluFault(StrEnum):
    """How a real NLU function misbehaves, as the Invoke API shows it."""

    FUNCTION_ERROR = "function error"  # the handler raised: 200 with X-Amz-Function-Error
    UNAVAILABLE = "unavailable"  # the Lambda service: 503 ServiceException
    THROTTLED = "throttled"  # no concurrency left: 429 TooManyRequestsException
    SLOW = "slow"  # answers after `delay_s`
    GARBAGE = "garbage"  # 200 with `garbage` as the payload


class FakeNluEndpoint(ThreadingHTTPServer):
    """Speaks the Lambda Invoke protocol in front of a KeywordNlu, so the real boto3 adapter is exercised.
    `fault` makes it misbehave (see NluFault); `invocations` counts every call that reached it."""

    daemon_threads = True

    def __init__(self) -> None:
        self.nlu = KeywordNlu()
        self.fault: NluFault | None = None
        self.delay_s = 0.0
        self.garbage = b""
        self.invocations = 0
        super().__init__(("127.0.0.1", 0), _InvokeHandler)
        threading.Thread(target=self.serve_forever, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"


_SERVICE_ERRORS = {
    NluFault.UNAVAILABLE: (503, "ServiceException", {"Type": "Service", "message": "Service unavailable"}),
    NluFault.THROTTLED: (429, "TooManyRequestsException", {"Type": "User", "message": "Rate Exceeded."}),
}


class _InvokeHandler(BaseHTTPRequestHandler):
    server: FakeNluEndpoint

    def do_POST(self) -> None:  # noqa: N802
        event = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        fault = self.server.fault
        self.server.invocations += 1
        if fault in _SERVICE_ERRORS:
            status, kind, body = _SERVICE_ERRORS[fault]
            self._send(status, json.dumps(body).encode(), {"x-amzn-ErrorType": kind})
            return
        if fault is NluFault.GARBAGE:
            self._send(200, self.server.garbage)
            return
        if fault is NluFault.SLOW:
            time.sleep(self.server.delay_s)
        try:
            if fault is NluFault.FUNCTION_ERROR:
                raise NluUnavailable("the handler raised")
            self._send(200, json.dumps(self.server.nlu.parse(event["text"]).model_dump(mode="json")).encode())
        except NluUnavailable as failure:
            self._send(200, json.dumps({"errorMessage": str(failure)}).encode(), {"X-Amz-Function-Error": "Unhandled"})

    def _send(self, status: int, payload: bytes, headers: dict[str, str] | None = None) -> None:
        try:
            self.send_response(status)
            self.send_header("Content-Length", str(len(payload)))
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(payload)
        except (BrokenPipeError, ConnectionResetError):
            pass  # a slow answer nobody waited for

    def log_message(self, *_: Any) -> None:
        pass


class InMemoryConversationStore:
    """The ConversationStore contract in memory; `interfere` simulates a racing turn before the next commit."""

    def __init__(self) -> None:
        self.conversations: dict[str, Conversation] = {}
        self.messages: dict[str, list[Message]] = {}
        self.receipts: dict[tuple[str, str], TurnOutcome] = {}
        self.interfere = 0
        self.handoffs = InMemoryHandoffStore(self)

    def create(self, conversation: Conversation, messages: list[Message]) -> None:
        self.conversations[conversation.conversation_id] = conversation.model_copy(deep=True)
        self.messages[conversation.conversation_id] = list(messages)

    def get(self, conversation_id: str) -> Conversation | None:
        found = self.conversations.get(conversation_id)
        return found.model_copy(deep=True) if found else None

    def find_receipt(self, conversation_id: str, client_message_id: str) -> TurnOutcome | None:
        return self.receipts.get((conversation_id, client_message_id))

    def commit_turn(
        self,
        before: Conversation,
        after: Conversation,
        messages: list[Message],
        receipt: tuple[str, TurnOutcome] | None,
        handoff: HandoffWrite | None = None,
    ) -> None:
        conversation_id = before.conversation_id
        if self.interfere:
            self.interfere -= 1
            stored = self.conversations[conversation_id]
            self.conversations[conversation_id] = stored.model_copy(update={"version": stored.version + 1})
        if self.conversations[conversation_id].version != before.version:
            raise ConcurrentUpdate(conversation_id)
        if receipt and (conversation_id, receipt[0]) in self.receipts:
            raise DuplicateMessage(receipt[0])
        if handoff is not None:
            self.handoffs.check(handoff.after.handoff_id, handoff.before_version)
            self.handoffs.items[handoff.after.handoff_id] = handoff.after
        self.conversations[conversation_id] = after.model_copy(deep=True)
        self.messages[conversation_id].extend(messages)
        if receipt:
            self.receipts[(conversation_id, receipt[0])] = receipt[1]

    def recent_for_customer(self, customer_id: str, limit: int = 5) -> list[ConversationSummary]:
        mine = [c for c in self.conversations.values() if c.customer and c.customer.customer_id == customer_id]
        mine.sort(key=lambda c: c.created_at, reverse=True)
        return [
            ConversationSummary(
                conversation_id=c.conversation_id,
                channel=c.channel,
                status=c.status,
                created_at=c.created_at,
                reason=c.service.reason,
                handoff_reason=c.service.handoff_reason,
            )
            for c in mine[:limit]
        ]

    def list_messages(self, conversation_id: str, after_seq: int, limit: int) -> list[Message]:
        return [m for m in self.messages.get(conversation_id, []) if m.seq > after_seq][:limit]


def make_engine(bank: Any = None) -> FlowEngine:
    """The real engine with the shipped flows and texts; `bank` only matters once a flow acts."""
    from bootstrap import load_catalogue, load_flow_files
    from core.operations import Operations

    return FlowEngine(flows=load_flow_files(), catalogue=load_catalogue(), operations=Operations(bank))


class RecordingSms:
    """An SMS sender that keeps what it was asked to send."""

    def __init__(self) -> None:
        self.sent: list[tuple[str, str]] = []

    def send(self, phone: str, text: str) -> str:
        self.sent.append((phone, text))
        return f"SM{len(self.sent):032x}"

    def last_code(self, phone: str) -> str:
        return re.findall(r"\b(\d{6})\b", next(t for p, t in reversed(self.sent) if p == phone))[0]


class InMemoryHandoffStore:
    """The HandoffStore contract in memory, sharing the conversations of an InMemoryConversationStore."""

    def __init__(self, conversations: InMemoryConversationStore) -> None:
        self.conversations = conversations
        self.items: dict[str, Handoff] = {}
        self.agents: dict[str, AgentProfile] = {}
        self.waits: list[tuple[Skill, float, datetime]] = []

    def check(self, handoff_id: str, before_version: int | None) -> None:
        stored = self.items.get(handoff_id)
        if (stored.version if stored else None) != before_version:
            raise HandoffChanged(handoff_id)

    def get(self, handoff_id: str) -> Handoff | None:
        return self.items.get(handoff_id)

    def _where(self, status: HandoffStatus, skill: Skill) -> list[Handoff]:
        return [h for h in self.items.values() if h.status is status and h.skill is skill]

    def waiting(self, skill: Skill, limit: int) -> list[Handoff]:
        return sorted(self._where(HandoffStatus.WAITING, skill), key=lambda h: (h.priority, h.enqueued_at))[:limit]

    def callbacks(self, skill: Skill, limit: int) -> list[Handoff]:
        return sorted(self._where(HandoffStatus.CALLBACK, skill), key=lambda h: h.enqueued_at)[:limit]

    def claims_expiring_before(self, skill: Skill, moment: datetime, limit: int) -> list[Handoff]:
        claimed = self._where(HandoffStatus.CLAIMED, skill)
        return [h for h in claimed if h.lease_expires_at and h.lease_expires_at < moment][:limit]

    def claimed_by(self, agent_id: str, limit: int) -> list[Handoff]:
        return [h for h in self.items.values() if h.status is HandoffStatus.CLAIMED and h.agent_id == agent_id][:limit]

    def waiting_ahead(self, handoff: Handoff) -> int:
        key = (handoff.priority, handoff.enqueued_at, handoff.handoff_id)
        return sum(1 for h in self.waiting(handoff.skill, 1000) if (h.priority, h.enqueued_at, h.handoff_id) < key)

    def record_queue_wait(self, skill: Skill, seconds_per_place: float, at: datetime) -> None:
        self.waits.append((skill, seconds_per_place, at))

    def queue_waits(self, skill: Skill, since: datetime) -> tuple[int, float]:
        measured = [seconds for s, seconds, at in self.waits if s is skill and at >= since]
        return len(measured), sum(measured)

    def agent(self, agent_id: str) -> AgentProfile | None:
        return self.agents.get(agent_id)

    def add_agent(self, profile: AgentProfile) -> None:
        self.agents.setdefault(profile.agent_id, profile)

    def apply(self, change: HandoffChange) -> None:
        self.check(change.before.handoff_id, change.before.version)
        conversations = self.conversations
        if change.conversation_before and change.conversation_after:
            stored = conversations.conversations[change.conversation_before.conversation_id]
            if stored.version != change.conversation_before.version:
                raise ConcurrentUpdate(stored.conversation_id)
        for agent_id, delta in change.agent_deltas:
            agent = self.agents[agent_id]
            if delta > 0 and agent.active >= agent.capacity:
                raise AgentAtCapacity()
        if change.receipt and (change.after.conversation_id, change.receipt[0]) in conversations.receipts:
            raise DuplicateMessage(change.receipt[0])
        for agent_id, delta in change.agent_deltas:
            self.agents[agent_id] = self.agents[agent_id].model_copy(
                update={"active": self.agents[agent_id].active + delta}
            )
        self.items[change.after.handoff_id] = change.after
        if change.conversation_after:
            conversations.conversations[change.after.conversation_id] = change.conversation_after
            conversations.messages[change.after.conversation_id].extend(change.messages)
        if change.receipt:
            conversations.receipts[(change.after.conversation_id, change.receipt[0])] = change.receipt[1]


def make_intake(store: InMemoryConversationStore | Any, bank: Any, **options: Any) -> HandoffIntake:
    """The real intake; agents are always at work unless a calendar is given."""
    from core.business_hours import WEEKDAYS, BusinessCalendar

    always = BusinessCalendar.model_validate(
        {"timezone": "UTC", "hours": dict.fromkeys(WEEKDAYS, ["00:00", "23:59:59"])}
    )
    handoffs = store.handoffs if isinstance(store, InMemoryConversationStore) else store
    return HandoffIntake(store=handoffs, bank=bank, calendar=options.pop("calendar", always), **options)


JWKS_PATH = "/.well-known/jwks.json"


class JwksEndpoint:
    """Serves whatever body a test puts at a path; anything else is a 404."""

    def __init__(self) -> None:
        self.bodies: dict[str, bytes] = {}
        bodies = self.bodies

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 (http.server's name)
                body = bodies.get(self.path)
                if body is None:
                    self.send_error(404)
                    return
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    def publish(self, issuer_url: str, jwks: dict) -> None:
        self.bodies[issuer_url.removeprefix(self.url) + JWKS_PATH] = json.dumps(jwks).encode()

    def shutdown(self) -> None:
        self._server.shutdown()
        self._server.server_close()


@dataclass(frozen=True)
class OutcomePage:
    outcomes: list[ConversationOutcome]
    next_start: dict[str, Any] | None


class PagedOutcomes:
    """The outcome store's contract: a day's outcomes `limit` at a time, as a DynamoDB Query pages them.
    Records the days asked for and counts the queries."""

    def __init__(self, outcomes: list[ConversationOutcome]) -> None:
        self.all = outcomes
        self.queries = 0
        self.days: list[date] = []

    def outcomes(self, day: date, limit: int = 1000, start: dict[str, Any] | None = None) -> OutcomePage:
        self.queries += 1
        self.days += [] if start else [day]
        of_day = [o for o in self.all if o.created_at.date() == day]
        first = int(start["at"]) if start else 0
        more = first + limit < len(of_day)
        return OutcomePage(of_day[first : first + limit], {"at": first + limit} if more else None)
