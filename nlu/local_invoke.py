"""A local endpoint that speaks the Lambda Invoke API for the NLU function.

boto3's `lambda.invoke` reaches it when AWS_ENDPOINT_URL_LAMBDA points here, so the message
functions use the same code path locally as in the cloud. One request at a time, like one
Lambda container.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import traceback
from http.server import BaseHTTPRequestHandler, HTTPServer

import handler

_INVOKE_PATH = re.compile(r"^/2015-03-31/functions/(?P<name>[^/]+)/invocations$")


class InvokeHandler(BaseHTTPRequestHandler):
    def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
        if not _INVOKE_PATH.match(self.path.split("?")[0]):
            self._send(404, {"Type": "User", "message": f"Function not found: {self.path}"})
            return
        length = int(self.headers.get("Content-Length") or 0)
        try:
            event = json.loads(self.rfile.read(length) or b"{}")
            self._send(200, handler.handler(event, None))
        except Exception as error:  # noqa: BLE001 - Lambda reports any handler failure as a function error
            body = {"errorMessage": str(error), "errorType": type(error).__name__,
                    "stackTrace": traceback.format_exc().splitlines()}
            self._send(200, body, function_error="Unhandled")

    def _send(self, status: int, body: dict, function_error: str | None = None) -> None:
        payload = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        if function_error:
            self.send_header("X-Amz-Function-Error", function_error)
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - keep request lines out of the console
        pass


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0)
    args = parser.parse_args()
    handler.handler({"text": "hello"}, None)  # pay the cold start before announcing readiness
    server = HTTPServer((args.host, args.port), InvokeHandler)
    print(json.dumps({"ready": True, "port": server.server_address[1]}), flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        sys.exit(0)


if __name__ == "__main__":
    main()
