"""The short fuzzing run of CI (`make fuzz` is the long one): no answer of the local stack is ever a 5xx, and
every 4xx is JSON with a "message", whoever calls; an unsigned Twilio form is never accepted; every SNS record
is queued or rejected, and what got queued is answered."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from channels.sms_service import InboundSms
from local.sms_simulator import LOCAL_ACCOUNT_SID, SERVICE_NUMBER
from local.stack import LocalStack
from tests.fuzz.api import Caller, callers, fuzz_api, load_schema
from tests.fuzz.oracle import Tally
from tests.fuzz.sms import (
    FORM,
    Signing,
    Webhook,
    fuzz_sns,
    fuzz_twilio,
    post_webhook,
    queue_drained,
    queue_url,
    sqs,
)
from tests.stacks import running_stack

pytestmark = [pytest.mark.slow, pytest.mark.stack]

# Cases per operation, caller and mode (valid, invalid): about a minute of requests on the 2-core machine.
EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "8"))


@pytest.fixture(scope="module")
def fuzz_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalStack]:
    """A stack of its own (the fuzzing leaves junk behind), in a region no other test module uses, with its own
    SMS outbox (the stack keeps it beside its log folder)."""
    with running_stack(tmp_path_factory.mktemp("fuzz") / "logs", "ca-central-1") as stack:
        yield stack


@pytest.fixture(scope="module")
def fuzz_callers(fuzz_stack: LocalStack) -> dict[str, Caller]:
    return {caller.name: caller for caller in callers(fuzz_stack)}


@pytest.mark.parametrize("caller", ["anonymous", "customer", "agent"])
def test_no_route_answers_a_server_error_or_an_unexplained_client_error(fuzz_stack, fuzz_callers, caller):
    tally = Tally()
    schema = load_schema(fuzz_stack)
    fuzz_api(fuzz_stack, schema, fuzz_callers[caller], EXAMPLES, tally)
    assert tally.cases[caller] >= EXAMPLES * len(fuzz_stack.template.routes())
    assert not tally.failures, tally.report()


def test_the_twilio_webhooks_accept_only_signed_forms_and_never_fail(fuzz_stack):
    tally = Tally()
    fuzz_twilio(fuzz_stack, 6 * EXAMPLES, tally)
    assert all(tally.cases[signing] for signing in Signing), tally.summary()
    assert not tally.failures, tally.report()


@pytest.mark.parametrize("sender", ["12345", "BANKALERT", "whatsapp:+447700900101"])
def test_a_signed_text_from_a_sender_that_is_not_a_phone_number_gets_a_4xx(fuzz_stack, sender):
    # Found by the fuzzing: Twilio signs texts from short codes and alphanumeric ids too; they were a 500.
    form = {"MessageSid": "SM" + uuid.uuid4().hex, "AccountSid": LOCAL_ACCOUNT_SID, "From": sender,
            "To": SERVICE_NUMBER, "Body": "hello"}  # fmt: skip
    answer = post_webhook(fuzz_stack.url, Webhook("/v1/sms/twilio", form, Signing.SIGNED, FORM, ""))
    assert answer.status_code == 400
    assert "E.164" in answer.json()["message"]


def test_a_text_delivered_again_after_its_twiml_answer_is_not_stuck_on_the_queue(fuzz_stack):
    # Found by the fuzzing: the idempotent processor replayed the empty result of a text answered by TwiML as
    # None and failed on it, so SQS's at-least-once redelivery held back the sender's later texts.
    phone, sid = "+447700900110", "SM" + uuid.uuid4().hex
    form = {"MessageSid": sid, "AccountSid": LOCAL_ACCOUNT_SID, "From": phone, "To": SERVICE_NUMBER, "Body": "hi"}
    answer = post_webhook(fuzz_stack.url, Webhook("/v1/sms/twilio", form, Signing.SIGNED, FORM, ""))
    assert answer.status_code == 200 and "<Message>" in answer.text
    redelivered = InboundSms(provider_message_id=sid, phone=phone, text="hi", received_at=datetime.now(UTC))
    sqs(fuzz_stack).send_message(
        QueueUrl=queue_url(fuzz_stack, "SmsInboundQueue"),
        MessageBody=redelivered.model_dump_json(),
        MessageGroupId=uuid.uuid4().hex,
        MessageDeduplicationId=uuid.uuid4().hex,  # past SQS's 5-minute deduplication, as a redelivery is
    )
    tally = Tally()
    queue_drained(fuzz_stack, tally, timeout_s=30)
    assert not tally.failures, tally.report()


def test_every_sns_notification_is_queued_or_rejected_and_every_queued_text_is_answered(fuzz_stack, tmp_path):
    tally = Tally()
    fuzz_sns(fuzz_stack, 2 * EXAMPLES, tally, tmp_path)
    queue_drained(fuzz_stack, tally, timeout_s=90)  # a failed text would be back only after 120 s
    assert tally.cases["sns"] >= EXAMPLES
    assert not tally.failures, tally.report()
