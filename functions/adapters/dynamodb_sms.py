"""SMS state in the conversations table: each phone number's record, and the hand-over of replies
between the processor and the Twilio webhook that may still answer with TwiML.

Keys:
    PHONE#<e164> / SMS           the number's current conversation, last options, consent (opt-out)
    SMSREPLY#<provider id> / OUT  the reply to one inbound message: `ready` (computed), then taken as
                                  `twiml` by the waiting webhook, or `api` when the webhook gave up waiting
    SMSSENT#<provider id> / REF   which transcript line an outbound text delivers, for status callbacks
"""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING, Any

from adapters.dynamodb_conversations import message_location
from adapters.dynamodb_errors import call
from adapters.dynamodb_items import from_item, to_item
from channels.sms_service import PhoneRecord

if TYPE_CHECKING:
    from datetime import datetime

    from mypy_boto3_dynamodb import DynamoDBClient

REPLY_RETENTION = timedelta(days=2)


class DynamoPhoneDirectory:
    def __init__(self, client: DynamoDBClient, table_name: str) -> None:
        self._client = client
        self._table = table_name

    def get(self, phone: str) -> PhoneRecord | None:
        key = {"pk": {"S": f"PHONE#{phone}"}, "sk": {"S": "SMS"}}
        item = call("The phone directory", self._client.get_item, TableName=self._table, Key=key, ConsistentRead=True)
        return PhoneRecord.model_validate(from_item(item["Item"])) if "Item" in item else None

    def save(self, record: PhoneRecord) -> None:
        item = to_item(record, pk=f"PHONE#{record.phone}", sk="SMS")
        call("The phone directory", self._client.put_item, TableName=self._table, Item=item)


class DynamoSmsReplies:
    """Exactly one of the processor (Messages API) and the webhook (TwiML) delivers each reply."""

    def __init__(self, client: DynamoDBClient, table_name: str) -> None:
        self._client = client
        self._table = table_name

    def _key(self, provider_id: str) -> dict[str, Any]:
        return {"pk": {"S": f"SMSREPLY#{provider_id}"}, "sk": {"S": "OUT"}}

    def offer(self, provider_id: str, texts: list[str], now: datetime) -> bool:
        """The processor leaves the reply for the webhook; False if the webhook already stopped waiting.

        A processor that runs again for the same text (a redelivery after it failed later on) finds its own
        offer, ready or taken, and must not send by API as well."""
        item = {
            **self._key(provider_id),
            "state": {"S": "ready"},
            "texts": {"L": [{"S": t} for t in texts]},
            "expires_at": {"N": str(int((now + REPLY_RETENTION).timestamp()))},
        }
        return self._put_if_absent(item) or self._state(provider_id) != "api"

    def take(self, provider_id: str) -> list[str] | None:
        """The webhook takes a ready reply to answer with TwiML; None if it isn't ready (or was taken)."""
        if self._state(provider_id) != "ready":  # the webhook polls: a read costs a fifth of a failed conditional write
            return None
        try:
            response = self._client.update_item(
                TableName=self._table,
                Key=self._key(provider_id),
                UpdateExpression="SET #state = :twiml",
                ConditionExpression="#state = :ready",
                ExpressionAttributeNames={"#state": "state"},
                ExpressionAttributeValues={":twiml": {"S": "twiml"}, ":ready": {"S": "ready"}},
                ReturnValues="ALL_NEW",
            )
        except self._client.exceptions.ConditionalCheckFailedException:
            return None
        return [str(t) for t in from_item(response["Attributes"])["texts"]]

    def _state(self, provider_id: str) -> str | None:
        key = self._key(provider_id)
        found = call("The SMS replies", self._client.get_item, TableName=self._table, Key=key, ConsistentRead=True)
        item = found.get("Item")
        return item["state"]["S"] if item else None

    def give_up(self, provider_id: str, now: datetime) -> list[str] | None:
        """The webhook stops waiting: the processor will send by API. If the reply became ready at this
        very moment, the webhook takes it after all (returned)."""
        item = {
            **self._key(provider_id),
            "state": {"S": "api"},
            "expires_at": {"N": str(int((now + REPLY_RETENTION).timestamp()))},
        }
        return None if self._put_if_absent(item) else self.take(provider_id)

    def _put_if_absent(self, item: dict[str, Any]) -> bool:
        try:
            self._client.put_item(TableName=self._table, Item=item, ConditionExpression="attribute_not_exists(pk)")
        except self._client.exceptions.ConditionalCheckFailedException:
            return False
        return True


class DynamoDeliveryLog:
    """Delivery status of outbound texts on the transcript line they carry, so agents see failed deliveries."""

    def __init__(self, client: DynamoDBClient, table_name: str) -> None:
        self._client = client
        self._table = table_name

    def sent(self, provider_id: str, conversation_id: str | None, seq: int | None, now: datetime) -> None:
        if conversation_id is None or seq is None:
            return
        reference = {
            "pk": {"S": f"SMSSENT#{provider_id}"},
            "sk": {"S": "REF"},
            "conversation_id": {"S": conversation_id},
            "seq": {"N": str(seq)},
            "expires_at": {"N": str(int((now + REPLY_RETENTION).timestamp()))},
        }
        call("The delivery log", self._client.put_item, TableName=self._table, Item=reference)
        self.mark(conversation_id, seq, "sent")

    def status(self, provider_id: str, status: str) -> bool:
        """A provider's status callback; False if the text carried no transcript line."""
        key = {"pk": {"S": f"SMSSENT#{provider_id}"}, "sk": {"S": "REF"}}
        found = call("The delivery log", self._client.get_item, TableName=self._table, Key=key).get("Item")
        if not found:
            return False
        self.mark(found["conversation_id"]["S"], int(found["seq"]["N"]), status)
        return True

    def mark(self, conversation_id: str, seq: int, status: str) -> None:
        location = message_location(self._client, self._table, conversation_id, seq)
        if location is None:
            return
        key, place = location
        try:
            self._client.update_item(
                TableName=self._table,
                Key=key,
                UpdateExpression=f"SET messages[{place}].delivery = :status",
                ConditionExpression=f"messages[{place}].seq = :seq",  # never write onto another line
                ExpressionAttributeValues={":status": {"S": status}, ":seq": {"N": str(seq)}},
            )
        except self._client.exceptions.ConditionalCheckFailedException:
            pass
