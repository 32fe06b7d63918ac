"""What each request to the embedded moto endpoint would be billed as: DynamoDB capacity units, SQS and SNS requests.

Moto's ReturnConsumedCapacity is a constant, so DynamoDB units are computed here, by on-demand billing's rules
(DynamoDB developer guide: "Read/write capacity units", "Transactions: capacity management", "Global secondary
indexes: provisioned throughput"), from the request, its answer and the stored item before and after it:
- a write: 1 WRU per started KB of the larger of the item before and after, doubled in a transaction; a failed
  conditional write is charged all the same;
- every global index the item enters, leaves or changes in: 1 WRU per started KB of the projected item (2 writes
  when its index key moves), never doubled;
- a read: 1 RRU per started 4 KB (a Query or Scan adds up every item it read first), half when eventually
  consistent, a whole unit even when nothing is found.
SQS bills a request per 64 KB of payload; empty receives are kept apart (the local poller asks every 50 ms,
where Lambda's event source mapping long-polls at a flat rate that does not grow with traffic).
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl

from moto.dynamodb.exceptions import DynamodbException
from moto.dynamodb.models import dynamodb_backends
from moto.dynamodb.models.dynamo_type import DynamoType
from moto.iam.models import get_account_id_from

if TYPE_CHECKING:
    from moto.dynamodb.models import DynamoDBBackend

    from local.usage import UsageMeter

_CREDENTIAL = re.compile(r"Credential=(?P<key>[^/]+)/\d+/(?P<region>[^/]+)/(?P<service>[^/]+)/")
_WRITES = ("PutItem", "UpdateItem", "DeleteItem")
_SQS_CHUNK = 64 * 1024


@dataclass(frozen=True)
class AwsRequest:
    service: str
    operation: str
    region: str
    account: str
    body: dict[str, Any]
    size: int  # bytes

    @classmethod
    def parse(cls, headers: dict[str, str], body: bytes) -> AwsRequest | None:
        """The signed request's service and operation; None for anything unsigned or unreadable."""
        credential = _CREDENTIAL.search(headers.get("authorization", ""))
        if credential is None:
            return None
        target = headers.get("x-amz-target", "")
        try:
            if target:  # the JSON protocols (DynamoDB, SQS): the operation is named in a header
                parsed, operation = json.loads(body or b"{}"), target.rsplit(".", 1)[-1]
            else:  # the query protocol (SNS): a form with the Action
                parsed = dict(parse_qsl(body.decode()))
                operation = parsed.get("Action", "unknown")
        except ValueError:
            return None
        account = get_account_id_from(credential["key"])
        return cls(credential["service"], operation, credential["region"], account, parsed, len(body))


@dataclass
class _Image:
    """What billing needs of one stored item: its size, and its key and projected size in each global index."""

    size: int = 0
    index_keys: dict[str, tuple[str, ...]] = field(default_factory=dict)
    index_sizes: dict[str, int] = field(default_factory=dict)
    index_items: dict[str, str] = field(default_factory=dict)  # the projected item, to tell whether it changed


@dataclass
class _Write:
    table: str
    key: dict[str, Any]
    put_size: int  # the item a Put sends (it may never be stored, if its condition fails)
    before: _Image


def item_size(item: dict[str, Any]) -> int:
    """An item's size by DynamoDB's rule: attribute names plus values, in bytes (moto's own measure)."""
    return sum(len(name.encode()) + DynamoType(value).size() for name, value in item.items())


class RequestMeter:
    """Adds what one moto request costs to a usage meter; `prepare` runs before moto applies it, `record` after."""

    def __init__(self, usage: UsageMeter) -> None:
        self._usage = usage

    def prepare(self, request: AwsRequest) -> list[_Write]:
        if request.service != "dynamodb":
            return []
        backend = dynamodb_backends[request.account][request.region]
        try:
            return [_write(backend, table, op) for table, op in _written(request)]
        except (DynamodbException, KeyError):  # moto will reject it: a malformed write writes nothing
            return []

    def record(self, request: AwsRequest, writes: list[_Write], status: int, answer: bytes) -> None:
        if request.service == "dynamodb":
            self._usage.add("dynamodb", f"requests:{request.operation}")
            self._dynamodb(request, writes, status, answer)
        elif request.service == "sqs":
            queue = "fifo" if str(request.body.get("QueueUrl", "")).endswith(".fifo") else "standard"
            empty = request.operation == "ReceiveMessage" and b'"Messages"' not in answer
            operation = f"{request.operation}(empty)" if empty else request.operation
            chunks = 1 + (max(request.size, len(answer)) - 1) // _SQS_CHUNK
            self._usage.add("sqs", f"{queue}:{operation}", count=chunks)
        else:
            self._usage.add(request.service, request.operation)

    def _dynamodb(self, request: AwsRequest, writes: list[_Write], status: int, answer: bytes) -> None:
        backend = dynamodb_backends[request.account][request.region]
        transactional = request.operation == "TransactWriteItems"
        for write in writes:
            after = _image(backend, write.table, write.key)
            size = max(write.before.size, after.size, write.put_size)
            self._usage.add("dynamodb", f"wru:{write.table}", (2 if transactional else 1) * _units(size, 1024))
            if indexed := _index_writes(write.before, after):
                self._usage.add("dynamodb", f"wru:{write.table}/indexes", indexed)
        if status == 200 and request.operation in ("GetItem", "Query", "Scan"):
            table = str(request.body.get("TableName", ""))
            consistent = bool(request.body.get("ConsistentRead"))
            self._usage.add("dynamodb", f"rru:{table}", _read_units(json.loads(answer)) * (1 if consistent else 0.5))


def _written(request: AwsRequest) -> list[tuple[str, dict[str, Any]]]:
    """(table, Put/Update/Delete/ConditionCheck body) of every item the request writes."""
    if request.operation in _WRITES:
        return [(str(request.body["TableName"]), request.body)]
    if request.operation == "TransactWriteItems":
        actions = [next(iter(item.values())) for item in request.body.get("TransactItems", [])]
        return [(str(action["TableName"]), action) for action in actions]
    return []


def _write(backend: DynamoDBBackend, table_name: str, op: dict[str, Any]) -> _Write:
    if "Item" in op:
        table = backend.get_table(table_name)
        names = [n for n in (table.hash_key_attr, table.range_key_attr) if n]
        key, put_size = {n: op["Item"][n] for n in names}, item_size(op["Item"])
    else:
        key, put_size = op["Key"], 0
    return _Write(table_name, key, put_size, _image(backend, table_name, key))


def _image(backend: DynamoDBBackend, table_name: str, key: dict[str, Any]) -> _Image:
    try:
        table = backend.get_table(table_name)
        item = backend.get_item(table_name, key)
    except DynamodbException:  # no such table, or a malformed key: moto answers the error, nothing is stored
        return _Image()
    if item is None:
        return _Image()
    image = _Image(size=int(item.size()))
    for index in table.global_indexes:
        if all(name in item.attrs for name in index.schema_key_attrs):
            projected = index.project(item)
            image.index_keys[index.name] = tuple(str(item.attrs[n].value) for n in index.schema_key_attrs)
            image.index_sizes[index.name] = int(projected.size())
            image.index_items[index.name] = json.dumps(projected.to_json(), sort_keys=True, default=str)
    return image


def _index_writes(before: _Image, after: _Image) -> int:
    units = 0
    for name in before.index_keys.keys() | after.index_keys.keys():
        if before.index_items.get(name) == after.index_items.get(name):
            continue  # the index entry did not change (or the write failed): nothing written to the index
        old, new = before.index_keys.get(name), after.index_keys.get(name)
        moved = old is not None and new is not None and old != new  # a delete and a put in the index
        size = max(before.index_sizes.get(name, 0), after.index_sizes.get(name, 0))
        units += (2 if moved else 1) * _units(size, 1024)
    return units


def _read_units(answer: dict[str, Any]) -> int:
    if "Item" in answer or "Items" not in answer:  # GetItem, found or not
        return _units(item_size(answer.get("Item", {})), 4096)
    sizes = [item_size(item) for item in answer["Items"]]
    unseen = max(0, int(answer.get("ScannedCount", len(sizes))) - len(sizes))  # filtered out, or Select=COUNT
    mean = sum(sizes) / len(sizes) if sizes else 1024  # an unseen item is assumed as large as the ones seen
    return _units(int(sum(sizes) + unseen * mean), 4096)


def _units(size: int, unit: int) -> int:
    return max(1, math.ceil(size / unit))
