"""Conversations in DynamoDB: one item for the conversation, one per write of messages, one per client-message receipt.

Keys (one partition per conversation, so a transcript is one Query and no item grows without bound):
    CONV#<id> / META                   the conversation, with its version for optimistic locking
    CONV#<id> / MSG#<seq, 10 digits>   the transcript lines one write appended (`messages`, seq `first_seq`..<seq>):
                                       a customer's message with the bot's answers, an agent's reply, a notice
    CONV#<id> / RCPT#<client msg id>   the outcome first returned for that client message

A transaction bills every item it writes twice, per started KB: a turn's lines in one item cost 2 units, not 2
per line (`make cost`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from adapters.dynamodb_errors import any_throttled, call, raise_if_throttled
from adapters.dynamodb_handoffs import handoff_put
from adapters.dynamodb_items import from_item, to_item
from core.errors import ConcurrentUpdate, DuplicateMessage, ServiceBusy
from core.models import Conversation, ConversationSummary, Message, TurnOutcome
from core.service_metrics import ConversationOutcome

if TYPE_CHECKING:
    from collections.abc import Sequence
    from datetime import date, datetime, timedelta

    from mypy_boto3_dynamodb import DynamoDBClient

    from core.handoff import HandoffWrite


def _conversation_key(conversation_id: str) -> dict[str, Any]:
    return {"pk": {"S": f"CONV#{conversation_id}"}, "sk": {"S": "META"}}


def _message_sk(seq: int) -> str:
    return f"MSG#{seq:010d}"


def _summary(item: dict[str, Any]) -> ConversationSummary:
    return ConversationSummary(
        conversation_id=item["conversation_id"],
        channel=item["channel"],
        status=item["status"],
        created_at=item["created_at"],
        reason=item.get("contact_reason"),
        handoff_reason=item.get("handoff_reason"),
    )


def message_items(
    client: DynamoDBClient, table: str, conversation_id: str, from_seq: int, limit: int
) -> list[dict[str, Any]]:
    """The items holding lines `from_seq` onwards, oldest first; the first may also hold earlier lines."""
    response = call(
        "The conversation store",
        client.query,
        TableName=table,
        KeyConditionExpression="pk = :pk AND sk BETWEEN :first AND :last",
        ExpressionAttributeValues={
            ":pk": {"S": f"CONV#{conversation_id}"},
            ":first": {"S": _message_sk(from_seq)},
            ":last": {"S": _message_sk(9_999_999_999)},
        },
        Limit=limit,
        ConsistentRead=True,
    )
    items: list[dict[str, Any]] = response.get("Items", [])
    return items


def message_location(
    client: DynamoDBClient, table: str, conversation_id: str, seq: int
) -> tuple[dict[str, Any], int] | None:
    """The key of the item holding line `seq` and the line's place in its `messages`, if there is such a line."""
    found = message_items(client, table, conversation_id, seq, limit=1)
    if not found or int(found[0]["first_seq"]["N"]) > seq:
        return None
    return {"pk": found[0]["pk"], "sk": found[0]["sk"]}, seq - int(found[0]["first_seq"]["N"])


@dataclass(frozen=True)
class OutcomePage:
    outcomes: list[ConversationOutcome]
    next_start: dict[str, Any] | None  # pass back as `start` for the next page


class DynamoConversationStore:
    def __init__(
        self, client: DynamoDBClient, table_name: str, retention: timedelta, handoffs_table: str = "HandoffsTable"
    ) -> None:
        self._client = client
        self._table = table_name
        self._retention = retention
        self._handoffs_table = handoffs_table

    def _expiry(self, now: datetime) -> int:
        return int((now + self._retention).timestamp())

    def _conversation_item(self, conversation: Conversation) -> dict[str, Any]:
        keys: dict[str, Any] = {"pk": f"CONV#{conversation.conversation_id}", "sk": "META"}
        if conversation.customer:  # listed under the customer on every channel once we know who it is
            keys |= {
                "gsi1pk": f"CUST#{conversation.customer.customer_id}",
                "gsi1sk": f"{conversation.created_at.isoformat()}#{conversation.conversation_id}",
            }
        # gsi1 projects these copies, not `state`: its entry is rewritten (and billed) only when they change,
        # a few times a conversation instead of every turn.
        service = conversation.service
        keys |= {k: v for k, v in (("contact_reason", service.reason), ("handoff_reason", service.handoff_reason)) if v}
        return to_item(conversation, **keys, expires_at=self._expiry(conversation.created_at))

    def messages_put(self, conversation_id: str, messages: Sequence[Message]) -> dict[str, Any]:
        """One item for consecutive lines, keyed by the last one's seq (so `list_messages` finds it by range)."""
        first, last = messages[0], messages[-1]
        item = {
            "pk": {"S": f"CONV#{conversation_id}"},
            "sk": {"S": _message_sk(last.seq)},
            "first_seq": {"N": str(first.seq)},
            "messages": {"L": [{"M": to_item(m)} for m in messages]},
            "expires_at": {"N": str(self._expiry(first.created_at))},
        }
        # A line is written once: a second writer of the same last seq lost a race.
        return {"Put": {"TableName": self._table, "Item": item, "ConditionExpression": "attribute_not_exists(pk)"}}

    def create(self, conversation: Conversation, messages: list[Message]) -> None:
        meta = {
            "Put": {
                "TableName": self._table,
                "Item": self._conversation_item(conversation),
                "ConditionExpression": "attribute_not_exists(pk)",
            }
        }
        puts = [self.messages_put(conversation.conversation_id, messages)] if messages else []
        if conversation.service.started_by == "system":  # an outreach is a contact even if nobody answers it
            puts.append({"Put": {"TableName": self._table, "Item": self.outcome_item(conversation)}})
        self._transact([meta, *puts])

    def get(self, conversation_id: str) -> Conversation | None:
        response = self._call(
            self._client.get_item, TableName=self._table, Key=_conversation_key(conversation_id), ConsistentRead=True
        )
        item = response.get("Item")
        return Conversation.model_validate(from_item(item)) if item else None

    def find_receipt(self, conversation_id: str, client_message_id: str) -> TurnOutcome | None:
        key = {"pk": {"S": f"CONV#{conversation_id}"}, "sk": {"S": f"RCPT#{client_message_id}"}}
        response = self._call(self._client.get_item, TableName=self._table, Key=key, ConsistentRead=True)
        item = response.get("Item")
        return TurnOutcome.model_validate(from_item(item)["outcome"]) if item else None

    def commit_turn(
        self,
        before: Conversation,
        after: Conversation,
        messages: list[Message],
        receipt: tuple[str, TurnOutcome] | None,
        handoff: HandoffWrite | None = None,
    ) -> None:
        actions = self.conversation_writes(before, after)
        if messages:
            actions.append(self.messages_put(after.conversation_id, messages))
        if handoff is not None:  # the bot hands over in the same write that stops it answering
            actions.append(handoff_put(self._handoffs_table, handoff.after, handoff.before_version))
        if receipt:
            actions.append(self.receipt_put(after.conversation_id, *receipt, now=messages[0].created_at))
        self._transact(actions, receipt_index=len(actions) - 1 if receipt else None)

    def conversation_writes(self, before: Conversation, after: Conversation) -> list[dict[str, Any]]:
        """The conversation's next version, and its outcome when a milestone moved (resolved, handed off, rated)."""
        writes = [self.conversation_put(before, after)]
        if after.service.milestone() != before.service.milestone():
            writes.append({"Put": {"TableName": self._table, "Item": self.outcome_item(after)}})
        return writes

    def outcome_item(self, conversation: Conversation) -> dict[str, Any]:
        """One item per conversation under its day, so a day's outcomes are one Query (`make report`)."""
        outcome = ConversationOutcome.of(conversation)
        return to_item(
            outcome,
            pk=f"OUTCOME#{conversation.created_at.date().isoformat()}",
            sk=f"{conversation.created_at.isoformat()}#{conversation.conversation_id}",
            expires_at=self._expiry(conversation.created_at),
        )

    def outcomes(self, day: date, limit: int = 1000, start: dict[str, Any] | None = None) -> OutcomePage:
        """A page of the day's conversation outcomes, oldest first."""
        extra = {"ExclusiveStartKey": start} if start else {}
        response = self._call(
            self._client.query,
            TableName=self._table,
            KeyConditionExpression="pk = :day",
            ExpressionAttributeValues={":day": {"S": f"OUTCOME#{day.isoformat()}"}},
            Limit=limit,
            **extra,
        )
        items = [ConversationOutcome.model_validate(from_item(i)) for i in response.get("Items", [])]
        return OutcomePage(items, response.get("LastEvaluatedKey"))

    def conversation_put(self, before: Conversation, after: Conversation) -> dict[str, Any]:
        # Two turns racing on one conversation both read version N; only the first write of N+1 wins,
        # the loser re-reads and recomputes, so no message is lost or reordered.
        return {
            "Put": {
                "TableName": self._table,
                "Item": self._conversation_item(after),
                "ConditionExpression": "#version = :expected_version",
                "ExpressionAttributeNames": {"#version": "version"},
                "ExpressionAttributeValues": {":expected_version": {"N": str(before.version)}},
            }
        }

    def receipt_put(
        self, conversation_id: str, client_message_id: str, outcome: TurnOutcome, now: datetime
    ) -> dict[str, Any]:
        item = {
            "pk": {"S": f"CONV#{conversation_id}"},
            "sk": {"S": f"RCPT#{client_message_id}"},
            "outcome": {"M": to_item(outcome)},
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
        return [_summary(from_item(item)) for item in response.get("Items", [])]

    def list_messages(self, conversation_id: str, after_seq: int, limit: int) -> list[Message]:
        # Every item holds at least one line, and the first one found may also hold lines up to after_seq.
        items = message_items(self._client, self._table, conversation_id, after_seq + 1, limit)
        lines = [Message.model_validate(line) for item in items for line in from_item(item)["messages"]]
        return [m for m in lines if m.seq > after_seq][:limit]

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
