"""Pydantic models to DynamoDB items and back, the same way for every table."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from boto3.dynamodb.types import TypeDeserializer, TypeSerializer

if TYPE_CHECKING:
    from pydantic import BaseModel

_serializer = TypeSerializer()
_deserializer = TypeDeserializer()


def to_item(model: BaseModel, **keys: Any) -> dict[str, Any]:
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


def from_item(item: dict[str, Any]) -> dict[str, Any]:
    return {name: _plain(_deserializer.deserialize(value)) for name, value in item.items()}
