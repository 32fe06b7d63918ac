from datetime import timedelta

import boto3
import pytest
from botocore.stub import Stubber

from adapters.dynamodb_conversations import DynamoConversationStore
from core.errors import ServiceBusy


def test_a_throttled_read_past_the_retries_is_service_busy_not_a_crash():
    client = boto3.client("dynamodb", region_name="eu-west-1", aws_access_key_id="x", aws_secret_access_key="x")
    store = DynamoConversationStore(client, "ConversationsTable", timedelta(days=1))
    with Stubber(client) as stub:
        stub.add_client_error("get_item", service_error_code="ProvisionedThroughputExceededException")
        with pytest.raises(ServiceBusy, match="conversation store"):
            store.get("3f0c6a52-4d1e-4c8a-9a57-2f9b1d6e8c10")


def test_other_client_errors_are_not_mistaken_for_throttling():
    client = boto3.client("dynamodb", region_name="eu-west-1", aws_access_key_id="x", aws_secret_access_key="x")
    store = DynamoConversationStore(client, "ConversationsTable", timedelta(days=1))
    with Stubber(client) as stub:
        stub.add_client_error("get_item", service_error_code="ResourceNotFoundException")
        with pytest.raises(client.exceptions.ResourceNotFoundException):
            store.get("3f0c6a52-4d1e-4c8a-9a57-2f9b1d6e8c10")


def test_a_timeout_past_the_retries_is_service_busy_not_a_crash():
    from botocore.exceptions import EndpointConnectionError, ReadTimeoutError

    from adapters.dynamodb_errors import call
    from core.errors import ServiceBusy

    for error in (ReadTimeoutError(endpoint_url="http://ddb"), EndpointConnectionError(endpoint_url="http://ddb")):

        def fails(error: Exception = error) -> dict:
            raise error

        with pytest.raises(ServiceBusy):
            call("The conversation store", fails)
