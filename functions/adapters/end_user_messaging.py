"""AWS End User Messaging SMS (the pinpoint-sms-voice-v2 API): sending a text, and the two-way payload from SNS."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Self

from botocore.exceptions import BotoCoreError, ClientError
from pydantic import BaseModel, ConfigDict

from core.errors import ServiceBusy, SmsRecipientOptedOut, SmsRejected

if TYPE_CHECKING:
    from mypy_boto3_pinpoint_sms_voice_v2 import PinpointSMSVoiceV2Client
    from mypy_boto3_pinpoint_sms_voice_v2.type_defs import SendTextMessageRequestTypeDef

# Past botocore's retries these mean "not now", not "never". A monthly spend limit also arrives as
# ServiceQuotaExceededException; it lifts only when someone raises the limit, and alarms catch that.
_BUSY = {"ThrottlingException", "ServiceQuotaExceededException", "InternalServerException"}


class EndUserMessagingSender:
    """Sends one transactional text and returns the service's MessageId."""

    def __init__(
        self, client: PinpointSMSVoiceV2Client, origination_identity: str, configuration_set: str | None = None
    ) -> None:
        self._client = client
        self._origination_identity = origination_identity
        self._configuration_set = configuration_set

    def send(self, phone: str, text: str) -> str:
        request: SendTextMessageRequestTypeDef = {
            "DestinationPhoneNumber": phone,
            "OriginationIdentity": self._origination_identity,
            "MessageBody": text,
            "MessageType": "TRANSACTIONAL",
        }
        if self._configuration_set:
            request["ConfigurationSetName"] = self._configuration_set
        try:
            response = self._client.send_text_message(**request)
        except ClientError as error:
            _raise_core_error(error, phone)
            raise
        except BotoCoreError as error:
            # A timeout or a dropped connection past botocore's retries: not now rather than never (a text the
            # service had accepted before the answer was lost is sent again: the API has no idempotency token).
            raise ServiceBusy("The SMS provider") from error
        return response["MessageId"]


def _raise_core_error(error: ClientError, phone: str) -> None:
    code = error.response.get("Error", {}).get("Code")
    reason = error.response.get("Reason")  # botocore lifts the modelled error fields to the top of the response
    message = error.response.get("Error", {}).get("Message", "")
    status = error.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0)
    if code in _BUSY or status >= 500:  # any 5xx, modelled or not (a 503 from a load balancer has no code)
        raise ServiceBusy("The SMS provider") from error
    if code == "ConflictException" and reason == "DESTINATION_PHONE_NUMBER_OPTED_OUT":
        raise SmsRecipientOptedOut(phone) from error
    if code in {"ValidationException", "ConflictException"}:
        raise SmsRejected(f"{reason or code}: {message}") from error


class EndUserMessagingInbound(BaseModel):
    """One text a customer sent to our number, as two-way SMS publishes it to the SNS topic."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    originationNumber: str  # the customer
    destinationNumber: str  # our number
    messageKeyword: str | None = None
    messageBody: str = ""
    inboundMessageId: str
    previousPublishedMessageId: str | None = None  # the outbound message the customer answered, if any

    @classmethod
    def from_sns_record(cls, record: dict[str, Any]) -> Self:
        """Reads one entry of an SNS event's Records: Sns.Message is the payload as a JSON string."""
        return cls.model_validate_json(record["Sns"]["Message"])
