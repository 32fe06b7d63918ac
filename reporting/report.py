"""`make report`: reads a period's conversation outcomes from DynamoDB and writes one self-contained HTML page.

    PYTHONPATH=functions:. .venv/bin/python -m reporting.report --endpoint URL --region R --days 7 --out FILE

The figures are core.service_metrics' own; the contacts of the week before the period are read too, so effort
counts repeat contacts that began before it, and, for a period that ended more than a week ago, the week after,
so first-contact resolution sees the repeats. The last line printed is one JSON object (contacts, days,
generation_s, out).
"""

from __future__ import annotations

import argparse
import json
import os
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

import boto3

from adapters.dynamodb_conversations import DynamoConversationStore
from core.service_metrics import FCR_WINDOW
from core.supervision import read_day
from reporting.figures import build
from reporting.labels import Labels, reason_titles
from reporting.page import render

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

    from core.service_metrics import ConversationOutcome
    from core.supervision import OutcomeSource

PAGE_SIZE = 1000
MAX_PAGES_PER_DAY = 500  # half a million contacts a day; a truncated day is reported as such
RETENTION = timedelta(days=90)  # only for the store's writes, which the report never makes


def dynamodb(endpoint: str | None, region: str) -> DynamoDBClient:
    """The AWS account's DynamoDB, or a local endpoint (which takes any credentials: dummy ones if none are set)."""
    if endpoint is None:
        return boto3.client("dynamodb", region_name=region)
    dummy = None if os.environ.get("AWS_ACCESS_KEY_ID") else "local"
    return boto3.client(
        "dynamodb", endpoint_url=endpoint, region_name=region, aws_access_key_id=dummy, aws_secret_access_key=dummy
    )


def _days(first: date, last: date) -> list[date]:
    return [first + timedelta(days=n) for n in range((last - first).days + 1)]


def read(source: OutcomeSource, days: list[date]) -> tuple[list[ConversationOutcome], bool]:
    found: list[ConversationOutcome] = []
    truncated = False
    for day in days:
        outcomes, cut = read_day(source, day, PAGE_SIZE, MAX_PAGES_PER_DAY)
        found += outcomes
        truncated |= cut
    return found, truncated


def generate(source: OutcomeSource, last_day: date, days: int, today: date) -> tuple[str, int]:
    """The page's HTML and the number of contacts in the period."""
    first_day = last_day - timedelta(days=days - 1)
    outcomes, truncated = read(source, _days(first_day, last_day))
    window = FCR_WINDOW.days
    before, _ = read(source, _days(first_day - timedelta(days=window), first_day - timedelta(days=1)))
    after_end = min(last_day + timedelta(days=window), today)
    after, _ = read(source, _days(last_day + timedelta(days=1), after_end)) if after_end > last_day else ([], False)
    report = build(outcomes, [*before, *after], first_day, last_day, datetime.now(UTC), truncated)
    return render(report, Labels(reason_titles())), len(outcomes)


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="Write the service report of the last DAYS days as one HTML file.")
    parser.add_argument("--endpoint", default=None, help="DynamoDB endpoint URL (the local run prints it); none: AWS")
    parser.add_argument("--region", default=os.environ.get("AWS_REGION", "eu-west-1"))
    parser.add_argument("--table", default="ConversationsTable", help="the ConversationsTable's name")
    parser.add_argument("--days", type=int, default=7)
    parser.add_argument("--until", type=date.fromisoformat, default=None, help="last day (UTC), default today")
    parser.add_argument("--out", type=Path, default=Path("reports/service/index.html"))
    arguments = parser.parse_args()
    if arguments.days < 1:
        parser.error("--days must be 1 or more")
    if not arguments.endpoint and boto3.Session().get_credentials() is None:
        parser.error("nothing to read: pass --endpoint (the DynamoDB URL `make run` prints) or set AWS credentials")
    return arguments


def main() -> None:
    started = time.perf_counter()
    arguments = _arguments()
    today = datetime.now(UTC).date()
    store = DynamoConversationStore(dynamodb(arguments.endpoint or None, arguments.region), arguments.table, RETENTION)
    html, contacts = generate(store, arguments.until or today, arguments.days, today)
    arguments.out.parent.mkdir(parents=True, exist_ok=True)
    arguments.out.write_text(html, encoding="utf-8")
    seconds = round(time.perf_counter() - started, 3)
    print(
        json.dumps({"contacts": contacts, "days": arguments.days, "generation_s": seconds, "out": str(arguments.out)})
    )


if __name__ == "__main__":
    main()
