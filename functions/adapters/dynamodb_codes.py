"""One-time codes in the conversations table.

    CONV#<conversation id> / OTP                    the current code of that conversation (hash only)
    PHONE#<e164> / OTPSENT#<iso time>#<random>      one item per code sent, for the hourly limit
Both expire through the table's TTL attribute.
"""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from core.verification import OneTimeCode

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient


def _otp_key(conversation_id: str) -> dict[str, Any]:
    return {"pk": {"S": f"CONV#{conversation_id}"}, "sk": {"S": "OTP"}}


class DynamoCodeStore:
    def __init__(self, client: DynamoDBClient, table_name: str) -> None:
        self._client = client
        self._table = table_name

    def _item(self, conversation_id: str, code: OneTimeCode) -> dict[str, Any]:
        return {
            **_otp_key(conversation_id),
            "customer_id": {"S": code.customer_id},
            "phone": {"S": code.phone},
            "code_hash": {"S": code.code_hash},
            "code_expires_at": {"S": code.expires_at.isoformat()},
            "attempts": {"N": str(code.attempts)},
            "used": {"BOOL": code.used},
            "expires_at": {"N": str(int((code.expires_at + timedelta(hours=1)).timestamp()))},
        }

    def save(self, conversation_id: str, code: OneTimeCode) -> None:
        self._client.put_item(TableName=self._table, Item=self._item(conversation_id, code))

    def get(self, conversation_id: str) -> OneTimeCode | None:
        item = self._client.get_item(TableName=self._table, Key=_otp_key(conversation_id), ConsistentRead=True).get(
            "Item"
        )
        if not item:
            return None
        return OneTimeCode(
            customer_id=item["customer_id"]["S"],
            phone=item["phone"]["S"],
            code_hash=item["code_hash"]["S"],
            expires_at=datetime.fromisoformat(item["code_expires_at"]["S"]),
            attempts=int(item["attempts"]["N"]),
            used=item["used"]["BOOL"],
        )

    def replace(self, conversation_id: str, before: OneTimeCode, after: OneTimeCode) -> bool:
        try:
            self._client.put_item(
                TableName=self._table,
                Item=self._item(conversation_id, after),
                ConditionExpression="code_hash = :hash AND attempts = :attempts AND used = :unused",
                ExpressionAttributeValues={
                    ":hash": {"S": before.code_hash},
                    ":attempts": {"N": str(before.attempts)},
                    ":unused": {"BOOL": False},
                },
            )
        except self._client.exceptions.ConditionalCheckFailedException:
            return False
        return True

    def count_sent_since(self, phone: str, since: datetime) -> int:
        response = self._client.query(
            TableName=self._table,
            KeyConditionExpression="pk = :pk AND sk BETWEEN :from AND :to",
            ExpressionAttributeValues={
                ":pk": {"S": f"PHONE#{phone}"},
                ":from": {"S": f"OTPSENT#{since.isoformat()}"},
                ":to": {"S": "OTPSENT#~"},
            },
            Select="COUNT",
            ConsistentRead=True,
        )
        return int(response["Count"])

    def record_sent(self, phone: str, at: datetime) -> None:
        self._client.put_item(
            TableName=self._table,
            Item={
                "pk": {"S": f"PHONE#{phone}"},
                "sk": {"S": f"OTPSENT#{at.isoformat()}#{secrets.token_hex(4)}"},
                "expires_at": {"N": str(int((at + timedelta(hours=2)).timestamp()))},
            },
        )
