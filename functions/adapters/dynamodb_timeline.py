"""Each customer's timeline of core-banking events (ConversationsTable), bounded and expiring.

Keys: TIMELINE#<customer id> / <at, ISO>#<event id>. Writes are conditional on the event id's absence, so an
event EventBridge delivers twice is stored once; reads take the newest few; TTL removes them after 30 days.
"""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

from adapters.dynamodb_errors import call
from adapters.dynamodb_items import from_item, to_item
from core.prediction import CustomerEvent

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

TIMELINE_RETENTION = timedelta(days=30)


class DynamoTimeline:
    def __init__(self, client: DynamoDBClient, table_name: str) -> None:
        self._client = client
        self._table = table_name

    def record(self, event: CustomerEvent) -> bool:
        """Store the event; False if it was already stored (a redelivery)."""
        item = to_item(
            event,
            pk=f"TIMELINE#{event.customer_id}",
            sk=f"{event.at.isoformat()}#{event.event_id}",
            expires_at=int((event.at + TIMELINE_RETENTION).timestamp()),
        )
        try:
            self._client.put_item(TableName=self._table, Item=item, ConditionExpression="attribute_not_exists(pk)")
        except self._client.exceptions.ConditionalCheckFailedException:
            return False
        return True

    def recent(self, customer_id: str, limit: int = 20) -> list[CustomerEvent]:
        """The newest events first."""
        response = call(
            "The customer timeline",
            self._client.query,
            TableName=self._table,
            KeyConditionExpression="pk = :timeline",
            ExpressionAttributeValues={":timeline": {"S": f"TIMELINE#{customer_id}"}},
            ScanIndexForward=False,
            Limit=limit,
        )
        return [CustomerEvent.model_validate(from_item(item)) for item in response.get("Items", [])]
