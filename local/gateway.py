"""A small HTTP API Gateway: routes from template.yaml to the real handlers, with payload v2 events.

Like API Gateway's HTTP API it base64-encodes bodies that are not JSON or text (a Twilio form post
arrives encoded), lower-cases header names, and maps the handler's v2 response back to HTTP.
"""

from __future__ import annotations

import base64
import json
import mimetypes
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, urlsplit

from local.template import ROOT

if TYPE_CHECKING:
    from local.template import Route
    from local.usage import UsageMeter

WEB_ROOT = ROOT / "web"
# Pages served at these paths: the web chat at "/", the other pages by folder name.
PAGES = {"/": "chat/index.html"}
_TEXT_TYPES = ("application/json", "text/", "application/xml", "application/javascript")
_METERING_BYTES = 512 * 1024  # HTTP APIs bill a request per 512 KB


def is_text(content_type: str) -> bool:
    media = content_type.split(";")[0].strip().lower()
    return not media or media.startswith(_TEXT_TYPES) or media.endswith("+json")


def http_api_event(
    route: Route,
    method: str,
    target: str,
    headers: dict[str, str],
    body: bytes,
    path_params: dict[str, str],
    source_ip: str,
) -> dict[str, Any]:
    parts = urlsplit(target)
    query: dict[str, list[str]] = {}
    for key, value in parse_qsl(parts.query, keep_blank_values=True):
        query.setdefault(key, []).append(value)
    encoded = bool(body) and not is_text(headers.get("content-type", ""))
    now = time.time()
    return {
        "version": "2.0",
        "routeKey": route.route_key,
        "rawPath": parts.path,
        "rawQueryString": parts.query,
        "headers": headers,
        "queryStringParameters": {k: ",".join(v) for k, v in query.items()} or None,
        "pathParameters": path_params or None,
        "requestContext": {
            "accountId": "123456789012",
            "apiId": "local",
            "domainName": headers.get("host", "localhost"),
            "http": {
                "method": method,
                "path": parts.path,
                "protocol": "HTTP/1.1",
                "sourceIp": source_ip,
                "userAgent": headers.get("user-agent", ""),
            },
            "requestId": str(uuid.uuid4()),
            "routeKey": route.route_key,
            "stage": "$default",
            "time": time.strftime("%d/%b/%Y:%H:%M:%S +0000", time.gmtime(now)),
            "timeEpoch": int(now * 1000),
        },
        "body": (base64.b64encode(body).decode() if encoded else body.decode("utf-8", "replace")) if body else None,
        "isBase64Encoded": encoded,
    }


@dataclass(frozen=True)
class LocalRequest:
    query: dict[str, str]
    headers: dict[str, str]
    body: bytes


# A helper route of the local run: answers (status, JSON body).
LocalRoute = Callable[[LocalRequest], tuple[int, dict[str, Any]]]


class Gateway(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(
        self,
        address: tuple[str, int],
        routes: list[Route],
        invoke: Callable[[str, dict[str, Any]], Any],
        openapi: Callable[[], dict[str, Any]],
        local_routes: dict[str, LocalRoute] | None = None,
        usage: UsageMeter | None = None,
    ) -> None:
        super().__init__(address, GatewayRequestHandler)
        self.routes = routes
        self.invoke = invoke
        self.openapi = openapi
        self.local_routes = local_routes or {}  # helpers of the local run only ("METHOD /path"), never deployed
        self.usage = usage
        self._usage_routes = _usage_routes(usage) if usage else {}

    def helper_route(self, key: str) -> LocalRoute | None:
        """A helper route of the local run ("METHOD /path"): the stack's own, or the usage meter's."""
        return self.local_routes.get(key) or self._usage_routes.get(key)

    def count_request(self, route: Route, body: bytes) -> None:
        if self.usage is not None:
            self.usage.add("apigateway", route.route_key, count=1 + len(body) // _METERING_BYTES)


def _usage_routes(usage: UsageMeter) -> dict[str, LocalRoute]:
    def reset(_: LocalRequest) -> tuple[int, dict[str, Any]]:
        usage.reset()
        return 200, {}

    return {"GET /local/usage": lambda _: (200, usage.snapshot()), "DELETE /local/usage": reset}


class GatewayRequestHandler(BaseHTTPRequestHandler):
    server: Gateway
    protocol_version = "HTTP/1.1"

    def __getattr__(self, name: str) -> Any:
        # Every method reaches the routes, as in API Gateway: an unmatched one is a JSON 404, not a 501.
        if name.startswith("do_"):
            return lambda: self._dispatch(name[3:])
        raise AttributeError(name)

    def _dispatch(self, method: str) -> None:
        path = urlsplit(self.path).path
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        for route in self.server.routes:
            params = route.match(method, path)
            if params is not None:
                self.server.count_request(route, body)
                self._call_function(route, method, body, params)
                return
        if method == "GET" and path == "/openapi.json":
            self._send(HTTPStatus.OK, json.dumps(self.server.openapi()).encode(), "application/json")
        elif local := self.server.helper_route(f"{method} {path}"):
            headers = {k.lower(): v for k, v in self.headers.items()}
            status, payload = local(LocalRequest(dict(parse_qsl(urlsplit(self.path).query)), headers, body))
            self._send_json(status, payload)
        elif method == "GET" and self._serve_file(path):
            return
        else:
            self._send_json(HTTPStatus.NOT_FOUND, {"message": f"No route for {method} {path}"})

    def _call_function(self, route: Route, method: str, body: bytes, params: dict[str, str]) -> None:
        headers = {k.lower(): v for k, v in self.headers.items()}
        event = http_api_event(route, method, self.path, headers, body, params, self.client_address[0])
        try:
            result = self.server.invoke(route.function, event)
        except Exception as error:  # noqa: BLE001 - API Gateway answers 500 when the integration fails
            self.log_error("function %s failed: %r", route.function, error)
            self._send_json(HTTPStatus.INTERNAL_SERVER_ERROR, {"message": "Internal Server Error"})
            return
        self._send_result(result)

    def _send_result(self, result: Any) -> None:
        if not (isinstance(result, dict) and "statusCode" in result):
            self._send(HTTPStatus.OK, json.dumps(result).encode(), "application/json")
            return
        raw = result.get("body") or ""
        payload = base64.b64decode(raw) if result.get("isBase64Encoded") else raw.encode()
        headers = {k.lower(): v for k, v in (result.get("headers") or {}).items()}
        content_type = headers.pop("content-type", "application/json")
        self._send(result["statusCode"], payload, content_type, headers, result.get("cookies") or [])

    def _serve_file(self, path: str) -> bool:
        relative = PAGES.get(path, path.lstrip("/"))
        if relative.endswith("/") or (WEB_ROOT / relative).is_dir():
            relative = relative.rstrip("/") + "/index.html"
        file = (WEB_ROOT / relative).resolve()
        if not file.is_file() or WEB_ROOT.resolve() not in file.parents:
            return False
        content_type = mimetypes.guess_type(file.name)[0] or "application/octet-stream"
        self._send(HTTPStatus.OK, file.read_bytes(), content_type, {"cache-control": "no-store"})
        return True

    def _send_json(self, status: int, body: dict[str, Any]) -> None:
        self._send(status, json.dumps(body).encode(), "application/json")

    def _send(
        self,
        status: int,
        payload: bytes,
        content_type: str,
        headers: dict[str, str] | None = None,
        cookies: list[str] | None = None,
    ) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(payload)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        for cookie in cookies or []:
            self.send_header("Set-Cookie", cookie)
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - quiet console
        pass
