"""SQS locally: the queues declared in template.yaml on the embedded moto endpoint, and a poller that
invokes each function with SQS events the way Lambda's event source mapping does (batches, partial
batch failures: only the failed records return to the queue)."""

from __future__ import annotations

import sys
import threading
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Callable

    from mypy_boto3_sqs import SQSClient

    from local.template import Template

_ATTRIBUTES = (
    "FifoQueue",
    "ContentBasedDeduplication",
    "DeduplicationScope",
    "FifoThroughputLimit",
    "VisibilityTimeout",
)


def create_queues(client: SQSClient, template: Template) -> dict[str, str]:
    """Every queue of the template, named by its logical id (".fifo" for FIFO queues); logical id -> URL."""
    urls = {}
    for name, properties in template.queues().items():
        fifo = bool(properties.get("FifoQueue"))
        attributes = {k: str(properties[k]).lower() if isinstance(properties[k], bool) else str(properties[k])
                      for k in _ATTRIBUTES if k in properties}  # fmt: skip
        urls[name] = client.create_queue(QueueName=name + (".fifo" if fifo else ""), Attributes=attributes)["QueueUrl"]
    return urls


class QueuePoller:
    """Lambda's SQS event source mapping for one function, as a thread."""

    def __init__(self, client: SQSClient, queue_url: str, invoke: Callable[[dict[str, Any]], Any], batch: int = 10):
        self._client, self._url, self._invoke, self._batch = client, queue_url, invoke, batch
        self._stopped = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"poll {queue_url.rsplit('/', 1)[-1]}", daemon=True)

    def start(self) -> QueuePoller:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopped.set()
        self._thread.join(timeout=5)

    def _run(self) -> None:
        while not self._stopped.is_set():
            try:
                received = self._client.receive_message(
                    QueueUrl=self._url, MaxNumberOfMessages=self._batch, WaitTimeSeconds=0,
                    AttributeNames=["All"], MessageAttributeNames=["All"],
                ).get("Messages", [])  # fmt: skip
                if received:
                    self._deliver(received)
                else:
                    self._stopped.wait(0.05)
            except Exception as error:  # noqa: BLE001 - the poller outlives a failed batch, as Lambda's does
                print(f"queue poller: {error!r}", file=sys.stderr)
                self._stopped.wait(1)

    def _deliver(self, messages: list[Any]) -> None:
        event = {"Records": [_record(m, self._url) for m in messages]}
        result = self._invoke(event) or {}
        failed = {f["itemIdentifier"] for f in result.get("batchItemFailures", [])}
        done = [{"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(messages)
                if m["MessageId"] not in failed]  # fmt: skip
        if done:
            self._client.delete_message_batch(QueueUrl=self._url, Entries=done)  # type: ignore[arg-type]


def _record(message: Any, queue_url: str) -> dict[str, Any]:
    name = queue_url.rsplit("/", 1)[-1]
    return {
        "messageId": message["MessageId"],
        "receiptHandle": message["ReceiptHandle"],
        "body": message["Body"],
        "attributes": message.get("Attributes", {}),
        "messageAttributes": message.get("MessageAttributes", {}),
        "md5OfBody": message.get("MD5OfBody", ""),
        "eventSource": "aws:sqs",
        "eventSourceARN": f"arn:aws:sqs:eu-west-1:123456789012:{name}",
        "awsRegion": "eu-west-1",
    }
