"""The SMS edges fuzzed with hypothesis: Twilio's form webhooks (signed, unsigned, tampered) over HTTP, and
End User Messaging's SNS notifications through the SmsInboundFunction handler in its own worker process.

Both edges only enqueue; the stack's SmsProcessorFunction answers what they queued, so `queue_drained` checks
that every fuzzed text that got in was processed rather than left failing on the queue.
"""

from __future__ import annotations

import json
import time
import uuid
from contextlib import closing
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

import requests
from hypothesis import given
from hypothesis import strategies as st
from twilio.request_validator import RequestValidator

from adapters.demo_bank_seed import DEMO_CUSTOMERS
from local.functions import FunctionPool
from local.sms_simulator import LOCAL_ACCOUNT_SID, LOCAL_TWILIO_AUTH_TOKEN, SERVICE_NUMBER, UNKNOWN_NUMBER
from tests.fuzz.oracle import fuzz_settings

if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path

    from hypothesis.strategies import SearchStrategy
    from mypy_boto3_sqs import SQSClient

    from local.stack import LocalStack
    from tests.fuzz.oracle import Tally

TIMEOUT_S = 30
WEBHOOKS = ("/v1/sms/twilio", "/v1/sms/twilio/status")
FORM = "application/x-www-form-urlencoded"
DELIVERY_STATUSES = ("queued", "sent", "delivered", "undelivered", "failed", "read")

# Text a client can send: UTF-8 has no lone surrogates.
TEXT = st.text(st.characters(codec="utf-8"), max_size=40)
LONG_TEXT = st.text(st.characters(codec="utf-8"), max_size=1700)
# What a client can put in a header: visible ASCII.
HEADER_TEXT = st.text(st.characters(min_codepoint=0x21, max_codepoint=0x7E), max_size=40)
PHONES = st.one_of(
    st.sampled_from([c.phone for c in DEMO_CUSTOMERS] + [UNKNOWN_NUMBER]),
    st.from_regex(r"\+[1-9][0-9]{6,14}", fullmatch=True),
    TEXT,
)


def mostly(valid: SearchStrategy[Any], junk: SearchStrategy[Any]) -> SearchStrategy[Any]:
    """Valid three times in four, so that a form with several fields often gets past validation."""
    return st.sampled_from((True, True, True, False)).flatmap(lambda ok: valid if ok else junk)


class Signing(StrEnum):
    SIGNED = "twilio_signed"
    UNSIGNED = "twilio_unsigned"  # no header, or one that is not a signature
    TAMPERED = "twilio_tampered"  # signed, then a field changed on the way


@dataclass(frozen=True)
class Webhook:
    path: str
    form: dict[str, str]
    signing: Signing
    content_type: str
    signature_junk: str


def twilio_forms() -> SearchStrategy[dict[str, str]]:
    """Mostly Twilio-shaped forms (incoming message or delivery status), with junk in any field; or any form."""
    fields: dict[str, SearchStrategy[str]] = {
        "MessageSid": mostly(st.uuids().map(lambda u: "SM" + u.hex), TEXT),
        "AccountSid": mostly(st.just(LOCAL_ACCOUNT_SID), TEXT),
        "From": PHONES,
        "To": st.one_of(st.just(SERVICE_NUMBER), PHONES),
        "Body": LONG_TEXT,
        "NumMedia": mostly(st.integers(0, 10).map(str), TEXT),
    }
    extras: dict[str, SearchStrategy[str]] = {
        "MessageStatus": st.one_of(st.sampled_from(DELIVERY_STATUSES), TEXT),
        "ErrorCode": st.one_of(st.just("30003"), TEXT),
        "SmsSid": TEXT,
        "NumSegments": TEXT,
    }
    shaped = st.fixed_dictionaries(fields, optional=extras)
    return st.one_of(shaped, st.dictionaries(st.one_of(st.sampled_from([*fields, *extras]), TEXT), TEXT, max_size=8))


def webhooks() -> SearchStrategy[Webhook]:
    return st.builds(
        Webhook,
        path=st.sampled_from(WEBHOOKS),
        form=twilio_forms(),
        signing=st.sampled_from(Signing),
        content_type=st.sampled_from([FORM, FORM, FORM + "; charset=utf-8", "text/plain", "application/json", ""]),
        signature_junk=HEADER_TEXT,
    )


def post_webhook(base_url: str, webhook: Webhook) -> requests.Response:
    """Signs the form as Twilio signs the public URL (the local run's PUBLIC_BASE_URL is the gateway's URL)."""
    form = dict(webhook.form)
    signature = RequestValidator(LOCAL_TWILIO_AUTH_TOKEN).compute_signature(base_url + webhook.path, form)
    if webhook.signing is Signing.UNSIGNED:
        signature = webhook.signature_junk
    elif webhook.signing is Signing.TAMPERED:
        form["Body"] = form.get("Body", "") + "!"
    headers = {"Content-Type": webhook.content_type}
    if signature:
        headers["X-Twilio-Signature"] = signature
    return requests.post(base_url + webhook.path, data=urlencode(form), headers=headers, timeout=TIMEOUT_S)


def fuzz_twilio(stack: LocalStack, examples: int, tally: Tally) -> None:
    """No 5xx, every 4xx explained; and a form that is not signed as received is never accepted."""

    @fuzz_settings(examples)
    @given(webhook=webhooks())
    def run(webhook: Webhook) -> None:
        request = f"POST {webhook.path} {webhook.signing} {webhook.content_type!r} {webhook.form!r}"
        try:
            answer = post_webhook(stack.url, webhook)
        except requests.RequestException as error:
            tally.fail(webhook.signing, request, f"no answer: {error!r}")
            return
        content_type = answer.headers.get("content-type", "")
        tally.record(webhook.signing, request, answer.status_code, content_type, answer.content)
        if webhook.signing is not Signing.SIGNED and answer.status_code < 300:
            tally.fail(webhook.signing, request, "accepted without a valid signature", answer.status_code, answer.text)

    run()


def sns_payloads() -> SearchStrategy[str]:
    """The SNS message body: End User Messaging's inbound-SMS JSON with junk in any field, other JSON, or text."""
    junk: SearchStrategy[Any] = st.one_of(st.none(), st.integers(), st.booleans(), TEXT)
    fields = {
        "originationNumber": mostly(PHONES, junk),
        "destinationNumber": mostly(st.just(SERVICE_NUMBER), junk),
        "messageBody": mostly(LONG_TEXT, junk),
        "inboundMessageId": mostly(st.uuids().map(str), junk),
    }
    optional = {"messageKeyword": st.one_of(TEXT, st.none()), "previousPublishedMessageId": st.one_of(TEXT, st.none())}
    shaped = st.fixed_dictionaries(fields, optional=optional).map(json.dumps)
    other_json = st.recursive(
        junk, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(TEXT, inner, max_size=3)
    )
    return mostly(shaped, st.one_of(other_json.map(json.dumps), TEXT))


def sns_event(payloads: list[str]) -> dict[str, Any]:
    """An SNS event as Lambda receives it from the SmsInboundTopic subscription."""
    topic = "arn:aws:sns:eu-west-1:123456789012:SmsInboundTopic"
    return {"Records": [{
        "EventSource": "aws:sns", "EventVersion": "1.0", "EventSubscriptionArn": f"{topic}:{uuid.uuid4()}",
        "Sns": {"Type": "Notification", "MessageId": str(uuid.uuid4()), "TopicArn": topic, "Subject": None,
                "Message": payload, "Timestamp": "2026-11-24T10:00:00.000Z", "SignatureVersion": "1",
                "Signature": "", "SigningCertUrl": "", "UnsubscribeUrl": "", "MessageAttributes": {}},
    } for payload in payloads]}  # fmt: skip


def fuzz_sns(stack: LocalStack, examples: int, tally: Tally, log_dir: Path) -> None:
    """Every record is either queued or rejected, and the handler never fails (SNS would retry it for days)."""
    with closing(inbound_function_pool(stack, log_dir)) as pool:

        @fuzz_settings(examples)
        @given(payloads=st.lists(sns_payloads(), min_size=1, max_size=3))
        def run(payloads: list[str]) -> None:
            _invoke_sns(pool.invoke, payloads, tally)

        run()


def _invoke_sns(invoke: Callable[[dict[str, Any]], Any], payloads: list[str], tally: Tally) -> None:
    tally.cases["sns"] += 1
    try:
        result = invoke(sns_event(payloads))
    except Exception as error:  # noqa: BLE001 - any failure of the function is what this looks for
        tally.fail("sns", repr(payloads), f"the function failed: {error!r}")
        return
    for outcome in ("queued", "rejected"):
        tally.outcomes["sns", outcome] += result.get(outcome, 0)
    if result.get("queued", 0) + result.get("rejected", 0) != len(payloads):
        tally.fail("sns", repr(payloads), f"records neither queued nor rejected: {result}")


def inbound_function_pool(stack: LocalStack, log_dir: Path) -> FunctionPool:
    """SmsInboundFunction in its own worker, with the environment the stack gives its functions."""
    environment = stack.function_environment() | {
        "AWS_ENDPOINT_URL_SQS": stack.dynamodb_endpoint,
        "SMS_QUEUE_URL": queue_url(stack, "SmsInboundQueue"),
        "SMS_OUTBOUND_QUEUE_URL": queue_url(stack, "SmsOutboundQueue"),
    }
    function = stack.template.zip_functions()["SmsInboundFunction"]
    pool = FunctionPool(function, environment, 1, log_dir / "SmsInboundFunction-fuzz.log")
    pool.warm()
    return pool


def queue_drained(stack: LocalStack, tally: Tally, timeout_s: float) -> None:
    """What the edges queued is processed in time: a text the processor fails on stays behind, in flight (for the
    queue's visibility timeout, 120 s), and after its last try goes to the dead letters."""
    client = sqs(stack)
    url, dead_letters = queue_url(stack, "SmsInboundQueue"), queue_url(stack, "SmsInboundDeadLetters")
    deadline = time.monotonic() + timeout_s
    left = _messages_in(client, url)
    while left and time.monotonic() < deadline:
        time.sleep(0.5)
        left = _messages_in(client, url)
    if left:
        tally.fail("sms_processor", url, f"{left} fuzzed texts still on the queue after {timeout_s:.0f} s")
    if dead := _messages_in(client, dead_letters):
        tally.fail("sms_processor", dead_letters, f"{dead} fuzzed texts in the dead letters")


def queue_url(stack: LocalStack, logical_id: str) -> str:
    fifo = bool(stack.template.queues()[logical_id].get("FifoQueue"))
    return sqs(stack).get_queue_url(QueueName=logical_id + (".fifo" if fifo else ""))["QueueUrl"]


def _messages_in(client: SQSClient, url: str) -> int:
    attributes = client.get_queue_attributes(
        QueueUrl=url, AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"]
    )["Attributes"]
    waiting, in_flight = (
        attributes.get("ApproximateNumberOfMessages"),
        attributes.get("ApproximateNumberOfMessagesNotVisible"),
    )
    return int(waiting or 0) + int(in_flight or 0)


def sqs(stack: LocalStack) -> SQSClient:
    client: SQSClient = stack.client("sqs")
    return client
