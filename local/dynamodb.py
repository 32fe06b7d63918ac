"""The embedded DynamoDB endpoint: moto's server, one request at a time.

Moto's DynamoDB backend is not thread-safe (concurrent TransactWriteItems corrupt its state and
answer 500), while real DynamoDB applies each request atomically. Serialising requests gives the
local run and the tests the same atomicity the cloud gives, so conditional-write races behave.

Moto also deep-copies every table a transaction touches, to roll back on failure: a turn's cost
grows with the table. With requests serialised, checking every condition first and then applying
is atomic too, so transactions of Puts, Deletes and ConditionChecks take that path here.

Given a usage meter, the endpoint also counts what each request would be billed (local/metering.py),
inside the same lock, so the items it sizes before and after a write are the ones that write saw.
"""

from __future__ import annotations

import io
import json
import logging
import threading
import time
from typing import TYPE_CHECKING, Any

from moto.core.model_instances import reset_model_data
from moto.dynamodb.comparisons import get_filter_expression
from moto.dynamodb.exceptions import MultipleTransactionsException, TransactionCanceledException
from moto.dynamodb.models import DynamoDBBackend
from moto.moto_server.threaded_moto_server import MotoRequestHandler
from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app
from werkzeug.serving import make_server

from local.metering import AwsRequest, RequestMeter

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable

    from local.usage import UsageMeter


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


class _IdempotentTransactions:
    """DynamoDB's ClientRequestToken, which moto ignores. botocore gives every TransactWriteItems a token and
    sends the same one when it retries after a timeout; DynamoDB answers that retry with success without
    applying it again, for 10 minutes. Without this, a retried claim that had committed failed its own condition
    and the agent was told someone else had it (found by `make load` on a loaded host)."""

    WINDOW_S = 600.0

    def __init__(self) -> None:
        self._done: dict[str, tuple[str, float]] = {}  # token -> (the request without it, when it succeeded)

    def replayed(self, target: str, body: bytes) -> bool:
        found = _token(target, body)
        done = self._done.get(found[0]) if found else None
        return bool(found and done and done[0] == found[1] and time.monotonic() - done[1] < self.WINDOW_S)

    def remember(self, target: str, body: bytes) -> None:
        if found := _token(target, body):
            now = time.monotonic()
            while self._done and now - next(iter(self._done.values()))[1] >= self.WINDOW_S:
                del self._done[next(iter(self._done))]  # oldest first: a dict keeps the order tokens came in
            self._done[found[0]] = (found[1], now)


def _token(target: str, body: bytes) -> tuple[str, str] | None:
    if not target.endswith(".TransactWriteItems"):
        return None
    try:
        request = json.loads(body)
    except ValueError:
        return None
    token = request.pop("ClientRequestToken", None)
    return (str(token), json.dumps(request, sort_keys=True)) if token else None


class _OneRequestAtATime:
    # Moto keeps every model object it ever made, for its dashboard: each item version, and the deep copy of a
    # whole table that each transaction with an update makes. A long `make run`, `make load` or `make simulate`
    # would fill gigabytes (and stall in garbage collection), so they are dropped this often.
    FORGET_MODELS_EVERY_S = 2.0

    def __init__(self, app: Callable[..., Iterable[bytes]], meter: RequestMeter | None = None) -> None:
        self._app = app
        self._lock = threading.Lock()
        self._meter = meter
        self._transactions = _IdempotentTransactions()
        self._models_forgotten_at = time.monotonic()

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
        body = environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
        environ["wsgi.input"] = io.BytesIO(body)  # read once here, again by moto
        target = str(environ.get("HTTP_X_AMZ_TARGET", ""))
        statuses: list[int] = []

        def keep_status(status: str, *args: Any) -> Any:
            statuses.append(int(status.split()[0]))
            return start_response(status, *args)

        with self._lock:
            if self._transactions.replayed(target, body):
                start_response("200 OK", [("Content-Type", "application/x-amz-json-1.0")])
                return [b"{}"]
            request = AwsRequest.parse(_headers(environ), body) if self._meter else None
            writes = self._meter.prepare(request) if self._meter and request else []
            answer = list(self._app(environ, keep_status))
            if statuses and statuses[0] == 200:
                self._transactions.remember(target, body)
            if self._meter and request and statuses:
                self._meter.record(request, writes, statuses[0], b"".join(answer))
            if time.monotonic() - self._models_forgotten_at > self.FORGET_MODELS_EVERY_S:
                reset_model_data()
                self._models_forgotten_at = time.monotonic()
        return answer


def _headers(environ: dict[str, Any]) -> dict[str, str]:
    return {k[5:].replace("_", "-").lower(): str(v) for k, v in environ.items() if k.startswith("HTTP_")}


class DynamoDBEndpoint:
    def __init__(self, host: str = "127.0.0.1", port: int = 0, usage: UsageMeter | None = None) -> None:
        logging.getLogger("werkzeug").setLevel(logging.WARNING)  # one console line per call otherwise
        DynamoDBBackend.transact_write_items = _transact_check_then_apply  # type: ignore[method-assign]
        meter = RequestMeter(usage) if usage is not None else None
        app = _OneRequestAtATime(DomainDispatcherApplication(create_backend_app), meter)
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
