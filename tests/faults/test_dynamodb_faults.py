"""DynamoDB throttling and racing writers, injected by a proxy in front of the DynamoDB endpoint, met by the real
stores through the real chat handler: a 503 with Retry-After when it must, and each message stored exactly once."""

from __future__ import annotations

import pytest

from bootstrap import build_chat_dependencies, get_settings
from tests.faults.conftest import Answer, ChatApi, Conversation, Logs, metrics_published
from tests.faults.endpoints import FaultyDynamoDB

BUSY = "The conversation store is busy; please retry in a moment"


def _customer_lines(chat_api: ChatApi, conversation: Conversation) -> list[str]:
    return [m["text"] for m in chat_api.transcript(conversation) if m["role"] == "customer"]


def _gave_up_visibly(answer: Answer, logs: Logs, stdout: str, message: str = BUSY) -> None:
    """A 503 the client may retry, a metric an alarm counts, and a log line naming the request that gave up."""
    assert answer.status == 503 and answer.headers.get("Retry-After") == "1"
    assert answer.body["message"] == message
    assert "GaveUpBusy" in metrics_published(stdout)
    assert answer.request_id in {line.get("correlation_id") for line in logs.with_message("gave up")}


def test_dynamodb_throttling_is_retried_then_a_503_with_retry_after_and_the_retry_is_stored_once(
    chat_api: ChatApi, faulty_dynamodb: FaultyDynamoDB, logs: Logs, capsys: pytest.CaptureFixture[str]
) -> None:
    conversation = chat_api.start()
    cid = conversation.conversation_id

    faulty_dynamodb.throttle("GetItem", touching=cid, times=2)  # a burst botocore's retries ride out
    assert chat_api.say(conversation, "hello", "m1").status == 200
    assert faulty_dynamodb.count("GetItem") >= 3

    faulty_dynamodb.throttle("GetItem", touching=cid)  # throttled past botocore's retries (4 tries)
    _gave_up_visibly(chat_api.say(conversation, "when are you open on saturday", "m2"), logs, capsys.readouterr().out)

    for reason in ("ThrottlingError", "ProvisionedThroughputExceeded"):  # the write, throttled in a transaction
        faulty_dynamodb.heal()
        faulty_dynamodb.cancel_transactions(reason, touching=cid)
        before = faulty_dynamodb.count("TransactWriteItems")
        answer = chat_api.say(conversation, "when are you open on saturday", "m2")
        _gave_up_visibly(answer, logs, capsys.readouterr().out)
        assert faulty_dynamodb.count("TransactWriteItems") == before + 1  # not mistaken for a race and retried

    faulty_dynamodb.heal()  # the client retries with the same client_message_id, as the chat page does
    retried = chat_api.say(conversation, "when are you open on saturday", "m2")
    assert retried.status == 200 and "Saturday" in retried.body["replies"][0]["text"]
    assert _customer_lines(chat_api, conversation) == ["hello", "when are you open on saturday"]


def test_a_conversation_race_lost_at_the_conditional_write_is_retried_and_both_messages_kept_in_order(
    chat_api: ChatApi, faulty_dynamodb: FaultyDynamoDB
) -> None:
    conversation = chat_api.start()
    other_container = build_chat_dependencies(get_settings()).conversations

    def other_tab_sends_first() -> None:
        # The same customer's other tab, served by another Lambda container, commits between our read and write.
        other_container.handle_message(conversation.conversation_id, conversation.token, "thanks", "other-tab")

    faulty_dynamodb.before("TransactWriteItems", other_tab_sends_first, touching=conversation.conversation_id)
    before = faulty_dynamodb.count("TransactWriteItems")
    answer = chat_api.say(conversation, "when are you open on saturday", "this-tab")
    assert answer.status == 200 and "Saturday" in answer.body["replies"][0]["text"]
    assert faulty_dynamodb.count("TransactWriteItems") == before + 3  # ours lost to the other tab's, then won
    transcript = chat_api.transcript(conversation)
    customer = [m for m in transcript if m["role"] == "customer"]
    assert [m["text"] for m in customer] == ["thanks", "when are you open on saturday"]
    by_seq = {m["seq"]: m for m in transcript}
    assert sorted(by_seq) == list(range(min(by_seq), min(by_seq) + len(transcript)))  # no gap, no duplicate
    for message in customer:  # each answered right after it, never interleaved
        assert by_seq[message["seq"] + 1]["role"] == "bot"


def test_a_conversation_that_keeps_losing_races_gives_up_with_a_503_and_the_retry_is_stored_once(
    chat_api: ChatApi, faulty_dynamodb: FaultyDynamoDB, logs: Logs, capsys: pytest.CaptureFixture[str]
) -> None:
    conversation = chat_api.start()
    faulty_dynamodb.cancel_transactions("ConditionalCheckFailed", touching=conversation.conversation_id)
    before = faulty_dynamodb.count("TransactWriteItems")
    answer = chat_api.say(conversation, "hello", "m1")
    _gave_up_visibly(answer, logs, capsys.readouterr().out, "This conversation is busy; please retry in a moment")
    assert faulty_dynamodb.count("TransactWriteItems") == before + 12  # the core's tries, with full-jitter backoff

    faulty_dynamodb.heal()
    assert chat_api.say(conversation, "hello", "m1").status == 200
    assert chat_api.say(conversation, "hello", "m1").status == 200  # a late duplicate: the first answer again
    assert _customer_lines(chat_api, conversation) == ["hello"]
