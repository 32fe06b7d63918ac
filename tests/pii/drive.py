"""Drives every path that carries a customer's or an agent's words through the real local stack, over HTTP."""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass, field
from typing import Any

import requests

TIMEOUT_S = 30


@dataclass
class Chat:
    """One web or app conversation, as the chat page or the mobile app holds it."""

    base: str
    conversation_id: str
    token: str
    sent: int = 0

    @classmethod
    def start(cls, base: str, app_token: str | None = None) -> Chat:
        headers = {"Authorization": f"Bearer {app_token}"} if app_token else {}
        body = {"channel": "app" if app_token else "web"}
        answer = requests.post(f"{base}/v1/conversations", json=body, headers=headers, timeout=TIMEOUT_S)
        answer.raise_for_status()
        started = answer.json()
        return cls(base, started["conversation_id"], started["token"])

    def say(self, text: str) -> dict[str, Any]:
        self.sent += 1
        answer = requests.post(
            f"{self.base}/v1/conversations/{self.conversation_id}/messages",
            json={"text": text, "client_message_id": str(uuid.uuid4())},
            headers={"Authorization": f"Bearer {self.token}"},
            timeout=TIMEOUT_S,
        )
        assert answer.status_code == 200, answer.text
        return dict(answer.json())

    def transcript(self) -> list[dict[str, Any]]:
        answer = requests.get(
            f"{self.base}/v1/conversations/{self.conversation_id}/messages",
            headers={"Authorization": f"Bearer {self.token}"},
            timeout=TIMEOUT_S,
        )
        return list(answer.json()["messages"])


def app_token(base: str, customer: str) -> str:
    return str(
        requests.get(f"{base}/local/app-token", params={"customer": customer}, timeout=TIMEOUT_S).json()["token"]
    )


def text_the_bot(base: str, phone: str, text: str) -> None:
    """What Twilio does with a text to our number (the local SMS simulator signs and posts the webhook)."""
    answer = requests.post(f"{base}/local/sms/send", json={"from": phone, "text": text}, timeout=TIMEOUT_S)
    assert answer.status_code == 200, answer.text


@dataclass
class Agent:
    base: str
    token: str
    replies: int = field(default=0)

    def _call(self, method: str, path: str, body: dict[str, Any] | None = None) -> dict[str, Any]:
        answer = requests.request(
            method,
            f"{self.base}/v1/agent{path}",
            json=body,
            headers={"Authorization": f"Bearer {self.token}"},
            timeout=TIMEOUT_S,
        )
        assert answer.status_code in (200, 201), answer.text
        return dict(answer.json())

    def waiting_handoff(self, channel: str, conversation_id: str | None = None, wait_s: float = 60) -> str:
        """A waiting handoff from a channel (of one conversation, when known): the queue shows it once the
        customer's turn is stored (an SMS turn after the queue and the processor)."""
        deadline = time.monotonic() + wait_s
        while time.monotonic() < deadline:
            for handoff in self._call("GET", "/handoffs?status=waiting")["handoffs"]:
                if handoff["channel"] == channel and conversation_id in (None, handoff["conversation_id"]):
                    return str(handoff["handoff_id"])
            time.sleep(0.2)
        raise AssertionError(f"no waiting {channel} handoff")

    def claim(self, handoff_id: str) -> None:
        self._call("POST", f"/handoffs/{handoff_id}/claim")

    def reply(self, handoff_id: str, text: str) -> None:
        self.replies += 1
        self._call("POST", f"/handoffs/{handoff_id}/messages", {"text": text, "client_message_id": str(uuid.uuid4())})

    def transfer(self, handoff_id: str, skill: str, note: str) -> None:
        self._call("POST", f"/handoffs/{handoff_id}/transfer", {"skill": skill, "note": note})

    def resolve(self, handoff_id: str) -> None:
        self._call("POST", f"/handoffs/{handoff_id}/resolve", {"disposition": "resolved"})

    def context_pack(self, handoff_id: str) -> dict[str, Any]:
        return self._call("GET", f"/handoffs/{handoff_id}")
