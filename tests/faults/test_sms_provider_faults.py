"""The SMS provider answering 5xx or hanging, met by the real Twilio and End User Messaging senders inside the
sender function, fed by a real SQS FIFO queue with its dead-letter queue (moto), as Lambda's event source
mapping feeds it: a text is delayed and sent once after recovery, or dead-lettered visibly.

The queue's clock is compressed: where the sender asks SQS to hide a text for its backoff, the test records the
delay and makes the text visible again at once.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest
from botocore.config import Config

from adapters.dynamodb_conversations import DynamoConversationStore
from adapters.dynamodb_sms import DynamoDeliveryLog
from adapters.end_user_messaging import EndUserMessagingSender
from adapters.sqs_sms_queue import SqsOutboundQueue
from adapters.twilio_sms import TwilioSender
from bootstrap import SmsSending
from channels.sms_service import QueuedSender, SmsSender
from core.models import Channel, Conversation, Message, Role
from handlers import sms_sender
from local.functions import LambdaContext
from local.queues import QueuePoller
from local.stack import local_client
from tests.faults.conftest import REGION, Logs, dynamodb_client, metrics_published
from tests.faults.endpoints import FakeSmsProvider, LocalTwilioHttp

PHONE = "+447700900104"
MAX_ATTEMPTS = 4  # the queue's maxReceiveCount (6 in template.yaml)
SEND_TIMEOUT_S = 0.5
WAIT_S = 20
NOW = datetime.now(UTC)


@pytest.fixture(scope="module")
def provider() -> Iterator[FakeSmsProvider]:
    fake = FakeSmsProvider(hang_s=4 * SEND_TIMEOUT_S)
    yield fake
    fake.stop()


@pytest.fixture(params=["twilio", "end_user_messaging"])
def sender(request: pytest.FixtureRequest, provider: FakeSmsProvider) -> SmsSender:
    """The real sender of each provider, talking to the fake provider with a short timeout."""
    if request.param == "twilio":
        http = LocalTwilioHttp(provider.url, timeout=SEND_TIMEOUT_S)
        return TwilioSender("AC" + "0" * 32, "auth-token", "+447700900000", http_client=http)
    client = boto3.client(
        "pinpoint-sms-voice-v2",
        endpoint_url=provider.url,
        region_name=REGION,
        aws_access_key_id="test",
        aws_secret_access_key="test",
        config=Config(read_timeout=SEND_TIMEOUT_S, retries={"total_max_attempts": 1}),
    )
    return EndUserMessagingSender(client, "+447700900000")


@dataclass
class SenderFunction:
    """SmsSenderFunction with its queue, dead-letter queue and event source mapping, all on moto."""

    sqs: Any
    queue_url: str
    dead_letters_url: str
    backoffs: list[int]
    poller: QueuePoller

    def dead_lettered(self) -> list[str]:
        received = self.sqs.receive_message(QueueUrl=self.dead_letters_url, MaxNumberOfMessages=10)
        return [m["Body"] for m in received.get("Messages", [])]


@pytest.fixture
def sender_function(dynamodb_endpoint: str, sender: SmsSender) -> Iterator[SenderFunction]:
    sqs = local_client("sqs", dynamodb_endpoint, REGION)
    name = uuid.uuid4().hex[:12]
    fifo = {"FifoQueue": "true", "ContentBasedDeduplication": "false"}
    dead_letters = sqs.create_queue(QueueName=f"{name}-dlq.fifo", Attributes=fifo)["QueueUrl"]
    dlq_arn = sqs.get_queue_attributes(QueueUrl=dead_letters, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    redrive = f'{{"deadLetterTargetArn": "{dlq_arn}", "maxReceiveCount": "{MAX_ATTEMPTS}"}}'
    queue = sqs.create_queue(
        QueueName=f"{name}.fifo", Attributes={**fifo, "VisibilityTimeout": "1", "RedrivePolicy": redrive}
    )["QueueUrl"]
    backoffs: list[int] = []

    def backoff(receipt_handle: str, seconds: int) -> None:
        backoffs.append(seconds)  # asked for `seconds`; on the test's clock, now
        sqs.change_message_visibility(QueueUrl=queue, ReceiptHandle=receipt_handle, VisibilityTimeout=0)

    log = DynamoDeliveryLog(dynamodb_client(dynamodb_endpoint), "ConversationsTable")
    deps = SmsSending(sender, log, backoff, MAX_ATTEMPTS)
    context = LambdaContext(function_name="SmsSenderFunction", aws_request_id="sender")

    # The handler's own decorators (log context, metrics flushed per invocation) around the test's dependencies.
    @sms_sender.logger.inject_lambda_context(clear_state=True)
    @sms_sender.metrics.log_metrics
    def handler(event: dict[str, Any], context: LambdaContext) -> Any:
        return sms_sender.send_in_order(event, context, deps)

    poller = QueuePoller(sqs, queue, lambda event: handler(event, context)).start()
    yield SenderFunction(sqs, queue, dead_letters, backoffs, poller)
    poller.stop()


@pytest.fixture
def agent_line(dynamodb_endpoint: str) -> tuple[DynamoConversationStore, str]:
    """An SMS conversation whose line 2 is an agent's reply, waiting to go out by text."""
    store = DynamoConversationStore(dynamodb_client(dynamodb_endpoint), "ConversationsTable", timedelta(days=1))
    conversation = Conversation(conversation_id=str(uuid.uuid4()), channel=Channel.SMS, token_hash="x", created_at=NOW)
    store.create(
        conversation,
        [
            Message(seq=1, role=Role.CUSTOMER, text="is anyone there?", created_at=NOW),
            Message(seq=2, role=Role.AGENT, text="Hello, I'm Chen", created_at=NOW, author="Chen"),
        ],
    )
    return store, conversation.conversation_id


def _queue_agent_reply(function: SenderFunction, conversation_id: str) -> str:
    """What the agent function does with a reply to an SMS customer: queue it for the sender."""
    outbound = QueuedSender(SqsOutboundQueue(function.sqs, function.queue_url), lambda: NOW)
    return outbound.send_for(PHONE, "Chen: Hello, I'm Chen", conversation_id, 2)


def _eventually(done: Any) -> None:
    deadline = time.monotonic() + WAIT_S
    while not done():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def test_sms_provider_5xx_and_timeouts_delay_a_text_that_is_sent_once_after_recovery(
    provider: FakeSmsProvider,
    sender_function: SenderFunction,
    agent_line: tuple[DynamoConversationStore, str],
    logs: Logs,
) -> None:
    store, conversation_id = agent_line
    provider.script, provider.accepted, provider.attempts = ["500", "hang", "503"], [], 0
    outbound_id = _queue_agent_reply(sender_function, conversation_id)
    _eventually(lambda: provider.accepted)
    _eventually(lambda: store.list_messages(conversation_id, 1, 10)[0].delivery == "sent")
    assert provider.accepted == [(PHONE, "Chen: Hello, I'm Chen")]  # once, after three failures
    assert provider.attempts == 4
    delays = sender_function.backoffs
    assert len(delays) == 3 and 2 <= delays[0] <= 5 and 5 <= delays[1] <= 10 and 10 <= delays[2] <= 20  # jittered
    retries = logs.with_message("trying again later")
    assert [line["correlation_id"] for line in retries] == [outbound_id] * 3
    assert {line["error"] for line in retries} == {"ServiceBusy"}  # 5xx and timeouts alike: not now, not never
    assert sender_function.dead_lettered() == []


def test_sms_provider_down_past_every_retry_dead_letters_the_text_visibly(
    provider: FakeSmsProvider,
    sender_function: SenderFunction,
    agent_line: tuple[DynamoConversationStore, str],
    logs: Logs,
    capsys: pytest.CaptureFixture[str],
) -> None:
    store, conversation_id = agent_line
    provider.script, provider.accepted, provider.attempts = ["500", "hang"] * MAX_ATTEMPTS, [], 0
    outbound_id = _queue_agent_reply(sender_function, conversation_id)
    dead: list[str] = []
    _eventually(lambda: dead.extend(sender_function.dead_lettered()) or dead)
    assert outbound_id in dead[0] and provider.accepted == [] and provider.attempts == MAX_ATTEMPTS
    assert store.list_messages(conversation_id, 1, 10)[0].delivery == "failed"  # the agent sees it was not sent
    assert "SmsSendFailed" in metrics_published(capsys.readouterr().out)
    [gave_up] = logs.with_message("dead-letter queue")
    assert gave_up["correlation_id"] == outbound_id and gave_up["level"] == "ERROR"
    assert gave_up["conversation_id"] == conversation_id


def test_sms_retry_delays_are_jittered_so_texts_held_back_by_one_outage_do_not_return_together() -> None:
    for attempt, step in ((1, 5), (3, 20), (10, 900)):
        delays = {sms_sender.backoff_delay(attempt) for _ in range(200)}
        assert len(delays) > 1 and min(delays) >= step // 2 and max(delays) <= step
