"""HTTP clients of the local stack, as its users drive it: a web or app customer, a phone texting the SMS
simulator, and a scripted agent. Each speaks only the public routes (and the simulator's), over requests.

A customer resends a message with the same `client_message_id` after a 503 or a timeout, as the web chat
does, so a retry can never be processed twice. Every call has a timeout; errors other than the ones a
client handles (503, a lost claim race) raise `requests.HTTPError`.
"""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass, field
from typing import Any

import requests

TIMEOUT_S = 30.0


@dataclass(frozen=True)
class RetryPolicy:
    attempts: int = 5
    backoff_s: float = 0.2  # doubled after each attempt, capped
    max_wait_s: float = 3.0


@dataclass(frozen=True)
class Turn:
    """The answer to one customer message."""

    client_message_id: str
    replies: tuple[dict[str, Any], ...]  # {"text", "quick_replies"?}
    status: str  # bot, queued, agent, closed
    latency_ms: float  # of the attempt that was answered
    attempts: int

    @property
    def texts(self) -> list[str]:
        return [reply["text"] for reply in self.replies]


def new_message_id() -> str:
    return str(uuid.uuid4())


def fetch_app_token(base_url: str, customer_id: str, session: requests.Session | None = None) -> str:
    """What the mobile app's login hands a signed-in demo customer (the local run's /local/app-token)."""
    answer = (session or requests).get(f"{base_url}/local/app-token", params={"customer": customer_id}, timeout=10)
    answer.raise_for_status()
    return str(answer.json()["token"])


@dataclass
class ChatCustomer:
    """A web or app customer of the chat API. `start` opens a conversation; `resume` joins one from another
    client (a second tab, or a thread racing the first with the same message)."""

    base_url: str
    retry: RetryPolicy = field(default_factory=RetryPolicy)
    session: requests.Session = field(default_factory=requests.Session)
    conversation_id: str = ""
    token: str = ""

    def start(self, channel: str = "web", app_token: str | None = None, locale: str = "en") -> Turn:
        headers = {"Authorization": f"Bearer {app_token}"} if app_token else {}
        t0 = time.perf_counter()
        answer = self.session.post(
            f"{self.base_url}/v1/conversations",
            json={"channel": channel, "locale": locale},
            headers=headers,
            timeout=TIMEOUT_S,
        )
        answer.raise_for_status()
        body = answer.json()
        self.conversation_id, self.token = body["conversation_id"], body["token"]
        return Turn("", tuple(body["replies"]), body["status"], (time.perf_counter() - t0) * 1000, 1)

    def resume(self) -> ChatCustomer:
        """Another client of the same conversation, with its own connection."""
        return ChatCustomer(self.base_url, self.retry, requests.Session(), self.conversation_id, self.token)

    def send(self, text: str, client_message_id: str | None = None) -> Turn:
        """Sends one message; after a 503 or a timeout, the same message again, with the same id."""
        message_id = client_message_id or new_message_id()
        body = {"text": text, "client_message_id": message_id}
        wait = self.retry.backoff_s
        for attempt in range(1, self.retry.attempts + 1):
            t0 = time.perf_counter()
            try:
                answer = self.session.post(self._messages_url, json=body, headers=self._auth, timeout=TIMEOUT_S)
            except (requests.Timeout, requests.ConnectionError):
                if attempt == self.retry.attempts:
                    raise
            else:
                if answer.status_code != 503 or attempt == self.retry.attempts:
                    answer.raise_for_status()
                    turn = answer.json()
                    latency = (time.perf_counter() - t0) * 1000
                    return Turn(message_id, tuple(turn["replies"]), turn["status"], latency, attempt)
                wait = max(wait, float(answer.headers.get("Retry-After") or 0))
            time.sleep(min(wait, self.retry.max_wait_s))
            wait *= 2
        raise AssertionError("unreachable: the last attempt returns or raises")

    def transcript(self, after: int = 0) -> dict[str, Any]:
        """{"messages", "cursor", "status", "queue"?}: the messages after the cursor."""
        answer = self.session.get(self._messages_url, params={"after": after}, headers=self._auth, timeout=TIMEOUT_S)
        answer.raise_for_status()
        body: dict[str, Any] = answer.json()
        return body

    @property
    def _messages_url(self) -> str:
        return f"{self.base_url}/v1/conversations/{self.conversation_id}/messages"

    @property
    def _auth(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


@dataclass(frozen=True)
class Text:
    """One text the phone sent, and the answer the provider's webhook got back (TwiML) for it."""

    message_sid: str
    replies: tuple[str, ...]
    latency_ms: float


def new_message_sid() -> str:
    return "SM" + uuid.uuid4().hex


@dataclass
class SmsPhone:
    """A phone texting the service number through the local run's SMS simulator (a signed Twilio webhook)."""

    base_url: str
    phone: str
    session: requests.Session = field(default_factory=requests.Session)

    def text(self, text: str, message_sid: str | None = None) -> Text:
        """Texts the bot; pass an earlier `message_sid` to deliver the same text again, as a Twilio retry."""
        sid = message_sid or new_message_sid()
        t0 = time.perf_counter()
        answer = self.session.post(
            f"{self.base_url}/local/sms/send",
            json={"from": self.phone, "text": text, "message_sid": sid},
            timeout=TIMEOUT_S,
        )
        answer.raise_for_status()
        return Text(sid, tuple(answer.json().get("replies", ())), (time.perf_counter() - t0) * 1000)

    def received(self, after: int = 0) -> list[dict[str, Any]]:
        """Every text the phone got, TwiML or API, after the cursor: [{"n", "text", "at"}]."""
        answer = self.session.get(
            f"{self.base_url}/local/sms/outbox", params={"phone": self.phone, "after": str(after)}, timeout=TIMEOUT_S
        )
        answer.raise_for_status()
        messages: list[dict[str, Any]] = answer.json()["messages"]
        return messages


@dataclass(frozen=True)
class Handled:
    """A handoff an agent took from the queue and finished."""

    handoff_id: str
    conversation_id: str
    channel: str
    reply_id: str


@dataclass
class AgentClient:
    """An agent of the console's API, with an access token from the user pool (locally:
    `stack.agent_issuer.issue(username)`)."""

    base_url: str
    token: str
    session: requests.Session = field(default_factory=requests.Session)

    def __post_init__(self) -> None:
        self.session.headers["Authorization"] = f"Bearer {self.token}"

    def me(self) -> dict[str, Any]:
        return self._call("GET", "/v1/agent/me")

    def queue(self, status: str = "waiting", skill: str | None = None) -> list[dict[str, Any]]:
        params = {"status": status} | ({"skill": skill} if skill else {})
        handoffs: list[dict[str, Any]] = self._call("GET", "/v1/agent/handoffs", params=params)["handoffs"]
        return handoffs

    def context_pack(self, handoff_id: str) -> dict[str, Any]:
        return self._call("GET", f"/v1/agent/handoffs/{handoff_id}")

    def claim(self, handoff_id: str) -> dict[str, Any] | None:
        """The claimed handoff, or None when another agent won it (or this one is at capacity): a 409."""
        answer = self.session.post(self._url(f"/v1/agent/handoffs/{handoff_id}/claim"), timeout=TIMEOUT_S)
        if answer.status_code == 409:
            return None
        answer.raise_for_status()
        body: dict[str, Any] = answer.json()
        return body

    def reply(self, handoff_id: str, text: str, client_message_id: str | None = None) -> int | None:
        """Sends a message to the customer, once whatever the retries; returns its place in the transcript."""
        body = {"text": text, "client_message_id": client_message_id or new_message_id()}
        seq: int | None = self._call("POST", f"/v1/agent/handoffs/{handoff_id}/messages", json=body)["seq"]
        return seq

    def resolve(self, handoff_id: str, disposition: str = "resolved") -> dict[str, Any]:
        return self._call("POST", f"/v1/agent/handoffs/{handoff_id}/resolve", json={"disposition": disposition})

    def take_next(self, reply: str, disposition: str = "resolved") -> Handled | None:
        """What a scripted agent does: claims the first waiting handoff it can win, reads its context pack,
        answers and resolves. None when the queue had nothing this agent could claim."""
        for handoff in self.queue():
            if self.claim(handoff["handoff_id"]) is None:
                continue  # another agent was quicker
            self.context_pack(handoff["handoff_id"])
            reply_id = new_message_id()
            self.reply(handoff["handoff_id"], reply, reply_id)
            self.resolve(handoff["handoff_id"], disposition)
            return Handled(handoff["handoff_id"], handoff["conversation_id"], handoff["channel"], reply_id)
        return None

    def _call(self, method: str, path: str, **kwargs: Any) -> dict[str, Any]:
        answer = self.session.request(method, self._url(path), timeout=TIMEOUT_S, **kwargs)
        answer.raise_for_status()
        body: dict[str, Any] = answer.json()
        return body

    def _url(self, path: str) -> str:
        return self.base_url + path
