"""`make run`: the whole system locally; Ctrl-C stops everything."""

from __future__ import annotations

import argparse
import os
import signal
import threading

from local.stack import LOCAL_APP_TOKEN_SECRET, LocalStack, StackConfig


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"))
    parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
    args = parser.parse_args()
    config = StackConfig(host=args.host, port=args.port, dynamodb_endpoint=os.environ.get("DYNAMODB_ENDPOINT") or None)
    stopped = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stopped.set())
    print("Starting the local stack (DynamoDB endpoint, NLU model, gateway)...", flush=True)
    with LocalStack(config) as stack:
        # `make report` (and anything else) finds this run's database here.
        (config.log_dir.parent / "dynamodb-endpoint").write_text(stack.dynamodb_endpoint)
        print(
            f"\n  Web chat        {stack.url}/\n"
            f"  Supervisor      {stack.url}/agent/supervisor.html (sign in as chen)\n"
            f"  OpenAPI         {stack.url}/openapi.json\n"
            f"  DynamoDB        {stack.dynamodb_endpoint}\n"
            f"  NLU (Invoke)    {stack.nlu_endpoint}\n"
            f"  Function logs   {config.log_dir}\n"
            f"  App token key   {LOCAL_APP_TOKEN_SECRET}\n\nPress Ctrl-C to stop.",
            flush=True,
        )
        try:
            stopped.wait()
        except KeyboardInterrupt:
            pass
        print("\nStopping...", flush=True)


if __name__ == "__main__":
    main()
