"""Endpoints that fail on purpose, in front of or instead of the real ones, so the real adapters meet the faults
over HTTP: a DynamoDB proxy that throttles, cancels or races scripted calls, and an SMS provider (Twilio's
Messages API and End User Messaging's SendTextMessage) that answers 5xx or hangs."""

from __future__ import annotations

import http.client
import json
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from twilio.http.http_client import TwilioHttpClient
from twilio.http.response import Response as TwilioResponse


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, handler: type[BaseHTTPRequestHandler]) -> None:
        super().__init__(("127.0.0.1", 0), handler)
        threading.Thread(target=self.serve_forever, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"

    def stop(self) -> None:
        self.shutdown()
        self.server_close()


class _Handler(BaseHTTPRequestHandler):
    def answer(self, status: int, body: bytes, headers: dict[str, str] | None = None) -> None:
        try:
            self.send_response(status)
            for name, value in {"Content-Length": str(len(body)), **(headers or {})}.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up waiting: that was the point

    def log_message(self, *_: Any) -> None:
        pass


@dataclass
class _Rule:
    operation: str
    times: int
    touching: str | None  # only calls whose body mentions this (a conversation id)
    act: Callable[[dict[str, Any]], tuple[int, dict[str, Any]] | None]  # an answer, or None to forward


class FaultyDynamoDB(_Server):
    """Forwards every DynamoDB call to `upstream`, except the ones a test scripts. `calls` lists the operations
    seen (with the conversation id, when one was asked for), in order."""

    def __init__(self, upstream: str) -> None:
        self.upstream = urlsplit(upstream)
        self.calls: list[str] = []
        self._rules: list[_Rule] = []
        self._lock = threading.Lock()
        super().__init__(_DynamoDBHandler)

    def throttle(self, operation: str, touching: str | None = None, times: int = 10**6) -> None:
        """The call fails as DynamoDB throttles it (botocore retries it, then the adapter sees it)."""
        error = {"__type": "com.amazonaws.dynamodb.v20120810#ProvisionedThroughputExceededException",
                 "message": "The level of configured provisioned throughput for the table was exceeded."}  # fmt: skip
        self._add(_Rule(operation, times, touching, lambda _: (400, error)))

    def cancel_transactions(self, reason: str, touching: str | None = None, times: int = 10**6) -> None:
        """TransactWriteItems is cancelled with `reason` on its first action ("ThrottlingError",
        "ConditionalCheckFailed" as when another writer got there first)."""

        def cancelled(request: dict[str, Any]) -> tuple[int, dict[str, Any]]:
            reasons = [{"Code": reason}] + [{"Code": "None"}] * (len(request["TransactItems"]) - 1)
            return 400, {
                "__type": "com.amazonaws.dynamodb.v20120810#TransactionCanceledException",
                "message": f"Transaction cancelled, please refer cancellation reasons for specific reasons [{reason}]",
                "CancellationReasons": reasons,
            }

        self._add(_Rule("TransactWriteItems", times, touching, cancelled))

    def before(self, operation: str, hook: Callable[[], None], touching: str | None = None, times: int = 1) -> None:
        """Runs `hook` (another writer, say) just before the call goes through."""

        def run_hook(_: dict[str, Any]) -> None:
            hook()

        self._add(_Rule(operation, times, touching, run_hook))

    def heal(self) -> None:
        with self._lock:
            self._rules.clear()

    def count(self, operation: str) -> int:
        return sum(1 for call in self.calls if call == operation)

    def _add(self, rule: _Rule) -> None:
        with self._lock:
            self._rules.append(rule)

    def fault_for(self, operation: str, body: bytes) -> _Rule | None:
        with self._lock:
            self.calls.append(operation)
            text = body.decode("utf-8", "replace")
            for rule in self._rules:
                if rule.operation == operation and rule.times > 0 and (rule.touching is None or rule.touching in text):
                    rule.times -= 1
                    return rule
        return None


class _DynamoDBHandler(_Handler):
    server: FaultyDynamoDB

    def do_POST(self) -> None:  # noqa: N802 (http.server's name)
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        operation = self.headers.get("X-Amz-Target", "").rsplit(".", 1)[-1]
        rule = self.server.fault_for(operation, body)
        answer = rule.act(json.loads(body)) if rule else None
        if answer is not None:
            status, error = answer
            self.answer(status, json.dumps(error).encode(), {"Content-Type": "application/x-amz-json-1.0"})
            return
        self._forward(body)

    def _forward(self, body: bytes) -> None:
        upstream = self.server.upstream
        connection = http.client.HTTPConnection(upstream.hostname or "127.0.0.1", upstream.port, timeout=30)
        headers = {name: value for name, value in self.headers.items() if name.lower() != "host"}
        connection.request("POST", self.path, body=body, headers=headers)
        response = connection.getresponse()
        content = response.read()
        passed = {k: v for k, v in response.getheaders() if k.lower() not in ("content-length", "transfer-encoding")}
        connection.close()
        self.answer(response.status, content, passed)


class FakeSmsProvider(_Server):
    """Twilio's Messages API and End User Messaging's SendTextMessage on one port. Each send takes the next
    answer of `script` ("ok", "500", "503", "hang": no answer for `hang_s`, and the text is not taken), then
    "ok" for good. `accepted` holds the texts it took (phone, text); `attempts` counts every send."""

    def __init__(self, hang_s: float = 2.0) -> None:
        self.script: list[str] = []
        self.accepted: list[tuple[str, str]] = []
        self.attempts = 0
        self.hang_s = hang_s
        self._lock = threading.Lock()
        super().__init__(_SmsProviderHandler)

    def next_answer(self) -> str:
        with self._lock:
            self.attempts += 1
            return self.script.pop(0) if self.script else "ok"


class _SmsProviderHandler(_Handler):
    server: FakeSmsProvider

    def do_POST(self) -> None:  # noqa: N802 (http.server's name)
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0)).decode()
        twilio = "/Messages.json" in self.path
        phone, text = _twilio_send(body) if twilio else _end_user_messaging_send(body)
        answer = self.server.next_answer()
        if answer == "hang":
            time.sleep(self.server.hang_s)
            return
        if answer != "ok":
            self._fail(int(answer), twilio)
            return
        self.server.accepted.append((phone, text))
        if twilio:
            sid = "SM" + uuid.uuid4().hex
            self.answer(
                201, json.dumps({"sid": sid, "status": "queued"}).encode(), {"Content-Type": "application/json"}
            )
        else:
            self.answer(200, json.dumps({"MessageId": str(uuid.uuid4())}).encode(),
                        {"Content-Type": "application/x-amz-json-1.0"})  # fmt: skip

    def _fail(self, status: int, twilio: bool) -> None:
        if status == 503:  # a load balancer's page: no code, no JSON
            self.answer(503, b"<html><body>503 Service Unavailable</body></html>", {"Content-Type": "text/html"})
        elif twilio:
            error = {"code": 20500, "message": "Internal Server Error", "status": status}
            self.answer(status, json.dumps(error).encode(), {"Content-Type": "application/json"})
        else:
            error = {"__type": "InternalServerException", "Message": "Internal failure"}
            self.answer(status, json.dumps(error).encode(), {"Content-Type": "application/x-amz-json-1.0"})


def _twilio_send(body: str) -> tuple[str, str]:
    form = parse_qs(body)
    return form["To"][0], form["Body"][0]


def _end_user_messaging_send(body: str) -> tuple[str, str]:
    request = json.loads(body)
    return request["DestinationPhoneNumber"], request["MessageBody"]


class LocalTwilioHttp(TwilioHttpClient):
    """twilio's own HTTP client (requests, with its timeout), sending to `base_url` instead of api.twilio.com."""

    def __init__(self, base_url: str, timeout: float) -> None:
        super().__init__(timeout=timeout)
        self._base_url = base_url

    def request(self, method: str, url: str, *args: Any, **kwargs: Any) -> TwilioResponse:
        return super().request(method, url.replace("https://api.twilio.com", self._base_url), *args, **kwargs)
