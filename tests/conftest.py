"""Shared fixtures: a moto DynamoDB endpoint over HTTP with the template's tables, and a fake NLU endpoint."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator

import boto3
import pytest

from core.business_hours import WEEKDAYS
from local.dynamodb import DynamoDBEndpoint
from local.stack import LOCAL_APP_TOKEN_SECRET, LocalStack
from local.tables import create_tables
from tests.fakes import FakeNluEndpoint
from tests.stacks import running_stack

# What every Lambda function gets from template.yaml's Globals; Powertools reads it when a handler module is imported.
os.environ.setdefault("POWERTOOLS_SERVICE_NAME", "contact-centre")
os.environ.setdefault("POWERTOOLS_METRICS_NAMESPACE", "ContactCentre")

REGION = "eu-west-1"
ALWAYS_OPEN = json.dumps({"timezone": "UTC", "hours": dict.fromkeys(WEEKDAYS, ["00:00", "23:59:59"])})


@pytest.fixture(scope="session")
def dynamodb_endpoint() -> Iterator[str]:
    server = DynamoDBEndpoint().start()
    endpoint = server.url
    create_tables(
        boto3.client(
            "dynamodb",
            endpoint_url=endpoint,
            region_name=REGION,
            aws_access_key_id="test",
            aws_secret_access_key="test",
        )
    )
    yield endpoint
    server.stop()


@pytest.fixture(scope="session")
def fake_nlu() -> Iterator[FakeNluEndpoint]:
    endpoint = FakeNluEndpoint()
    yield endpoint
    endpoint.shutdown()


@pytest.fixture(scope="session")
def function_environment(
    dynamodb_endpoint: str, fake_nlu: FakeNluEndpoint, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[dict[str, str]]:
    """The environment a deployed function gets, pointed at the local endpoints."""
    environment = {
        "AWS_ENDPOINT_URL_DYNAMODB": dynamodb_endpoint,
        "AWS_ENDPOINT_URL_LAMBDA": fake_nlu.url,
        "AWS_DEFAULT_REGION": REGION,
        "AWS_ACCESS_KEY_ID": "test",
        "AWS_SECRET_ACCESS_KEY": "test",
        "CONVERSATIONS_TABLE": "ConversationsTable",
        "NLU_FUNCTION_NAME": "NluFunction",
        "APP_TOKEN_SECRET": LOCAL_APP_TOKEN_SECRET,
        "POWERTOOLS_TRACE_DISABLED": "true",
        "POWERTOOLS_SERVICE_NAME": "contact-centre",
        "POWERTOOLS_METRICS_NAMESPACE": "ContactCentre",
        # Agents always at work, so tests don't depend on the time of day (after-hours has its own tests).
        "BUSINESS_CALENDAR": ALWAYS_OPEN,
        "SMS_PROVIDER": "local",
        "LOCAL_SMS_OUTBOX": str(tmp_path_factory.mktemp("sms") / "outbox.jsonl"),
    }
    saved = {key: os.environ.get(key) for key in environment}
    os.environ.update(environment)
    yield environment
    for key, value in saved.items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value


@pytest.fixture(scope="session")
def local_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalStack]:
    """The real local stack (gateway, DynamoDB endpoint, NLU endpoint with the trained model), started once."""
    with running_stack(tmp_path_factory.mktemp("stack-logs"), "eu-north-1") as stack:
        yield stack
