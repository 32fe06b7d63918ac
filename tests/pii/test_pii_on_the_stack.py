"""The corpus through every path of the real local stack, then every DynamoDB item, every log line and every
outbound text searched for it: no card number, no CVV, no personal data as typed, anywhere.

Paths: web chat, app chat, SMS (the signed Twilio webhook, the queue and the processor), a handoff with agent
replies and a transfer note, an SMS handoff whose agent replies go out by text, and the two flows that keep
free text (a dispute's reason, a new claim's description).
"""

from __future__ import annotations

import json
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pytest

from local.stack import LocalStack
from tests.pii.corpus import AGENT_MESSAGES, ALL_SECRETS, CARDS, CUSTOMER_MESSAGES
from tests.pii.drive import Agent, Chat, app_token, text_the_bot
from tests.pii.scan import Text, item_texts, leaks, log_texts
from tests.stacks import running_stack

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

pytestmark = [pytest.mark.slow, pytest.mark.stack, pytest.mark.timeout(600)]  # starting the stack is most of it

REGION = "us-east-2"  # this module's own moto store
SMS_PHONE = "+447700900103"  # Priya Shah, C-1003
DISPUTER, CLAIMANT = "C-1010", "C-1004"
OUTBOX_WAIT_S = 60  # a loaded 2-core host


@dataclass(frozen=True)
class Run:
    stack: LocalStack
    web: Chat
    app: Chat
    handoff_chat: Chat
    items: list[Text]  # every string attribute of every item of every table
    item_count: int
    log_lines: list[Text]  # every line of every function's log
    outbound_texts: list[Text]  # every SMS sent


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Run]:
    log_dir = tmp_path_factory.mktemp("pii") / "logs"
    with running_stack(log_dir, REGION) as stack:
        web, app, handoff_chat = _drive_every_path(stack)
        _wait_for_agent_texts(stack.sms_outbox)
        items, count = _every_item(stack, log_dir.parent / "dynamodb-items.jsonl")
        yield Run(stack, web, app, handoff_chat, items, count, _log_lines(log_dir), _outbox(stack))


def _drive_every_path(stack: LocalStack) -> tuple[Chat, Chat, Chat]:
    base = stack.url
    web, app = Chat.start(base), Chat.start(base, app_token(base, "C-1001"))
    # The channels at once, as customers would: each function has two workers, and SMS turns mostly wait.
    with ThreadPoolExecutor(max_workers=4) as pool:
        done = [
            pool.submit(lambda: [web.say(m.text) for m in CUSTOMER_MESSAGES]),
            pool.submit(lambda: [app.say(m.text) for m in CUSTOMER_MESSAGES]),
            pool.submit(lambda: [text_the_bot(base, SMS_PHONE, m.text) for m in CUSTOMER_MESSAGES]),
            pool.submit(_free_text_flows, base),
        ]
        for future in done:
            future.result()
    handoff_chat = _web_handoff(stack)
    _sms_handoff(stack)
    return web, app, handoff_chat


def _free_text_flows(base: str) -> None:
    dispute = Chat.start(base, app_token(base, DISPUTER))
    for text in ("I don't recognise a payment", "1", CUSTOMER_MESSAGES[0].text, "yes"):
        dispute.say(text)
    claim = Chat.start(base, app_token(base, CLAIMANT))
    for text in ("I need to make a claim", CUSTOMER_MESSAGES[3].text, "yesterday", "£1,200"):
        claim.say(text)


def _web_handoff(stack: LocalStack) -> Chat:
    chat = Chat.start(stack.url)
    chat.say("I want to talk to a person")
    chat.say(CUSTOMER_MESSAGES[1].text)  # while waiting
    alice, chen = (
        Agent(stack.url, stack.agent_issuer.issue("alice")),
        Agent(stack.url, stack.agent_issuer.issue("chen")),
    )
    handoff = alice.waiting_handoff("web", chat.conversation_id)
    alice.claim(handoff)
    chat.say(CUSTOMER_MESSAGES[4].text)  # to the agent
    for message in AGENT_MESSAGES:
        alice.reply(handoff, message.text)
    alice.context_pack(handoff)
    alice.transfer(handoff, "cards", AGENT_MESSAGES[0].text)
    chen.claim(chen.waiting_handoff("web", chat.conversation_id))
    chen.reply(handoff, AGENT_MESSAGES[2].text)
    chen.resolve(handoff)
    return chat


def _sms_handoff(stack: LocalStack) -> None:
    text_the_bot(stack.url, SMS_PHONE, "I want to talk to a person")
    alice = Agent(stack.url, stack.agent_issuer.issue("alice"))
    handoff = alice.waiting_handoff("sms")
    alice.claim(handoff)
    text_the_bot(stack.url, SMS_PHONE, CUSTOMER_MESSAGES[5].text)
    for message in AGENT_MESSAGES:
        alice.reply(handoff, message.text)
    alice.resolve(handoff)


def _wait_for_agent_texts(outbox: Path) -> None:
    """Agent replies reach an SMS customer through the outbound queue and the sender function."""
    deadline = time.monotonic() + OUTBOX_WAIT_S
    while time.monotonic() < deadline:
        texts = [json.loads(line)["text"] for line in outbox.read_text().splitlines() if line.strip()]
        if sum(text.startswith("Alice:") for text in texts) >= len(AGENT_MESSAGES):
            return
        time.sleep(0.2)
    raise AssertionError("the agent's texts never reached the SMS outbox")


def _every_item(stack: LocalStack, dump: Path) -> tuple[list[Text], int]:
    """Every item of every table, also written to `dump` for whoever reads a failure."""
    client = stack.client("dynamodb")
    texts, lines = [], []
    for table in client.list_tables()["TableNames"]:
        for page in client.get_paginator("scan").paginate(TableName=table):
            for item in page["Items"]:
                key = "/".join(str(item.get(k, {}).get("S", "")) for k in ("pk", "sk"))
                texts += item_texts(f"{table} {key}", item)
                lines.append(json.dumps({"table": table, **item}, ensure_ascii=False, default=str))
    dump.write_text("\n".join(lines))
    return texts, len(lines)


def _log_lines(log_dir: Path) -> list[Text]:
    return [
        Text(f"{log.name}:{number}", line)
        for log in sorted(log_dir.glob("*.log"))
        for number, line in enumerate(log.read_text().splitlines(), 1)
        if line.strip()
    ]


def _outbox(stack: LocalStack) -> list[Text]:
    lines = stack.sms_outbox.read_text().splitlines()
    return [Text(f"sms-outbox.jsonl:{n}", json.loads(line)["text"]) for n, line in enumerate(lines, 1) if line]


def test_the_corpus_reached_every_path_and_was_kept_masked(run: Run) -> None:
    masked_card = f"[card ending {CARDS[0].canonical[-4:]}]"
    web_lines = [m["text"] for m in run.web.transcript() if m["role"] == "customer"]
    assert len(web_lines) == len(CUSTOMER_MESSAGES) and masked_card in web_lines[0]
    assert [m for m in run.app.transcript() if m["role"] == "customer"][0]["text"] == web_lines[0]
    agent_lines = [m["text"] for m in run.handoff_chat.transcript() if m["role"] == "agent"]
    assert len(agent_lines) == len(AGENT_MESSAGES) + 1 and masked_card in agent_lines[0]
    where = {record.where.split(" ")[0] for record in run.items if masked_card in record.text}
    assert {"ConversationsTable", "HandoffsTable", "DemoBankTable"} <= where  # transcripts, transfer note, dispute
    claim_card = f"[card ending {CARDS[3].canonical[-4:]}]"
    assert any(t.where.startswith("DemoBankTable") and claim_card in t.text for t in run.items)  # the claim
    assert any(t.text.startswith("Alice:") and masked_card in t.text for t in run.outbound_texts)
    assert len(run.log_lines) > 100


def test_no_card_number_or_cvv_is_in_any_dynamodb_item(run: Run) -> None:
    findings = leaks(run.items)
    print(f"scanned {run.item_count} items ({len(run.items)} attributes)")  # noqa: T201 - the report's figures
    assert not findings, f"{len(findings)} leaks in {run.item_count} items:\n" + "\n".join(map(str, findings))


def test_no_personal_data_from_the_corpus_is_in_any_item_log_line_or_outbound_text(run: Run) -> None:
    fields = [text for line in run.log_lines for text in log_texts(line.where, line.text)]
    findings = leaks([*run.items, *fields, *run.outbound_texts], ALL_SECRETS)
    print(f"scanned {len(run.log_lines)} log lines, {len(run.outbound_texts)} texts sent")  # noqa: T201
    assert not findings, f"{len(findings)} leaks:\n" + "\n".join(map(str, findings))


def test_every_log_line_is_structured_json_with_a_correlation_id(run: Run) -> None:
    problems = [f"{line.where}: {_problem(line.text)}" for line in run.log_lines if _problem(line.text)]
    assert not problems, f"{len(problems)} of {len(run.log_lines)} log lines:\n" + "\n".join(problems[:40])


def _problem(line: str) -> str | None:
    try:
        document: Any = json.loads(line)
    except ValueError:
        return f"not JSON: {line[:80]!r}"
    if not isinstance(document, dict):
        return "not a JSON object"
    if "_aws" in document:  # an EMF metrics document, not a log record
        return None
    return None if document.get("correlation_id") else f"no correlation id: {document.get('message')!r}"
