"""The embedded DynamoDB endpoint: it counts what each request would be billed, by on-demand's rules, and honours
TransactWriteItems' ClientRequestToken as DynamoDB does (moto alone ignores it)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from local.dynamodb import DynamoDBEndpoint
from local.stack import local_client
from local.usage import UsageMeter

REGION = "ap-northeast-2"  # the embedded moto keeps one store per region: this module's own
TABLE = "MeteredTable"


@pytest.fixture(scope="module")
def metered() -> Iterator[tuple[Any, UsageMeter]]:
    usage = UsageMeter()
    endpoint = DynamoDBEndpoint(usage=usage).start()
    client = local_client("dynamodb", endpoint.url, REGION)
    client.create_table(
        TableName=TABLE,
        BillingMode="PAY_PER_REQUEST",
        AttributeDefinitions=[{"AttributeName": n, "AttributeType": "S"} for n in ("pk", "sk", "gpk")],
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
        GlobalSecondaryIndexes=[
            {
                "IndexName": "by_g",
                "KeySchema": [{"AttributeName": "gpk", "KeyType": "HASH"}],
                "Projection": {"ProjectionType": "KEYS_ONLY"},
            }
        ],
    )
    yield client, usage
    endpoint.stop()


def _item(pk: str, size: int, **extra: str) -> dict[str, Any]:
    return {"pk": {"S": pk}, "sk": {"S": "A"}, "body": {"S": "x" * size}, **{k: {"S": v} for k, v in extra.items()}}


def _units(usage: UsageMeter, item: str) -> float:
    return usage.snapshot().get("dynamodb", {}).get(item, {}).get("amount", 0.0)


def test_a_put_costs_one_write_unit_per_started_kilobyte(metered):
    client, usage = metered
    usage.reset()
    client.put_item(TableName=TABLE, Item=_item("p1", 2500))
    assert _units(usage, f"wru:{TABLE}") == 3


def test_a_failed_conditional_put_is_charged_too(metered):
    client, usage = metered
    client.put_item(TableName=TABLE, Item=_item("p2", 100))
    usage.reset()
    with pytest.raises(client.exceptions.ConditionalCheckFailedException):
        client.put_item(TableName=TABLE, Item=_item("p2", 100), ConditionExpression="attribute_not_exists(pk)")
    assert _units(usage, f"wru:{TABLE}") == 1


def test_a_transaction_costs_double_and_an_update_is_sized_by_the_larger_item(metered):
    client, usage = metered
    client.put_item(TableName=TABLE, Item=_item("p3", 1500))
    usage.reset()
    client.transact_write_items(
        TransactItems=[
            {"Put": {"TableName": TABLE, "Item": _item("p4", 10)}},
            {
                "Update": {
                    "TableName": TABLE,
                    "Key": {"pk": {"S": "p3"}, "sk": {"S": "A"}},
                    "UpdateExpression": "SET body = :small",
                    "ExpressionAttributeValues": {":small": {"S": "y"}},
                }
            },
        ]
    )
    assert _units(usage, f"wru:{TABLE}") == 2 * 1 + 2 * 2  # the update is priced on the 1.5 KB item it replaced


def test_an_item_entering_a_global_index_writes_to_it_once(metered):
    client, usage = metered
    usage.reset()
    client.put_item(TableName=TABLE, Item=_item("p5", 10, gpk="g"))
    client.put_item(TableName=TABLE, Item=_item("p6", 10))  # no index key: not in the sparse index
    assert _units(usage, f"wru:{TABLE}/indexes") == 1


def test_reads_cost_a_unit_per_4_kb_and_half_when_eventually_consistent(metered):
    client, usage = metered
    client.put_item(TableName=TABLE, Item=_item("p7", 5000))
    usage.reset()
    client.get_item(TableName=TABLE, Key={"pk": {"S": "p7"}, "sk": {"S": "A"}}, ConsistentRead=True)
    client.get_item(TableName=TABLE, Key={"pk": {"S": "p7"}, "sk": {"S": "A"}})
    client.get_item(TableName=TABLE, Key={"pk": {"S": "nothing"}, "sk": {"S": "A"}}, ConsistentRead=True)
    assert _units(usage, f"rru:{TABLE}") == 2 + 1 + 1


def test_a_transaction_retried_with_its_token_succeeds_without_applying_twice(metered):
    client, _ = metered
    put = {"Put": {"TableName": TABLE, "Item": _item("t1", 10), "ConditionExpression": "attribute_not_exists(pk)"}}
    client.transact_write_items(TransactItems=[put], ClientRequestToken="retry-after-a-timeout")
    client.transact_write_items(TransactItems=[put], ClientRequestToken="retry-after-a-timeout")  # botocore's retry
    with pytest.raises(client.exceptions.TransactionCanceledException):
        client.transact_write_items(TransactItems=[put], ClientRequestToken="a-new-request")
