"""Load on the local stack: many conversations at once on every channel, then an audit of what the database kept.

CONVERSATIONS conversations (200), CONCURRENCY at a time (10), loopback only, within DEADLINE_S. They mix web and
app self-service (balance, card bill, freeze and unfreeze, loan, FAQ), handoffs that scripted agents claim, answer
and resolve (the three demo agents race for each one), SMS conversations, SMS bursts (several texts from one phone
at once, which must be answered in order), duplicate Twilio webhooks (one MessageSid posted twice at once) and
client retries (one client_message_id sent twice at once). Every conversation has six customer messages.

Prints turns per second and bot-turn p50/p99, then the audit of ConversationsTable and HandoffsTable
(benchmarks/load_audit.py); the last line is one JSON object. Exits 1 unless every message the load sent is
stored exactly once and in order and every handoff is consistent. Run with `make load`.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from benchmarks.load_audit import Audit, Tables, audit
from local.agent_issuer import DEMO_AGENTS
from local.clients import (
    AgentClient,
    ChatCustomer,
    Handled,
    SmsPhone,
    fetch_app_token,
    new_message_id,
    new_message_sid,
)
from local.stack import LocalStack, StackConfig

if TYPE_CHECKING:
    from collections.abc import Callable

# The embedded moto keeps one store per region in this process; tests of other stacks use other regions.
LOAD_REGION = "ap-northeast-1"
AGENT_REPLY = "Thanks for waiting, I'm a colleague from the load test and I've sorted this out for you."
WAIT_FOR_AGENT_S = 120.0
AGENT_POLL_S = 0.5  # scripted agents look at the queue more often than the console (2 s), to keep handoffs short
WEB_FAQ = ("hello", "what time are you open on saturday", "what fees do you charge abroad", "are you a robot",
           "what documents do I need to open an account", "thanks, bye")  # fmt: skip
SMS_FAQ = ("when are you open on saturday", "what fees do you charge", "are you a robot",
           "what documents do I need", "where is my nearest branch", "thanks")  # fmt: skip
APP_SCRIPTS = {  # signed-in app customers are verified, so account tasks run without a one-time code
    "C-1001": ("what's my balance", "how much is my card bill", "9023", "what did I pay in fees abroad",
               "when are you open on saturday", "thanks"),
    "C-1008": ("freeze card 7001", "yes", "unfreeze my card", "7001", "what's my balance", "thanks"),
    "C-1005": ("why was my card declined", "what fees did I pay abroad", "what's my balance",
               "what documents do I need to open an account", "are you a robot", "thanks"),
    "C-1003": ("when is my next loan repayment", "what's my balance", "what fees do you charge",
               "where is my nearest branch", "thanks", "bye"),
}  # fmt: skip
ASK_FOR_PERSON = ("I want to talk to a person", "are you still there?")
AFTER_AGENT = ("thanks for your help", "what time are you open on saturday", "bye")


@dataclass(frozen=True)
class LoadConfig:
    conversations: int = 200
    concurrency: int = 10
    deadline_s: float = 900.0
    burst_stagger_s: float = 0.3  # between the texts of a burst, so the provider's order is known
    channels: tuple[str, ...] = ("web", "app", "sms")


@dataclass
class Sent:
    """One conversation of the load: what the customer sent, in order, and what came back."""

    scenario: str
    channel: str
    conversation_id: str = ""
    phone: str = ""
    message_ids: list[str] = field(default_factory=list)  # every message sent, in the order sent
    answered: set[str] = field(default_factory=set)  # the ones answered: stored exactly once (the rest at most once)
    sms_replies: dict[str, tuple[str, ...]] = field(default_factory=dict)  # MessageSid -> TwiML answer
    answered_twice: int = 0  # a client retry answered differently, or a duplicate webhook answered again
    handoff: bool = False
    bot_ms: list[float] = field(default_factory=list)
    sms_ms: list[float] = field(default_factory=list)
    error: str | None = None
    lock: threading.Lock = field(default_factory=threading.Lock)  # a burst's texts come back on several threads


@dataclass
class LoadReport:
    conversations: list[Sent]
    handled: list[Handled]
    duration_s: float
    skipped: int
    agent_reply: str = AGENT_REPLY

    @property
    def turns(self) -> int:
        return sum(len(c.message_ids) for c in self.conversations)


class Load:
    def __init__(self, base_url: str, config: LoadConfig) -> None:
        self.base_url = base_url
        self.config = config
        self.deadline = time.monotonic() + config.deadline_s

    def scenarios(self) -> list[tuple[str, str, Callable[[Sent, int], None]]]:
        """(name, channel, script) in the order they are dealt out, one per conversation."""
        mix = [
            ("web_faq", "web", self.web_faq), ("app_self_service", "app", self.app_self_service),
            ("web_handoff", "web", self.chat_handoff), ("sms_faq", "sms", self.sms_faq),
            ("client_retry", "web", self.client_retry), ("app_self_service", "app", self.app_self_service),
            ("sms_burst", "sms", self.sms_burst), ("app_handoff", "app", self.chat_handoff),
            ("sms_duplicate", "sms", self.sms_duplicate), ("sms_handoff", "sms", self.sms_handoff),
        ]  # fmt: skip
        return [s for s in mix if s[1] in self.config.channels]

    def run(self, index: int) -> Sent:
        mix = self.scenarios()
        name, channel, script = mix[index % len(mix)]
        sent = Sent(name, channel, phone=f"+4477009{50000 + index:05d}" if channel == "sms" else "")
        try:
            script(sent, index)
        except Exception as error:  # noqa: BLE001 - recorded and failed in the report, the load goes on
            sent.error = f"{name}: {error!r}"
        return sent

    def web_faq(self, sent: Sent, _: int) -> None:
        self._chat(sent, self._started(sent), WEB_FAQ)

    def app_self_service(self, sent: Sent, index: int) -> None:
        customer_id = sorted(APP_SCRIPTS)[index // 2 % len(APP_SCRIPTS)]
        self._chat(sent, self._started(sent, customer_id), APP_SCRIPTS[customer_id])

    def chat_handoff(self, sent: Sent, _: int) -> None:
        customer = self._started(sent, "C-1001" if sent.channel == "app" else None)
        self._chat(sent, customer, ("what's my balance" if sent.channel == "app" else "hello", *ASK_FOR_PERSON))
        sent.handoff = True
        until = min(self.deadline, time.monotonic() + WAIT_FOR_AGENT_S)
        while customer.transcript()["status"] != "bot" and time.monotonic() < until:
            time.sleep(0.5)  # the agent claims, answers and resolves
        self._chat(sent, customer, AFTER_AGENT)

    def client_retry(self, sent: Sent, _: int) -> None:
        customer = self._started(sent)
        self._chat(sent, customer, ("hello",))
        self._twice(sent, customer, "what fees do you charge abroad")
        self._chat(sent, customer, ("are you a robot", "what time are you open on saturday"))
        self._twice(sent, customer, "what documents do I need to open an account")
        self._chat(sent, customer, ("thanks, bye",))

    def sms_faq(self, sent: Sent, _: int) -> None:
        phone = SmsPhone(self.base_url, sent.phone)
        for text in SMS_FAQ:
            self._text(sent, phone, text)

    def sms_burst(self, sent: Sent, _: int) -> None:
        phone = SmsPhone(self.base_url, sent.phone)
        for text in SMS_FAQ[:2]:
            self._text(sent, phone, text)
        threads = []
        for text in SMS_FAQ[2:]:  # four texts at once, as a customer types them one after another
            threads.append(threading.Thread(target=self._text, args=(sent, SmsPhone(self.base_url, sent.phone), text)))
            threads[-1].start()
            time.sleep(self.config.burst_stagger_s)
        for thread in threads:
            thread.join()

    def sms_duplicate(self, sent: Sent, _: int) -> None:
        phone = SmsPhone(self.base_url, sent.phone)
        for i, text in enumerate(SMS_FAQ):
            if i in (1, 4):  # Twilio posts the same MessageSid twice, at once
                sid = new_message_sid()
                pair = [threading.Thread(target=self._text, args=(sent, SmsPhone(self.base_url, sent.phone), text, sid))
                        for _ in range(2)]  # fmt: skip
                for thread in pair:
                    thread.start()
                for thread in pair:
                    thread.join()
            else:
                self._text(sent, phone, text)

    def sms_handoff(self, sent: Sent, _: int) -> None:
        phone = SmsPhone(self.base_url, sent.phone)
        for text in ("hello", *ASK_FOR_PERSON):
            self._text(sent, phone, text)
        sent.handoff = True
        until = min(self.deadline, time.monotonic() + WAIT_FOR_AGENT_S)
        while not any(AGENT_REPLY in m["text"] for m in phone.received()) and time.monotonic() < until:
            time.sleep(0.5)  # the agent's answer comes by the provider's API, through the outbound queue
        for text in AFTER_AGENT:
            self._text(sent, phone, text)

    def _started(self, sent: Sent, app_customer: str | None = None) -> ChatCustomer:
        customer = ChatCustomer(self.base_url)
        token = fetch_app_token(self.base_url, app_customer, customer.session) if app_customer else None
        customer.start(sent.channel, token)
        sent.conversation_id = customer.conversation_id
        return customer

    def _chat(self, sent: Sent, customer: ChatCustomer, texts: tuple[str, ...]) -> None:
        for text in texts:
            message_id = new_message_id()
            sent.message_ids.append(message_id)
            turn = customer.send(text, message_id)
            sent.answered.add(message_id)
            if turn.replies and turn.attempts == 1:
                sent.bot_ms.append(turn.latency_ms)

    def _twice(self, sent: Sent, customer: ChatCustomer, text: str) -> None:
        """The same message from two clients at once: one answer, stored once."""
        message_id = new_message_id()
        sent.message_ids.append(message_id)
        with ThreadPoolExecutor(2) as pool:
            turns = list(pool.map(lambda c: c.send(text, message_id), (customer.resume(), customer.resume())))
        sent.answered.add(message_id)
        sent.answered_twice += turns[0].replies != turns[1].replies

    def _text(self, sent: Sent, phone: SmsPhone, text: str, sid: str | None = None) -> None:
        sid = sid or new_message_sid()
        with sent.lock:
            if sid not in sent.message_ids:  # in the order the phone sent them; a Twilio retry is not a new text
                sent.message_ids.append(sid)
        answer = phone.text(text, sid)
        with sent.lock:
            sent.answered.add(sid)
            if answer.replies:
                sent.sms_ms.append(answer.latency_ms)
                sent.answered_twice += sid in sent.sms_replies  # a duplicate webhook must not be answered again
                sent.sms_replies[sid] = answer.replies


def run_load(stack: LocalStack, config: LoadConfig) -> LoadReport:
    """Drives the load with scripted agents working the queue, then waits (bounded) for the queue to empty."""
    load = Load(stack.url, config)
    handled: list[Handled] = []
    stop = threading.Event()
    agents = [threading.Thread(target=_agent_loop, args=(stack, a.username, handled, stop)) for a in DEMO_AGENTS]
    for agent in agents:
        agent.start()
    started = time.monotonic()
    with ThreadPoolExecutor(config.concurrency) as pool:
        futures = [pool.submit(_within(load, i)) for i in range(config.conversations)]
        conversations = [s for f in futures if (s := f.result()) is not None]
    duration = time.monotonic() - started
    watcher = AgentClient(stack.url, stack.agent_issuer.issue(DEMO_AGENTS[-1].username))  # holds every skill
    until = time.monotonic() + WAIT_FOR_AGENT_S
    while watcher.queue() and time.monotonic() < until:
        time.sleep(0.5)
    stop.set()
    for agent in agents:
        agent.join()
    return LoadReport(conversations, handled, duration, config.conversations - len(conversations))


def _within(load: Load, index: int) -> Callable[[], Sent | None]:
    """The conversation, or None once the deadline has passed (bounded time)."""
    return lambda: load.run(index) if time.monotonic() < load.deadline else None


def _agent_loop(stack: LocalStack, username: str, handled: list[Handled], stop: threading.Event) -> None:
    agent = AgentClient(stack.url, stack.agent_issuer.issue(username))
    while not stop.is_set():
        try:
            done = agent.take_next(AGENT_REPLY)
        except Exception as error:  # noqa: BLE001 - a failed action is reported; the agent carries on
            print(f"agent {username}: {error!r}", file=sys.stderr)
            done = None
        if done is not None:
            handled.append(done)  # list.append is atomic: the agents share one list
        else:
            stop.wait(AGENT_POLL_S)


def summary(report: LoadReport, result: Audit) -> dict[str, object]:
    bot_ms = sorted(ms for c in report.conversations for ms in c.bot_ms)
    sms_ms = sorted(ms for c in report.conversations for ms in c.sms_ms)
    errors = [c.error for c in report.conversations if c.error]
    texting = [c for c in report.conversations if c.channel == "sms"]
    return {
        "conversations": len(report.conversations),
        "skipped": report.skipped,
        "turns": report.turns,
        "duration_s": round(report.duration_s, 1),
        "turns_per_s": round(report.turns / report.duration_s, 2) if report.duration_s else 0.0,
        "bot_turn_p50_ms": _percentile(bot_ms, 0.5),
        "bot_turn_p99_ms": _percentile(bot_ms, 0.99),
        "sms_p50_ms": _percentile(sms_ms, 0.5),
        "sms_p99_ms": _percentile(sms_ms, 0.99),
        "sms_answered_by_twiml": f"{len(sms_ms)}/{sum(len(c.message_ids) for c in texting)}",
        "handoffs_handled": len(report.handled),
        "errors": errors[:5],
        "error_count": len(errors),
        "audit": result.as_dict(),
        "ok": result.ok and not errors and not report.skipped,
    }


def _percentile(ordered: list[float], share: float) -> float:
    return round(ordered[min(len(ordered) - 1, int(share * len(ordered)))], 1) if ordered else 0.0


def main() -> None:
    config = LoadConfig(
        conversations=int(os.environ.get("CONVERSATIONS", "200")),
        concurrency=int(os.environ.get("CONCURRENCY", "10")),
        deadline_s=float(os.environ.get("DEADLINE_S", "900")),
    )
    with tempfile.TemporaryDirectory() as scratch:  # the run's logs and SMS outbox, not the developer's
        stack_config = StackConfig(port=0, region=LOAD_REGION, log_dir=Path(scratch) / "logs", workers_per_function=3)
        with LocalStack(stack_config) as stack:
            report = run_load(stack, config)
            result = audit(Tables.scan(stack), report)
    figures = summary(report, result)
    print(f"{report.turns} turns in {figures['duration_s']} s: {figures['turns_per_s']} turns/s, bot turn "
          f"p50 {figures['bot_turn_p50_ms']} ms / p99 {figures['bot_turn_p99_ms']} ms")  # fmt: skip
    for line in result.findings():
        print(line)
    print(json.dumps(figures))
    sys.exit(0 if figures["ok"] else 1)


if __name__ == "__main__":
    main()
