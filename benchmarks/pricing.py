"""Prices a snapshot of the local run's usage meter (local/usage.py) with benchmarks/prices.yml: USD per cost line.

Lambda is priced at each function's memory and architecture in template.yaml; the meter's amounts are billed
milliseconds, DynamoDB request units (local/metering.py) and SQS requests per 64 KB. CloudWatch Logs adds the
lines Lambda itself writes for each invocation to the functions' own; X-Ray assumes the default sampling rule.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

from channels.sms import segments
from local.functions import NLU_FUNCTION

if TYPE_CHECKING:
    from local.template import Template

PRICES = Path(__file__).with_name("prices.yml")
LAMBDA_PLATFORM_LOG_BYTES = 350  # START, END and REPORT lines Lambda writes per invocation
XRAY_SAMPLED = 0.05  # the default sampling rule, beyond the first request each second
TWILIO, END_USER_MESSAGING = "SMS segments (Twilio)", "SMS parts (End User Messaging)"


@dataclass(frozen=True)
class Function:
    memory_gb: float
    arch: str  # arm64 or x86_64


def load_prices(path: Path = PRICES) -> tuple[dict[str, float], str]:
    """Price per unit of each item, and the table's date."""
    table = yaml.safe_load(path.read_text())
    return {name: p["usd"] / p["per"] for name, p in table["prices"].items()}, str(table["as_of"])


def functions_of(template: Template) -> dict[str, Function]:
    defaults = template.document.get("Globals", {}).get("Function", {})
    found = {}
    for name, resource in template.resources("AWS::Serverless::Function").items():
        props = {**defaults, **resource["Properties"]}
        found[name] = Function(int(props.get("MemorySize", 128)) / 1024, (props.get("Architectures") or ["x86_64"])[0])
    return found


def price(
    usage: dict[str, Any], log_bytes: int, functions: dict[str, Function], p: dict[str, float]
) -> dict[str, float]:
    """USD per cost line for one snapshot of the usage meter."""
    lambdas = usage.get("lambda", {})
    invocations = sum(int(t["count"]) for t in lambdas.values())
    entries = invocations - int(lambdas.get(NLU_FUNCTION, {}).get("count", 0))  # the NLU joins its caller's trace
    billed_sqs = {k: t for k, t in usage.get("sqs", {}).items() if not k.endswith("(empty)")}
    lines = {
        "API Gateway requests": _count(usage, "apigateway") * p["apigateway_http_request"],
        **{f"Lambda {name}": lambda_usd(t, functions[name], p) for name, t in lambdas.items()},
        **_dynamodb_lines(usage.get("dynamodb", {}), p),
        "SQS requests": sum(
            t["count"] * p["sqs_fifo_request" if k.startswith("fifo") else "sqs_standard_request"]
            for k, t in billed_sqs.items()
        ),
        "SNS publishes": _count(usage, "sns") * p["sns_publish"],
        "CloudWatch Logs": (log_bytes + invocations * LAMBDA_PLATFORM_LOG_BYTES)
        / 1e9
        * p["cloudwatch_logs_ingested_gb"],
        "X-Ray traces": entries * XRAY_SAMPLED * p["xray_trace_recorded"],
    }
    return {k: v for k, v in lines.items() if v}


def without_polling(
    usage: dict[str, Any], polled_routes: tuple[str, ...], served_by: dict[str, str]
) -> tuple[dict[str, Any], dict[str, Any]]:
    """The usage less the polled routes' calls (API Gateway and their functions' share), and those calls."""
    usage = copy.deepcopy(usage)
    polled = {}
    for route in polled_routes:
        calls = usage.get("apigateway", {}).pop(route, None)
        share = usage.get("lambda.routes", {}).get(route)
        if calls is None or share is None:
            continue
        function = usage["lambda"][served_by[route]]
        function["count"] -= share["count"]
        function["amount"] -= share["amount"]
        polled[route] = {"function": served_by[route], **share}
    return usage, polled


def per_call_usd(polled: dict[str, Any], functions: dict[str, Function], p: dict[str, float]) -> dict[str, float]:
    return {
        route: p["apigateway_http_request"] + lambda_usd(t, functions[t["function"]], p) / max(1, t["count"])
        for route, t in polled.items()
    }


def lambda_usd(tally: dict[str, Any], function: Function, p: dict[str, float]) -> float:
    gb_seconds = float(tally["amount"]) / 1000 * function.memory_gb  # the amount is billed milliseconds
    return float(tally["count"]) * p["lambda_request"] + gb_seconds * p[f"lambda_gb_second_{function.arch}"]


def _dynamodb_lines(tallies: dict[str, dict[str, float]], p: dict[str, float]) -> dict[str, float]:
    """One line per table and kind: writes (with its indexes' writes) and reads."""
    lines: dict[str, float] = {}
    for item, tally in tallies.items():
        unit, _, table = item.partition(":")
        if unit in ("wru", "rru"):
            kind = "write" if unit == "wru" else "read"
            line = f"DynamoDB {table.split('/')[0]} {kind}s"
            lines[line] = lines.get(line, 0.0) + tally["amount"] * p[f"dynamodb_{kind}_request_unit"]
    return lines


def _count(usage: dict[str, Any], service: str) -> int:
    return sum(int(t["count"]) for t in usage.get(service, {}).values())


def sms_lines(texts: list[str], inbound: int, p: dict[str, float]) -> dict[str, float]:
    outbound = sum(segments(t) for t in texts)
    return {
        TWILIO: outbound * p["twilio_sms_gb_outbound_segment"] + inbound * p["twilio_sms_gb_inbound_segment"],
        END_USER_MESSAGING: outbound * p["end_user_messaging_sms_gb_outbound_part"]
        + inbound * p["end_user_messaging_sms_gb_inbound_part"],
    }
