"""The proactive-outreach ledger in the conversations table: once per event, a daily limit, deferred texts.

Keys:
    OUTREACH#<customer> / EVENT#<rule>:<event id>   the outreach; written once (the event's guarantee)
    OUTREACH#<customer> / DAY#<yyyy-mm-dd>           how many went out that day (conditional: < the limit)
    OUTREACH_DUE / <send after>#<outreach id>        deferred until quiet hours end (deleted when sent)
"""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING, Any

from adapters.dynamodb_errors import call
from adapters.dynamodb_items import from_item, to_item
from core.proactive import Outreach

if TYPE_CHECKING:
    from datetime import datetime

    from mypy_boto3_dynamodb import DynamoDBClient

RETENTION = timedelta(days=30)
_DUE = "OUTREACH_DUE"


class DynamoOutreachLedger:
    def __init__(self, client: DynamoDBClient, table_name: str) -> None:
        self._client = client
        self._table = table_name

    def _item(self, outreach: Outreach) -> dict[str, Any]:
        expires = int((outreach.created_at + RETENTION).timestamp())
        return to_item(
            outreach, pk=f"OUTREACH#{outreach.customer_id}", sk=f"EVENT#{outreach.outreach_id}", expires_at=expires
        )

    def reserve(self, outreach: Outreach, daily_limit: int | None) -> bool:
        actions: list[dict[str, Any]] = [
            {"Put": {"TableName": self._table, "Item": self._item(outreach),
                     "ConditionExpression": "attribute_not_exists(pk)"}},
        ]  # fmt: skip
        if daily_limit is not None:
            actions.append(self._count_today(outreach, daily_limit))
        if outreach.status == "deferred" and outreach.send_after:
            actions.append({"Put": {"TableName": self._table, "Item": self._due_item(outreach)}})
        try:
            self._client.transact_write_items(TransactItems=actions)  # type: ignore[arg-type]
        except self._client.exceptions.TransactionCanceledException:
            return False  # already done for this event, or the customer has heard enough from us today
        return True

    def _count_today(self, outreach: Outreach, limit: int) -> dict[str, Any]:
        return {
            "Update": {
                "TableName": self._table,
                "Key": {"pk": {"S": f"OUTREACH#{outreach.customer_id}"},
                        "sk": {"S": f"DAY#{outreach.created_at.date().isoformat()}"}},
                "UpdateExpression": "ADD #sent :one SET expires_at = :expires",
                "ConditionExpression": "attribute_not_exists(#sent) OR #sent < :limit",
                "ExpressionAttributeNames": {"#sent": "sent"},
                "ExpressionAttributeValues": {
                    ":one": {"N": "1"}, ":limit": {"N": str(limit)},
                    ":expires": {"N": str(int((outreach.created_at + RETENTION).timestamp()))},
                },
            }
        }  # fmt: skip

    def _due_item(self, outreach: Outreach) -> dict[str, Any]:
        assert outreach.send_after is not None
        return {
            "pk": {"S": _DUE},
            "sk": {"S": f"{outreach.send_after.isoformat()}#{outreach.outreach_id}"},
            "outreach": {"M": self._item(outreach)},
        }

    def update(self, outreach: Outreach) -> None:
        call("The outreach ledger", self._client.put_item, TableName=self._table, Item=self._item(outreach))
        if outreach.status == "sent" and outreach.send_after:  # a deferred text, now sent: off the waiting list
            key = {"pk": {"S": _DUE}, "sk": {"S": f"{outreach.send_after.isoformat()}#{outreach.outreach_id}"}}
            call("The outreach ledger", self._client.delete_item, TableName=self._table, Key=key)

    def due(self, now: datetime, limit: int) -> list[Outreach]:
        response = call(
            "The outreach ledger", self._client.query, TableName=self._table,
            KeyConditionExpression="pk = :due AND sk <= :now",
            ExpressionAttributeValues={":due": {"S": _DUE}, ":now": {"S": now.isoformat() + "~"}},
            Limit=limit,
        )  # fmt: skip
        return [Outreach.model_validate(from_item(i["outreach"]["M"])) for i in response.get("Items", [])]

    def waiting_in_app(self, customer_id: str) -> list[Outreach]:
        response = call(
            "The outreach ledger", self._client.query, TableName=self._table,
            KeyConditionExpression="pk = :customer AND begins_with(sk, :events)",
            FilterExpression="#status = :waiting",
            ExpressionAttributeNames={"#status": "status"},
            ExpressionAttributeValues={":customer": {"S": f"OUTREACH#{customer_id}"}, ":events": {"S": "EVENT#"},
                                       ":waiting": {"S": "waiting_in_app"}},
        )  # fmt: skip
        outreach = [Outreach.model_validate(from_item(i)) for i in response.get("Items", [])]
        return sorted(outreach, key=lambda o: o.created_at, reverse=True)  # keys are by rule and event, not time
