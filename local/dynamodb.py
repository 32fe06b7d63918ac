"""The embedded DynamoDB endpoint: moto's server, one request at a time.

Moto's DynamoDB backend is not thread-safe (concurrent TransactWriteItems corrupt its state and
answer 500), while real DynamoDB applies each request atomically. Serialising requests gives the
local run and the tests the same atomicity the cloud gives, so conditional-write races behave.

Moto also deep-copies every table a transaction touches, to roll back on failure: a turn's cost
grows with the table. With requests serialised, checking every condition first and then applying
is atomic too, so transactions of Puts, Deletes and ConditionChecks take that path here.
"""

from __future__ import annotations

import logging
import threading
from typing import TYPE_CHECKING, Any

from moto.dynamodb.comparisons import get_filter_expression
from moto.dynamodb.exceptions import MultipleTransactionsException, TransactionCanceledException
from moto.dynamodb.models import DynamoDBBackend
from moto.moto_server.threaded_moto_server import MotoRequestHandler
from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app
from werkzeug.serving import make_server

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable


_moto_transact_write_items = DynamoDBBackend.transact_write_items


def _transact_check_then_apply(backend: DynamoDBBackend, transact_items: list[dict[str, Any]]) -> None:
    if any("Update" in item for item in transact_items):
        _moto_transact_write_items(backend, transact_items)
        return
    keys, codes = set(), []
    for item in transact_items:
        op_type, op = next(iter(item.items()))
        table = backend.get_table(op["TableName"])
        source = op["Item"] if op_type == "Put" else op["Key"]
        key = {name: source[name] for name in (table.hash_key_attr, table.range_key_attr) if name}
        if (op["TableName"], str(sorted(key.items()))) in keys:
            raise MultipleTransactionsException()
        keys.add((op["TableName"], str(sorted(key.items()))))
        condition = op.get("ConditionExpression")
        holds = condition is None or get_filter_expression(
            condition, op.get("ExpressionAttributeNames"), op.get("ExpressionAttributeValues")
        ).expr(backend.get_item(op["TableName"], key))
        codes.append(
            (None, None, None) if holds else ("ConditionalCheckFailed", "The conditional request failed", None)
        )
    if any(code for code, _, _ in codes):
        raise TransactionCanceledException(codes)
    for item in transact_items:
        op_type, op = next(iter(item.items()))
        if op_type == "Put":
            backend.put_item(op["TableName"], op["Item"])
        elif op_type == "Delete":
            backend.delete_item(op["TableName"], op["Key"])


class _OneRequestAtATime:
    def __init__(self, app: Callable[..., Iterable[bytes]]) -> None:
        self._app = app
        self._lock = threading.Lock()

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
        with self._lock:
            return list(self._app(environ, start_response))


class DynamoDBEndpoint:
    def __init__(self, host: str = "127.0.0.1", port: int = 0) -> None:
        logging.getLogger("werkzeug").setLevel(logging.WARNING)  # one console line per call otherwise
        DynamoDBBackend.transact_write_items = _transact_check_then_apply  # type: ignore[method-assign]
        app = _OneRequestAtATime(DomainDispatcherApplication(create_backend_app))
        self._server = make_server(host, port, app, threaded=True, request_handler=MotoRequestHandler)
        self._thread = threading.Thread(target=self._server.serve_forever, name="dynamodb", daemon=True)

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> DynamoDBEndpoint:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
