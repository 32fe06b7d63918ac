"""Conversations in DynamoDB: one item for the conversation, one per message, one per client-message receipt.

Keys (one partition per conversation, so a transcript is one Query and no item grows without bound):
    CONV#<id> / META                   the conversation, with its version for optimistic locking
    CONV#<id> / MSG#<seq, 10 digits>   one transcript line
    CONV#<id> / RCPT#<client msg id>   the outcome first returned for that client message
"""

from __future__ import annotations

import json
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from boto3.dynamodb.types import TypeDeserializer, TypeSerializer
from botocore.exceptions import ClientError

from adapters.dynamodb_errors import any_throttled, call, raise_if_throttled
from core.errors import ConcurrentUpdate, DuplicateMessage, ServiceBusy
from core.models import Conversation, ConversationSummary, Message, TurnOutcome

if TYPE_CHECKING:
    from datetime import datetime, timedelta

    from mypy_boto3_dynamodb import DynamoDBClient
    from pydantic import BaseModel

_serializer = TypeSerializer()
_deserializer = TypeDeserializer()


def _conversation_key(conversation_id: str) -> dict[str, Any]:
    return {"pk": {"S": f"CONV#{conversation_id}"}, "sk": {"S": "META"}}


def _message_sk(seq: int) -> str:
    return f"MSG#{seq:010d}"


def _to_item(model: BaseModel, **keys: Any) -> dict[str, Any]:
    # DynamoDB numbers must be Decimal, never float: round-trip through JSON to convert them all.
    plain = json.loads(model.model_dump_json(exclude_none=True), parse_float=Decimal)
    return {name: _serializer.serialize(value) for name, value in {**plain, **keys}.items()}


def _plain(value: Any) -> Any:
    """DynamoDB numbers come back as Decimal, which pydantic would write back as strings in untyped fields."""
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def _from_item(item: dict[str, Any]) -> dict[str, Any]:
    return {name: _plain(_deserializer.deserialize(value)) for name, value in item.items()}


def _summary(item: dict[str, Any]) -> ConversationSummary:
    state = item.get("state") or {}
    handoff = state.get("handoff_request") or {}
    return ConversationSummary(
        conversation_id=item["conversation_id"],
        channel=item["channel"],
        status=item["status"],
        created_at=item["created_at"],
        last_intent=state.get("last_intent"),
        handoff_reason=handoff.get("reason"),
    )


class DynamoConversationStore:
    def __init__(self, client: DynamoDBClient, table_name: str, retention: timedelta) -> None:
        self._client = client
        self._table = table_name
        self._retention = retention

    def _expiry(self, now: datetime) -> int:
        return int((now + self._retention).timestamp())

    def _conversation_item(self, conversation: Conversation) -> dict[str, Any]:
        keys: dict[str, Any] = {"pk": f"CONV#{conversation.conversation_id}", "sk": "META"}
        if conversation.customer:  # listed under the customer on every channel once we know who it is
            keys |= {
                "gsi1pk": f"CUST#{conversation.customer.customer_id}",
                "gsi1sk": f"{conversation.created_at.isoformat()}#{conversation.conversation_id}",
            }
        return _to_item(conversation, **keys, expires_at=self._expiry(conversation.created_at))

    def _message_put(self, conversation_id: str, message: Message) -> dict[str, Any]:
        item = _to_item(
            message,
            pk=f"CONV#{conversation_id}",
            sk=_message_sk(message.seq),
            expires_at=self._expiry(message.created_at),
        )
        # A sequence number is written once: a second writer of the same seq lost a race.
        return {"Put": {"TableName": self._table, "Item": item, "ConditionExpression": "attribute_not_exists(pk)"}}

    def create(self, conversation: Conversation, messages: list[Message]) -> None:
        meta = {
            "Put": {
                "TableName": self._table,
                "Item": self._conversation_item(conversation),
                "ConditionExpression": "attribute_not_exists(pk)",
            }
        }
        puts = [self._message_put(conversation.conversation_id, m) for m in messages]
        self._transact([meta, *puts])

    def get(self, conversation_id: str) -> Conversation | None:
        response = self._call(
            self._client.get_item, TableName=self._table, Key=_conversation_key(conversation_id), ConsistentRead=True
        )
        item = response.get("Item")
        return Conversation.model_validate(_from_item(item)) if item else None

    def find_receipt(self, conversation_id: str, client_message_id: str) -> TurnOutcome | None:
        key = {"pk": {"S": f"CONV#{conversation_id}"}, "sk": {"S": f"RCPT#{client_message_id}"}}
        response = self._call(self._client.get_item, TableName=self._table, Key=key, ConsistentRead=True)
        item = response.get("Item")
        return TurnOutcome.model_validate(_from_item(item)["outcome"]) if item else None

    def commit_turn(
        self,
        before: Conversation,
        after: Conversation,
        messages: list[Message],
        receipt: tuple[str, TurnOutcome] | None,
    ) -> None:
        # Two turns racing on one conversation both read version N; only the first write of N+1 wins,
        # the loser re-reads and recomputes, so no message is lost or reordered.
        meta = {
            "Put": {
                "TableName": self._table,
                "Item": self._conversation_item(after),
                "ConditionExpression": "#version = :expected_version",
                "ExpressionAttributeNames": {"#version": "version"},
                "ExpressionAttributeValues": {":expected_version": {"N": str(before.version)}},
            }
        }
        actions = [meta, *(self._message_put(after.conversation_id, m) for m in messages)]
        if receipt:
            actions.append(self._receipt_put(after.conversation_id, *receipt, now=messages[0].created_at))
        self._transact(actions, receipt_index=len(actions) - 1 if receipt else None)

    def _receipt_put(
        self, conversation_id: str, client_message_id: str, outcome: TurnOutcome, now: datetime
    ) -> dict[str, Any]:
        item = {
            "pk": {"S": f"CONV#{conversation_id}"},
            "sk": {"S": f"RCPT#{client_message_id}"},
            "outcome": {"M": _to_item(outcome)},
            "expires_at": {"N": str(self._expiry(now))},
        }
        # A retried client message whose first attempt committed must not be processed twice.
        return {"Put": {"TableName": self._table, "Item": item, "ConditionExpression": "attribute_not_exists(pk)"}}

    def recent_for_customer(self, customer_id: str, limit: int = 5) -> list[ConversationSummary]:
        response = self._call(
            self._client.query,
            TableName=self._table,
            IndexName="gsi1",
            KeyConditionExpression="gsi1pk = :customer",
            ExpressionAttributeValues={":customer": {"S": f"CUST#{customer_id}"}},
            ScanIndexForward=False,
            Limit=limit,
        )
        return [_summary(_from_item(item)) for item in response.get("Items", [])]

    def list_messages(self, conversation_id: str, after_seq: int, limit: int) -> list[Message]:
        response = self._call(
            self._client.query,
            TableName=self._table,
            KeyConditionExpression="pk = :pk AND sk BETWEEN :first AND :last",
            ExpressionAttributeValues={
                ":pk": {"S": f"CONV#{conversation_id}"},
                ":first": {"S": _message_sk(after_seq + 1)},
                ":last": {"S": _message_sk(9_999_999_999)},
            },
            Limit=limit,
            ConsistentRead=True,
        )
        return [Message.model_validate(_from_item(item)) for item in response.get("Items", [])]

    def _transact(self, actions: list[dict[str, Any]], receipt_index: int | None = None) -> None:
        try:
            self._client.transact_write_items(TransactItems=actions)  # type: ignore[arg-type]
        except self._client.exceptions.TransactionCanceledException as error:
            reasons = [r.get("Code", "None") for r in error.response.get("CancellationReasons", [])]
            if (
                receipt_index is not None
                and len(reasons) > receipt_index
                and reasons[receipt_index] == "ConditionalCheckFailed"
            ):
                raise DuplicateMessage("receipt") from error
            if any_throttled(reasons):
                raise ServiceBusy("The conversation store") from error
            raise ConcurrentUpdate(actions[0]["Put"]["Item"]["pk"]["S"]) from error
        except ClientError as error:
            raise_if_throttled(error, "The conversation store")
            raise

    def _call(self, operation: Any, **kwargs: Any) -> dict[str, Any]:
        return call("The conversation store", operation, **kwargs)
