"""Creates the DynamoDB tables declared in template.yaml on any endpoint (moto in tests, the local run)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from local.template import Template

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

# Properties CreateTable accepts; the rest (encryption key, PITR, tags) are cloud-only settings.
_CREATE_TABLE_KEYS = (
    "AttributeDefinitions",
    "KeySchema",
    "BillingMode",
    "GlobalSecondaryIndexes",
    "LocalSecondaryIndexes",
    "StreamSpecification",
    "ProvisionedThroughput",
)


def create_tables(client: DynamoDBClient, template: Template | None = None) -> list[str]:
    """Create every table that does not exist yet; a table is named by its logical id."""
    template = template or Template.load()
    existing = set(client.list_tables()["TableNames"])
    created = []
    for name, properties in template.tables().items():
        if name in existing:
            continue
        arguments: dict[str, Any] = {k: properties[k] for k in _CREATE_TABLE_KEYS if k in properties}
        client.create_table(TableName=name, **arguments)
        client.get_waiter("table_exists").wait(TableName=name)
        ttl = properties.get("TimeToLiveSpecification")
        if ttl:
            client.update_time_to_live(TableName=name, TimeToLiveSpecification=ttl)
        created.append(name)
    return created
