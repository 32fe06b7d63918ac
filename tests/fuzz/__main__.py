"""`make fuzz`: the long fuzzing run against a local stack of its own.

FUZZ_EXAMPLES (100) is the number of cases per operation, caller and mode (valid, invalid) for the routes of
/openapi.json; the Twilio webhooks get six times as many (two webhooks x signed, unsigned, tampered) and the SNS
function twice as many. Failures are printed one by one; the last line is the JSON summary. Exits 1 on failures.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
import time
from pathlib import Path

from local.stack import LocalStack, StackConfig
from tests.fuzz.api import callers, fuzz_api, load_schema
from tests.fuzz.oracle import Tally
from tests.fuzz.sms import fuzz_sns, fuzz_twilio, queue_drained

# What template.yaml's Globals give every function; the gateway imports the handlers to serve /openapi.json.
os.environ.setdefault("POWERTOOLS_SERVICE_NAME", "contact-centre")
os.environ.setdefault("POWERTOOLS_METRICS_NAMESPACE", "ContactCentre")


def main() -> None:
    examples = int(os.environ.get("FUZZ_EXAMPLES", "100"))
    log_dir = Path(tempfile.mkdtemp(prefix="fuzz-")) / "logs"
    started = time.monotonic()
    tally = Tally()
    with LocalStack(StackConfig(port=0, log_dir=log_dir, region="us-west-2")) as stack:
        start_s = time.monotonic() - started
        schema = load_schema(stack)
        for caller in callers(stack):
            fuzz_api(stack, schema, caller, examples, tally)
            print(f"{caller.name}: {tally.cases[caller.name]} cases, {len(tally.failures)} failures so far", flush=True)
        fuzz_twilio(stack, 6 * examples, tally)
        fuzz_sns(stack, 2 * examples, tally, log_dir)
        queue_drained(stack, tally, timeout_s=max(90.0, float(examples)))
        fuzz_s = time.monotonic() - started - start_s
    if tally.failures:
        print(tally.report(), flush=True)
    summary = tally.summary() | {
        "examples": examples,
        "start_s": round(start_s, 1),
        "fuzz_s": round(fuzz_s, 1),
        "logs": str(log_dir),
    }
    print(json.dumps(summary), flush=True)
    sys.exit(1 if tally.failures else 0)


if __name__ == "__main__":
    main()
