"""Twilio's edges: signatures (Twilio's own vectors), the Messages API behind a fake HttpClient, TwiML, the form."""

import base64
import hashlib
import hmac
import json
import logging
import xml.etree.ElementTree as ET
from pathlib import Path
from urllib.parse import urlencode

import pytest
from pydantic import ValidationError
from twilio.base.exceptions import TwilioRestException
from twilio.http import HttpClient
from twilio.http.response import Response

from adapters.twilio_sms import TwilioInbound, TwilioSender, TwilioWebhookVerifier, twiml_reply
from core.errors import ServiceBusy, SmsRecipientOptedOut, SmsRejected

EVENTS = Path(__file__).resolve().parents[2] / "events"

# Twilio's own vectors, from twilio/twilio-python tests/unit/test_request_validator.py.
VECTOR_TOKEN = "12345"
VECTOR_URL = "https://mycompany.com/myapp.php?foo=1&bar=2"
VECTOR_PARAMS = {
    "CallSid": "CA1234567890ABCDE",
    "Caller": "+14158675309",
    "Digits": "1234",
    "From": "+14158675309",
    "To": "+18005551212",
}
VECTOR_SIGNATURE = "RSOYDt4T1cUTdK1PDd93/VVr8B8="
VECTOR_SIGNATURE_WITH_PORT_443 = "kvajT1Ptam85bY51eRf/AJRuM3w="  # same request, Twilio signing https://…:443/…

ACCOUNT_SID = "AC0123456789abcdef0123456789abcdef"
MESSAGE_SID = "SM8f2c4a1e9b7d4e3fa6c5d0b1e2f3a4b5"
OUR_NUMBER = "+447700900000"


@pytest.fixture
def verifier():
    return TwilioWebhookVerifier(VECTOR_TOKEN)


def test_twilios_published_signature_vector_verifies(verifier):
    assert verifier.verify(VECTOR_URL, VECTOR_PARAMS, VECTOR_SIGNATURE)


def test_a_signature_over_the_url_with_its_default_port_also_verifies(verifier):
    assert verifier.verify(VECTOR_URL, VECTOR_PARAMS, VECTOR_SIGNATURE_WITH_PORT_443)


def test_a_tampered_parameter_fails_verification(verifier):
    assert not verifier.verify(VECTOR_URL, {**VECTOR_PARAMS, "Digits": "9999"}, VECTOR_SIGNATURE)


def test_an_added_parameter_fails_verification(verifier):
    assert not verifier.verify(VECTOR_URL, {**VECTOR_PARAMS, "Body": "transfer everything"}, VECTOR_SIGNATURE)


def test_the_api_gateway_url_instead_of_the_public_one_fails_verification(verifier):
    gateway_url = "https://a1b2c3d4e5.execute-api.eu-west-1.amazonaws.com/myapp.php?foo=1&bar=2"
    assert not verifier.verify(gateway_url, VECTOR_PARAMS, VECTOR_SIGNATURE)


@pytest.mark.parametrize("signature", [None, ""])
def test_a_missing_signature_fails_verification(verifier, signature):
    assert not verifier.verify(VECTOR_URL, VECTOR_PARAMS, signature)


def test_a_signature_made_with_another_auth_token_fails_verification():
    assert not TwilioWebhookVerifier("54321").verify(VECTOR_URL, VECTOR_PARAMS, VECTOR_SIGNATURE)


class FakeTwilioHttp(HttpClient):
    """Answers every request with one canned response and keeps what was asked (`requests`)."""

    def __init__(self, status: int, body: dict):
        super().__init__(logging.getLogger("tests.fake_twilio"), is_async=False)
        self._response = Response(status, json.dumps(body))
        self.requests: list[dict] = []

    def request(
        self, method, uri, params=None, data=None, headers=None, auth=None, timeout=None, allow_redirects=False
    ):
        self.requests.append({"method": method, "uri": uri, "data": data, "auth": auth})
        return self._response


def sender(http: FakeTwilioHttp) -> TwilioSender:
    return TwilioSender(ACCOUNT_SID, "auth-token", OUR_NUMBER, http_client=http)


def test_a_sent_text_returns_the_message_sid_and_posts_to_the_accounts_messages():
    http = FakeTwilioHttp(201, {"sid": MESSAGE_SID, "status": "queued", "account_sid": ACCOUNT_SID})

    assert sender(http).send("+447700900101", "Your balance is £12.30") == MESSAGE_SID

    [request] = http.requests
    assert request["method"] == "POST"
    assert request["uri"] == f"https://api.twilio.com/2010-04-01/Accounts/{ACCOUNT_SID}/Messages.json"
    assert request["data"] == {"To": "+447700900101", "From": OUR_NUMBER, "Body": "Your balance is £12.30"}
    assert request["auth"] == (ACCOUNT_SID, "auth-token")


@pytest.mark.parametrize("status", [429, 500, 503])
def test_throttling_or_a_twilio_outage_is_service_busy(status):
    http = FakeTwilioHttp(status, {"code": 20429, "message": "Too Many Requests", "status": status})
    with pytest.raises(ServiceBusy):
        sender(http).send("+447700900101", "hello")


def test_a_recipient_who_texted_stop_is_opted_out():
    body = {"code": 21610, "message": "Attempt to send to unsubscribed recipient", "status": 400}
    with pytest.raises(SmsRecipientOptedOut) as raised:
        sender(FakeTwilioHttp(400, body)).send("+447700900101", "hello")
    assert raised.value.phone == "+447700900101"


def test_an_invalid_number_is_rejected_with_twilios_reason():
    body = {"code": 21211, "message": "The 'To' number 12 is not a valid phone number.", "status": 400}
    with pytest.raises(SmsRejected, match="21211"):
        sender(FakeTwilioHttp(400, body)).send("12", "hello")


def test_wrong_credentials_are_not_mistaken_for_a_rejected_message():
    body = {"code": 20003, "message": "Authenticate", "status": 401}
    with pytest.raises(TwilioRestException):
        sender(FakeTwilioHttp(401, body)).send("+447700900101", "hello")


def test_twiml_reply_has_one_message_per_text_with_markup_escaped():
    xml = twiml_reply(["Balance <£12.30> & counting", "Reply 1 for more"])

    assert "&lt;£12.30&gt; &amp; counting" in xml
    root = ET.fromstring(xml)
    assert root.tag == "Response"
    assert [m.text for m in root.findall("Message")] == ["Balance <£12.30> & counting", "Reply 1 for more"]


def test_twiml_reply_to_nothing_is_an_empty_response():
    root = ET.fromstring(twiml_reply([]))
    assert root.tag == "Response"
    assert list(root) == []


def twilio_form(**overrides: str) -> str:
    """Fields in the order and encoding Twilio posts them (UK numbers leave the state and city fields blank)."""
    fields = {
        "ToCountry": "GB",
        "ToState": "",
        "SmsMessageSid": MESSAGE_SID,
        "NumMedia": "0",
        "SmsSid": MESSAGE_SID,
        "SmsStatus": "received",
        "Body": "余额多少? 💰 +1",
        "FromCountry": "GB",
        "To": OUR_NUMBER,
        "NumSegments": "1",
        "MessageSid": MESSAGE_SID,
        "AccountSid": ACCOUNT_SID,
        "From": "+447700900101",
        "ApiVersion": "2010-04-01",
        **overrides,
    }
    return urlencode(fields)


def test_the_inbound_form_is_decoded_with_plus_signs_and_utf8_intact():
    body = twilio_form()
    assert "From=%2B447700900101" in body
    assert "Body=%E4%BD%99%E9%A2%9D%E5%A4%9A%E5%B0%91%3F+%F0%9F%92%B0+%2B1" in body

    inbound, params = TwilioInbound.from_form(body)

    assert inbound.MessageSid == MESSAGE_SID
    assert inbound.AccountSid == ACCOUNT_SID
    assert inbound.From == "+447700900101"
    assert inbound.To == OUR_NUMBER
    assert inbound.Body == "余额多少? 💰 +1"
    assert inbound.NumMedia == 0
    assert params["ToState"] == ""  # blank fields are signed too, so they are kept
    assert params["SmsStatus"] == "received"


def test_the_raw_form_fields_verify_against_a_signature_over_the_public_url():
    public_url = "https://sms.bank.example/v1/sms/twilio"
    _, params = TwilioInbound.from_form(twilio_form())
    # Twilio's documented scheme, computed independently: URL, then each name+value sorted by name, HMAC-SHA1, base64.
    signed = public_url + "".join(name + params[name] for name in sorted(params))
    signature = base64.b64encode(hmac.new(b"auth-token", signed.encode(), hashlib.sha1).digest()).decode()

    assert TwilioWebhookVerifier("auth-token").verify(public_url, params, signature)


@pytest.mark.parametrize(
    "message_sid",
    ["SM123", "CA8f2c4a1e9b7d4e3fa6c5d0b1e2f3a4b5", "SM8F2C4A1E9B7D4E3FA6C5D0B1E2F3A4B5", MESSAGE_SID + "0"],
)
def test_a_malformed_message_sid_is_rejected(message_sid):
    with pytest.raises(ValidationError):
        TwilioInbound.from_form(twilio_form(MessageSid=message_sid))


def test_a_body_longer_than_twilios_1600_characters_is_rejected():
    with pytest.raises(ValidationError):
        TwilioInbound.from_form(twilio_form(Body="x" * 1601))


def test_the_sample_api_gateway_event_carries_a_valid_twilio_form():
    event = json.loads((EVENTS / "sms_twilio_inbound.json").read_text())
    assert event["isBase64Encoded"] is True

    inbound, _ = TwilioInbound.from_form(base64.b64decode(event["body"]).decode())

    assert (inbound.From, inbound.To, inbound.Body) == ("+447700900101", OUR_NUMBER, "what's my balance")
