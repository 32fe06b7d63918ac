"""Fault tests run the real handlers and adapters in-process, against endpoints that fail on purpose: a
DynamoDB proxy in front of the session's moto endpoint (own region) and an NLU endpoint of their own."""

from __future__ import annotations

import io
import json
import logging
import os
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from local.functions import LambdaContext
from local.stack import local_client
from local.tables import create_tables
from tests.api.conftest import load_event
from tests.fakes import FakeNluEndpoint
from tests.faults.endpoints import FaultyDynamoDB

REGION = "ap-northeast-1"  # this package's own moto store
NLU_TIMEOUT_S = 0.5  # Settings.nlu_timeout_s, shortened so a hung NLU costs the test half a second a try


def dynamodb_client(endpoint: str) -> Any:
    return local_client("dynamodb", endpoint, REGION)


@pytest.fixture(scope="session")
def faulty_dynamodb(dynamodb_endpoint: str) -> Iterator[FaultyDynamoDB]:
    create_tables(dynamodb_client(dynamodb_endpoint))
    proxy = FaultyDynamoDB(dynamodb_endpoint)
    yield proxy
    proxy.stop()


@pytest.fixture(scope="session")
def faulty_nlu() -> Iterator[FakeNluEndpoint]:
    endpoint = FakeNluEndpoint()
    yield endpoint
    endpoint.shutdown()


@pytest.fixture(autouse=True)
def healed(faulty_dynamodb: FaultyDynamoDB, faulty_nlu: FakeNluEndpoint) -> Iterator[None]:
    """Each test starts with both endpoints healthy and its own count of calls."""
    faulty_dynamodb.heal()
    faulty_dynamodb.calls.clear()
    faulty_nlu.fault, faulty_nlu.invocations = None, 0
    yield
    faulty_dynamodb.heal()
    faulty_nlu.fault = None


@dataclass(frozen=True)
class Answer:
    status: int
    headers: dict[str, str]
    body: dict[str, Any]
    request_id: str  # what the function logs as the correlation id


@dataclass(frozen=True)
class Conversation:
    conversation_id: str
    token: str


class ChatApi:
    """The chat function's handler, called with API Gateway events as the gateway would (a request id each)."""

    def __init__(self, handler: Callable[[dict[str, Any], Any], dict[str, Any]]) -> None:
        self._handler = handler

    def call(self, event: dict[str, Any]) -> Answer:
        request_id = str(uuid.uuid4())
        event["requestContext"]["requestId"] = request_id
        result = self._handler(event, LambdaContext(function_name="ChatApiFunction", aws_request_id=request_id))
        body = json.loads(result["body"]) if result.get("body") else {}
        return Answer(result["statusCode"], result.get("headers") or {}, body, request_id)

    def start(self) -> Conversation:
        started = self.call(load_event("chat_start_web_conversation"))
        assert started.status == 201, started.body
        return Conversation(started.body["conversation_id"], started.body["token"])

    def say(self, conversation: Conversation, text: str, client_message_id: str | None = None) -> Answer:
        event = load_event("chat_post_message", conversation.conversation_id, f"Bearer {conversation.token}")
        event["body"] = json.dumps({"text": text, "client_message_id": client_message_id or str(uuid.uuid4())})
        return self.call(event)

    def transcript(self, conversation: Conversation) -> list[dict[str, Any]]:
        event = load_event("chat_list_messages", conversation.conversation_id, f"Bearer {conversation.token}")
        answer = self.call(event)
        assert answer.status == 200, answer.body
        return list(answer.body["messages"])


@pytest.fixture
def chat_api(
    function_environment: dict[str, str],
    faulty_dynamodb: FaultyDynamoDB,
    faulty_nlu: FakeNluEndpoint,
    monkeypatch: pytest.MonkeyPatch,
) -> Iterator[ChatApi]:
    """The chat function as deployed, but its DynamoDB and NLU are the faulty endpoints (built afresh, so
    no test meets another's cached clients, and none are left behind)."""
    from bootstrap import get_settings
    from handlers import chat_api

    monkeypatch.setenv("AWS_ENDPOINT_URL_DYNAMODB", faulty_dynamodb.url)
    monkeypatch.setenv("AWS_ENDPOINT_URL_LAMBDA", faulty_nlu.url)
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    monkeypatch.setenv("NLU_TIMEOUT_S", str(NLU_TIMEOUT_S))
    get_settings.cache_clear()
    chat_api.dependencies.cache_clear()
    yield ChatApi(chat_api.handler)
    get_settings.cache_clear()
    chat_api.dependencies.cache_clear()


class Logs:
    """The functions' log lines as they are written (JSON, with the keys Powertools appends)."""

    def __init__(self) -> None:
        self.stream = io.StringIO()

    def lines(self) -> list[dict[str, Any]]:
        return [json.loads(line) for line in self.stream.getvalue().splitlines() if line.strip()]

    def with_message(self, text: str) -> list[dict[str, Any]]:
        return [line for line in self.lines() if text in line.get("message", "")]


@pytest.fixture
def logs() -> Iterator[Logs]:
    import handlers.chat_api  # noqa: F401 - its Logger sets up the service's handler and formatter

    service = logging.getLogger(os.environ["POWERTOOLS_SERVICE_NAME"])
    captured = Logs()
    handler = logging.StreamHandler(captured.stream)
    handler.setFormatter(service.handlers[0].formatter)  # the same formatter: the same appended keys
    service.addHandler(handler)
    yield captured
    service.removeHandler(handler)


def metrics_published(stdout: str) -> list[str]:
    """The names of the metrics in the EMF documents a function printed."""
    names = []
    for line in stdout.splitlines():
        if line.startswith('{"_aws"'):
            document = json.loads(line)
            names += [m["Name"] for d in document["_aws"]["CloudWatchMetrics"] for m in d["Metrics"]]
    return names
