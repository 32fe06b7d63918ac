"""Twilio's SMS edges: the webhook signature, the inbound webhook form, TwiML replies and the Messages API."""

from __future__ import annotations

from typing import TYPE_CHECKING, Self
from urllib.parse import parse_qsl

from pydantic import BaseModel, ConfigDict, Field
from requests import RequestException
from twilio.base.exceptions import TwilioRestException
from twilio.http.http_client import TwilioHttpClient
from twilio.request_validator import RequestValidator
from twilio.rest import Client
from twilio.twiml.messaging_response import MessagingResponse

from core.errors import ServiceBusy, SmsRecipientOptedOut, SmsRejected

if TYPE_CHECKING:
    from twilio.http import HttpClient

# Twilio error 21610: the recipient texted STOP to this sender; Twilio refuses until they text START.
RECIPIENT_UNSUBSCRIBED = 21610
# Bad or unauthorised credentials are our misconfiguration, not a verdict on the message: they propagate.
_CREDENTIAL_FAILURES = {401, 403}
# twilio's HTTP client waits forever by default: a hung API would hold the sender until its Lambda timeout,
# failing the whole batch without a backoff or a log line. Well under the sender function's 30 s.
SEND_TIMEOUT_S = 5.0


class TwilioWebhookVerifier:
    """Checks the X-Twilio-Signature header with Twilio's own validator.

    `url` must be the public URL Twilio requested and signed: the configured base URL + path + query string,
    exactly as set on the phone number. Behind API Gateway (a custom domain, a stage, a proxy) the handler sees
    another host or path, and a signature checked against that URL never matches. `params` are all the form
    fields as received, including ones the application ignores.
    """

    def __init__(self, auth_token: str) -> None:
        self._validator = RequestValidator(auth_token)

    def verify(self, url: str, params: dict[str, str], signature: str | None) -> bool:
        if not signature:
            return False
        return bool(self._validator.validate(url, params, signature))


class TwilioSender:
    """Sends one text through the Messages API and returns its SID (SM…)."""

    def __init__(
        self,
        account_sid: str,
        auth_token: str,
        from_number: str,
        http_client: HttpClient | None = None,
        status_callback: str | None = None,  # our public URL for delivery status (failed deliveries)
        timeout_s: float = SEND_TIMEOUT_S,
    ) -> None:
        self._client = Client(account_sid, auth_token, http_client=http_client or TwilioHttpClient(timeout=timeout_s))
        self._from = from_number
        self._status_callback = status_callback

    def send(self, phone: str, text: str) -> str:
        extra = {"status_callback": self._status_callback} if self._status_callback else {}
        try:
            message = self._client.messages.create(to=phone, from_=self._from, body=text, **extra)
        except TwilioRestException as error:
            _raise_core_error(error, phone)
            raise
        except RequestException as error:
            # A timeout or a dropped connection: not now rather than never. If Twilio had accepted the text
            # before the answer was lost, the retry sends it twice (its API takes no idempotency key).
            raise ServiceBusy("The SMS provider") from error
        return str(message.sid)


def _raise_core_error(error: TwilioRestException, phone: str) -> None:
    status = int(error.status)
    if status == 429 or status >= 500:
        raise ServiceBusy("The SMS provider") from error
    if error.code == RECIPIENT_UNSUBSCRIBED:
        raise SmsRecipientOptedOut(phone) from error
    if 400 <= status < 500 and status not in _CREDENTIAL_FAILURES:
        raise SmsRejected(f"Twilio error {error.code}: {error.msg}") from error


def twiml_reply(texts: list[str]) -> str:
    """The webhook's answer: one <Message> per text (none gives an empty <Response />, i.e. no reply)."""
    response = MessagingResponse()
    for text in texts:
        response.message(text)
    return str(response.to_xml())


class TwilioInbound(BaseModel):
    """The fields of Twilio's incoming-message webhook that we use; the others are accepted and ignored."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    MessageSid: str = Field(pattern=r"^(SM|MM)[0-9a-f]{32}$")
    AccountSid: str = Field(pattern=r"^AC[0-9a-f]{32}$")
    From: str
    To: str
    Body: str = Field(default="", max_length=1600)
    NumMedia: int = Field(default=0, ge=0)

    @classmethod
    def from_form(cls, body: str) -> tuple[Self, dict[str, str]]:
        """Parses the urlencoded form; also returns every raw field, as the signature covers them all."""
        params = dict(parse_qsl(body, keep_blank_values=True))
        return cls.model_validate(params), params
