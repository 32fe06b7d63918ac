"""The load run's audit: a small load through the real local stack keeps every message once and in order, and the
audit itself notices a lost, duplicated or reordered message and a handoff that disagrees with its conversation."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from benchmarks.load import LOAD_REGION, LoadConfig, LoadReport, Sent, run_load, summary
from benchmarks.load_audit import Tables, audit
from local.clients import Handled
from local.stack import LocalStack
from tests.stacks import running_stack


@pytest.fixture(scope="module")
def load_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalStack]:
    logs = tmp_path_factory.mktemp("load") / "logs"
    with running_stack(logs, LOAD_REGION, workers_per_function=3) as stack:
        yield stack


@pytest.mark.slow
@pytest.mark.stack
@pytest.mark.timeout(900)
def test_a_small_load_on_every_channel_keeps_every_message_once_and_in_order(load_stack):
    report = run_load(load_stack, LoadConfig(conversations=30, concurrency=5, deadline_s=600))
    result = audit(Tables.scan(load_stack), report)
    figures = summary(report, result)

    assert result.ok, "\n".join(result.findings())
    assert figures["error_count"] == 0, figures["errors"]
    assert figures["conversations"] == 30 and figures["turns"] == 180
    assert {c.channel for c in report.conversations} == {"web", "app", "sms"}
    planned = sum(c.handoff for c in report.conversations)
    # Every planned handoff is handled; on a loaded host a slow NLU may honestly hand over a few more.
    assert planned == 9 and len(report.handled) >= planned
    assert load_stack.usage.snapshot()["apigateway"]["POST /v1/sms/twilio"]["count"] >= 72


def _tables(**conversation: object) -> Tables:
    """One web conversation c1 with customer messages m1, m2 (and a bot answer after each)."""
    meta = {"conversation_id": "c1", "status": "bot", "last_seq": 4, "handoff_id": None, **conversation}
    messages = [
        {"seq": 1, "role": "customer", "client_message_id": "m1", "text": "hi", "created_at": "t1"},
        {"seq": 2, "role": "bot", "text": "hello", "created_at": "t1"},
        {"seq": 3, "role": "customer", "client_message_id": "m2", "text": "fees", "created_at": "t2"},
        {"seq": 4, "role": "bot", "text": "none", "created_at": "t2"},
    ]
    return Tables({"c1": meta}, {"c1": messages}, {}, [])


def _report(*message_ids: str, handled: tuple[Handled, ...] = ()) -> LoadReport:
    sent = Sent("web_faq", "web", conversation_id="c1", message_ids=list(message_ids), answered=set(message_ids))
    return LoadReport([sent], list(handled), duration_s=1.0, skipped=0)


def test_the_audit_passes_what_was_stored_once_and_in_order():
    assert audit(_tables(), _report("m1", "m2")).ok


def test_the_audit_finds_a_lost_message():
    result = audit(_tables(), _report("m1", "m2", "m3"))
    assert not result.ok and len(result.lost) == 1


def test_the_audit_finds_a_reordered_and_a_repeated_message():
    assert audit(_tables(), _report("m2", "m1")).reordered
    tables = _tables(last_seq=5)
    tables.messages["c1"].append({"seq": 5, "role": "customer", "client_message_id": "m2", "created_at": "t3"})
    assert audit(tables, _report("m1", "m2")).duplicated


def test_the_audit_finds_a_gap_in_the_transcript():
    tables = _tables()
    del tables.messages["c1"][1]
    assert audit(tables, _report("m1", "m2")).numbering


def test_the_audit_finds_a_bot_owned_conversation_with_a_claimed_handoff_and_a_double_claim():
    tables = _tables()
    tables.handoffs["h1"] = {"handoff_id": "h1", "conversation_id": "c1", "status": "claimed", "agent_id": "a1"}
    tables.agents.append({"agent_id": "a1", "username": "chen", "active": 1})
    twice = (Handled("h1", "c1", "web", "r1"), Handled("h1", "c1", "web", "r2"))
    result = audit(tables, _report("m1", "m2", handled=twice))
    assert result.inconsistent and result.claimed_twice and result.unresolved


def test_the_audit_finds_a_duplicate_webhook_answered_twice():
    report = _report("m1", "m2")
    report.conversations[0].answered_twice = 1
    assert not audit(_tables(), report).ok
