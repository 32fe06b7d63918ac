"""The scripted customers' devices: the chat (web or app) and the phone (SMS, and the codes texted to it), over the
local stack's public routes with local/clients.py; and the loop that runs one conversation on either."""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

from local.clients import ChatCustomer, SmsPhone, fetch_app_token
from simulation.scripts import BotTurn

if TYPE_CHECKING:
    from collections.abc import Callable

    from simulation.scripts import Customer

REPLY_WAIT_S = 60.0  # a text answered after the webhook's TwiML wait comes through the queue and the sender
AGENT_WAIT_S = 240.0
POLL_S = 0.4
MAX_MOVES = 16
_CODE = re.compile(r"verification code is (\d{6})")


class ScriptError(Exception):
    """A conversation did not go as any customer's would: counted as a script failure."""


class Device(Protocol):
    def send(self, text: str) -> BotTurn: ...

    def wait_for_agent(self) -> BotTurn: ...


def _poll[T](read: Callable[[], T | None], wait_s: float, what: str) -> T:
    deadline = time.monotonic() + wait_s
    while (found := read()) is None:
        if time.monotonic() > deadline:
            raise ScriptError(f"waited {wait_s:.0f} s for {what}")
        time.sleep(POLL_S)
    return found


@dataclass
class Phone:
    """The customer's phone: the texts it receives, read through the SMS simulator's outbox."""

    base_url: str
    number: str
    client: SmsPhone = field(init=False)
    cursor: int = field(init=False)  # texts up to here are read as replies
    code_cursor: int = field(init=False)  # codes up to here are used

    def __post_init__(self) -> None:
        self.client = SmsPhone(self.base_url, self.number)
        received = self.client.received()
        self.cursor = self.code_cursor = received[-1]["n"] if received else 0

    def code(self) -> str:
        def newest() -> tuple[int, str] | None:
            received = self.client.received(self.code_cursor)
            codes = [(m["n"], found[1]) for m in received if (found := _CODE.search(m["text"]))]
            return codes[-1] if codes else None

        self.code_cursor, code = _poll(newest, REPLY_WAIT_S, f"a one-time code to {self.number}")
        return code

    def texts(self, wait_s: float = REPLY_WAIT_S, until: Callable[[list[str]], bool] = bool) -> list[str]:
        """The texts received since the last read (one-time codes aside), once `until` holds for them."""
        seen: list[str] = []

        def more() -> list[str] | None:
            for message in self.client.received(self.cursor):
                self.cursor = message["n"]
                seen.extend([] if _CODE.search(message["text"]) else [message["text"]])
            return seen if until(seen) else None

        return _poll(more, wait_s, f"a text to {self.number}")


@dataclass
class Sms:
    phone: Phone

    def send(self, text: str) -> BotTurn:
        self.phone.client.text(text)
        return BotTurn.of_sms(self.phone.texts())

    def wait_for_agent(self) -> BotTurn:
        texts = self.phone.texts(AGENT_WAIT_S, lambda seen: any("how would you rate" in t for t in seen))
        return BotTurn.of_sms(texts)


@dataclass
class Chat:
    client: ChatCustomer

    @classmethod
    def open(cls, base_url: str, channel: str, customer_id: str | None) -> tuple[Chat, BotTurn]:
        client = ChatCustomer(base_url)
        token = fetch_app_token(base_url, customer_id, client.session) if customer_id else None
        started = client.start(channel, token)
        return cls(client), BotTurn.of_chat(started.replies, started.status)

    def send(self, text: str) -> BotTurn:
        turn = self.client.send(text)
        return BotTurn.of_chat(turn.replies, turn.status)

    def wait_for_agent(self) -> BotTurn:
        def back_with_bot() -> dict[str, Any] | None:
            transcript = self.client.transcript()
            return transcript if transcript["status"] not in ("queued", "agent") else None

        transcript = _poll(back_with_bot, AGENT_WAIT_S, f"an agent in {self.client.conversation_id}")
        messages = transcript["messages"]
        last_customer = max((i for i, m in enumerate(messages) if m["role"] == "customer"), default=-1)
        return BotTurn.of_chat(messages[last_customer + 1 :], transcript["status"])


def converse(device: Device, first: BotTurn, customer: Customer, phone: Phone) -> int:
    """Runs one conversation to its end; returns the messages the customer sent."""
    turn, sent = first, 0
    for _ in range(MAX_MOVES):
        move = customer.next_move(turn)
        if move.done:
            return sent
        if move.wait:
            turn = device.wait_for_agent()
            customer.progress.handed_off = True
            continue
        text = phone.code() if move.code else move.text
        try:
            turn = device.send(text)
        except ScriptError as error:
            raise ScriptError(f"{error} after {text!r}; the bot had said {turn.text[-160:]!r}") from error
        sent += 1
    raise ScriptError(f"no end after {MAX_MOVES} moves; the bot last said {turn.text[-160:]!r}")
