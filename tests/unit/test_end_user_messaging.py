"""AWS End User Messaging SMS: sending through a stubbed pinpoint-sms-voice-v2 client, and the two-way SNS payload."""

import json
from pathlib import Path

import boto3
import pytest
from botocore.exceptions import ClientError
from botocore.stub import Stubber
from pydantic import ValidationError

from adapters.end_user_messaging import EndUserMessagingInbound, EndUserMessagingSender
from core.errors import ServiceBusy, SmsRecipientOptedOut, SmsRejected

EVENTS = Path(__file__).resolve().parents[2] / "events"
POOL = "pool-0123456789abcdef0123456789abcdef"
CUSTOMER = "+447700900101"
MESSAGE_ID = "9a2b7c1d-4e5f-4a6b-8c7d-0e1f2a3b4c5d"


@pytest.fixture
def client():
    client = boto3.client(
        "pinpoint-sms-voice-v2", region_name="eu-west-1", aws_access_key_id="test", aws_secret_access_key="test"
    )
    with Stubber(client) as stubber:
        client.stubber = stubber
        yield client
        stubber.assert_no_pending_responses()


def expected_request(**extra):
    return {
        "DestinationPhoneNumber": CUSTOMER,
        "OriginationIdentity": POOL,
        "MessageBody": "Your balance is £12.30",
        "MessageType": "TRANSACTIONAL",
        **extra,
    }


def test_a_sent_text_returns_the_message_id(client):
    client.stubber.add_response("send_text_message", {"MessageId": MESSAGE_ID}, expected_request())

    assert EndUserMessagingSender(client, POOL).send(CUSTOMER, "Your balance is £12.30") == MESSAGE_ID


def test_the_configuration_set_is_named_when_there_is_one(client):
    client.stubber.add_response(
        "send_text_message", {"MessageId": MESSAGE_ID}, expected_request(ConfigurationSetName="sms-events")
    )

    sender = EndUserMessagingSender(client, POOL, configuration_set="sms-events")

    assert sender.send(CUSTOMER, "Your balance is £12.30") == MESSAGE_ID


@pytest.mark.parametrize(
    ("code", "status"),
    [("ThrottlingException", 400), ("ServiceQuotaExceededException", 402), ("InternalServerException", 500)],
)
def test_throttling_quota_or_an_outage_is_service_busy(client, code, status):
    client.stubber.add_client_error("send_text_message", code, "Rate exceeded", status)

    with pytest.raises(ServiceBusy):
        EndUserMessagingSender(client, POOL).send(CUSTOMER, "hello")


def test_an_opted_out_destination_is_reported_as_such(client):
    client.stubber.add_client_error(
        "send_text_message",
        "ConflictException",
        "The destination phone number is opted out",
        400,
        modeled_fields={"Reason": "DESTINATION_PHONE_NUMBER_OPTED_OUT", "ResourceType": "opted-out-number"},
    )

    with pytest.raises(SmsRecipientOptedOut) as raised:
        EndUserMessagingSender(client, POOL).send(CUSTOMER, "hello")
    assert raised.value.phone == CUSTOMER


def test_an_invalid_request_is_rejected_with_the_services_reason(client):
    client.stubber.add_client_error(
        "send_text_message",
        "ValidationException",
        "Destination country is blocked",
        400,
        modeled_fields={"Reason": "DESTINATION_COUNTRY_BLOCKED"},
    )

    with pytest.raises(SmsRejected, match="DESTINATION_COUNTRY_BLOCKED"):
        EndUserMessagingSender(client, POOL).send(CUSTOMER, "hello")


def test_missing_permissions_are_not_mistaken_for_a_rejected_message(client):
    client.stubber.add_client_error("send_text_message", "AccessDeniedException", "Not authorised", 403)

    with pytest.raises(ClientError):
        EndUserMessagingSender(client, POOL).send(CUSTOMER, "hello")


def test_the_two_way_payload_is_read_from_the_sns_record():
    event = json.loads((EVENTS / "sms_end_user_messaging_sns.json").read_text())

    inbound = EndUserMessagingInbound.from_sns_record(event["Records"][0])

    assert inbound.originationNumber == "+447700900102"
    assert inbound.destinationNumber == "+447700900000"
    assert inbound.messageBody == "STOP"
    assert inbound.inboundMessageId == "7f3e1c2a-5b4d-4e6f-8a9b-0c1d2e3f4a5b"
    assert inbound.previousPublishedMessageId == "b1e0c4d8-2f6a-4c3e-9d7b-5a8f1e2c3d40"


def test_a_first_text_answering_nothing_has_no_previous_message():
    payload = {
        "originationNumber": "+447700900103",
        "destinationNumber": "+447700900000",
        "messageKeyword": "KEYWORD_123456789012",
        "messageBody": "余额多少? 💰",
        "inboundMessageId": "0b5c3e1a-9d7f-4b2e-8c6a-1f3e5d7b9a20",
    }

    inbound = EndUserMessagingInbound.from_sns_record({"Sns": {"Message": json.dumps(payload)}})

    assert inbound.messageBody == "余额多少? 💰"
    assert inbound.previousPublishedMessageId is None


def test_a_payload_without_the_sender_fails_validation():
    payload = {"destinationNumber": "+447700900000", "messageBody": "hi", "inboundMessageId": "x"}
    with pytest.raises(ValidationError):
        EndUserMessagingInbound.from_sns_record({"Sns": {"Message": json.dumps(payload)}})
