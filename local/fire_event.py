"""`make events`: fire a customer-event scenario at a running local stack (POST /local/events)."""

from __future__ import annotations

import argparse
import json

import requests

from local.scenarios import SCENARIOS


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--url", default="http://127.0.0.1:8000")
    parser.add_argument("--scenario", required=True, choices=sorted(SCENARIOS))
    parser.add_argument("--customer", help="a demo customer id; default: the one the scenario suits")
    arguments = parser.parse_args()
    body = {"scenario": arguments.scenario, "customer": arguments.customer}
    answer = requests.post(f"{arguments.url}/local/events", json=body, timeout=30)
    print(json.dumps(answer.json(), indent=2))
    answer.raise_for_status()


if __name__ == "__main__":
    main()
