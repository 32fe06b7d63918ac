"""The NLU function down, slow past its timeout, or answering garbage, met by the real LambdaNluClient over the
Invoke API: the customer gets an honest answer at once, then a person; no message is lost or doubled."""

from __future__ import annotations

import time

import pytest

from tests.fakes import FakeNluEndpoint, NluFault
from tests.faults.conftest import NLU_TIMEOUT_S, ChatApi, Conversation

HONEST = "I'm having trouble understanding messages right now"


def _customer_lines(chat_api: ChatApi, conversation: Conversation) -> list[str]:
    return [m["text"] for m in chat_api.transcript(conversation) if m["role"] == "customer"]


@pytest.mark.parametrize("fault", [NluFault.FUNCTION_ERROR, NluFault.UNAVAILABLE, NluFault.THROTTLED])
def test_nlu_function_down_gets_an_honest_answer_then_a_person(
    chat_api: ChatApi, faulty_nlu: FakeNluEndpoint, fault: NluFault
) -> None:
    conversation = chat_api.start()
    faulty_nlu.fault = fault
    first = chat_api.say(conversation, "what is my balance")
    second = chat_api.say(conversation, "hello? what is my balance")
    assert first.status == second.status == 200
    assert HONEST in first.body["replies"][0]["text"] and first.body["status"] == "bot"
    assert "passing you to a colleague" in second.body["replies"][0]["text"]
    assert second.body["status"] == "queued"  # in the agents' queue (reason nlu_unavailable), still answered
    assert _customer_lines(chat_api, conversation) == ["what is my balance", "hello? what is my balance"]
    faulty_nlu.fault = None
    assert chat_api.say(conversation, "hello").status == 200  # back up: nothing stuck


def test_nlu_slow_past_its_timeout_gets_an_honest_answer_without_the_wait(
    chat_api: ChatApi, faulty_nlu: FakeNluEndpoint
) -> None:
    conversation = chat_api.start()
    faulty_nlu.fault, faulty_nlu.delay_s = NluFault.SLOW, 10 * NLU_TIMEOUT_S
    started = time.monotonic()
    answer = chat_api.say(conversation, "when are you open on saturday")
    waited = time.monotonic() - started
    assert answer.status == 200 and HONEST in answer.body["replies"][0]["text"]
    # Every try is cut off at the read timeout, so the customer never waits for the NLU's own 5 s: at most
    # botocore's tries (max_attempts 2 retries = 3 tries) times the timeout, plus its jittered backoff (< 3 s).
    assert 1 <= faulty_nlu.invocations <= 3
    assert waited < faulty_nlu.invocations * NLU_TIMEOUT_S + 3
    assert _customer_lines(chat_api, conversation) == ["when are you open on saturday"]
    faulty_nlu.fault = None
    assert "Saturday" in chat_api.say(conversation, "when are you open on saturday").body["replies"][0]["text"]


@pytest.mark.parametrize(
    "garbage",
    [
        b"<html><body><h1>502 Bad Gateway</h1></body></html>",
        b'{"intent": {"name": "check_balance", "confid',
        b'{"intent": {"name": "check_balance", "confidence": 7.5}}',
        b'{"intent": {"name": "check_balance", "confidence": NaN}}',
        b'{"intent": {"name": "DROP TABLE conversations", "confidence": 0.99}}',
        b'{"errorMessage": "model not loaded"}',
    ],
    ids=["html", "truncated", "confidence-above-1", "nan", "not-an-intent-name", "wrong-shape"],
)
def test_nlu_returning_garbage_is_not_acted_on_and_the_customer_hears_so(
    chat_api: ChatApi, faulty_nlu: FakeNluEndpoint, garbage: bytes
) -> None:
    conversation = chat_api.start()
    faulty_nlu.fault, faulty_nlu.garbage = NluFault.GARBAGE, garbage
    answer = chat_api.say(conversation, "what is my balance")
    assert answer.status == 200
    assert HONEST in answer.body["replies"][0]["text"]  # not the balance flow on a confidence of 7.5
    assert _customer_lines(chat_api, conversation) == ["what is my balance"]
