"""The supervisor page and the service report, over contacts made through the local stack's own API.

A day's worth of contacts: one contained by the bot and rated 5, one handed to a person, resolved by Chen and
rated 4. The supervisor page shows them (and a new handoff within one refresh); an agent outside the supervisors
group is told the page is not for them; `python -m reporting.report` turns the same outcomes into the report.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import uuid
from typing import TYPE_CHECKING, Any

import pytest
import requests
from playwright.sync_api import expect

from local.stack import LocalStack
from local.template import ROOT
from tests.stacks import running_stack

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

    from playwright.sync_api import Page

pytestmark = [pytest.mark.slow, pytest.mark.browser, pytest.mark.stack]

DASHBOARD = (1366, 900)
SIGN_IN_S = 45_000  # a fresh worker's cold start on a loaded CI host


class Customer:
    """A customer on the chat API: the app (signed in as a demo customer) or the anonymous web chat."""

    def __init__(self, url: str, customer_id: str | None = None) -> None:
        self.url = url
        headers = {}
        if customer_id:
            app_token = requests.get(f"{url}/local/app-token", params={"customer": customer_id}, timeout=30).json()
            headers["Authorization"] = f"Bearer {app_token['token']}"
        body = {"channel": "app" if customer_id else "web"}
        started = requests.post(f"{url}/v1/conversations", json=body, headers=headers, timeout=60)
        assert started.status_code == 201, started.text
        self.id, self.token = started.json()["conversation_id"], started.json()["token"]

    def say(self, text: str) -> dict[str, Any]:
        answer = requests.post(
            f"{self.url}/v1/conversations/{self.id}/messages",
            json={"text": text, "client_message_id": str(uuid.uuid4())},
            headers={"Authorization": f"Bearer {self.token}"},
            timeout=60,
        )
        assert answer.status_code == 200, answer.text
        return answer.json()


def as_agent(stack: LocalStack, username: str, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
    headers = {"Authorization": f"Bearer {stack.agent_issuer.issue(username)}"}
    response = requests.request(method, f"{stack.url}{path}", json=body, headers=headers, timeout=60)
    assert response.ok, response.text
    return response.json()


def handoff_of(stack: LocalStack, conversation_id: str) -> str:
    waiting = as_agent(stack, "chen", "GET", "/v1/agent/handoffs?status=waiting")["handoffs"]
    return next(h["handoff_id"] for h in waiting if h["conversation_id"] == conversation_id)


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalStack]:
    """Its own stack and moto region, so the figures count only this module's contacts."""
    with running_stack(tmp_path_factory.mktemp("supervisor-stack-logs"), "ap-south-1") as stack:
        yield stack


@pytest.fixture(scope="module")
def day(stack: LocalStack) -> LocalStack:
    contained = Customer(stack.url, "C-1001")
    contained.say("how much is my card bill")
    contained.say("9023")
    assert "rate this conversation" in json.dumps(contained.say("/thanks"))
    contained.say("5")

    helped = Customer(stack.url)
    assert helped.say("I want to talk to a person")["status"] == "queued"
    handoff_id = handoff_of(stack, helped.id)
    time.sleep(1.1)  # a measurable wait and handle time
    as_agent(stack, "chen", "POST", f"/v1/agent/handoffs/{handoff_id}/claim")
    as_agent(stack, "chen", "POST", f"/v1/agent/handoffs/{handoff_id}/messages",
             {"text": "Hello, I can help with that.", "client_message_id": "s1"})  # fmt: skip
    time.sleep(1.1)
    as_agent(stack, "chen", "POST", f"/v1/agent/handoffs/{handoff_id}/resolve", {"disposition": "resolved"})
    helped.say("4")
    return stack


def sign_in(page: Page, url: str, username: str) -> None:
    page.goto(url)
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(f"{username}-demo-pass")
    page.get_by_role("button", name="Sign in").click()


def kpi(page: Page, key: str) -> Any:
    return page.get_by_test_id(f"kpi-{key}").locator(".kpi__value")


def test_a_supervisor_follows_todays_figures_and_the_queues_live(day, new_page, tmp_path: Path):
    page = new_page(*DASHBOARD)
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    sign_in(page, f"{day.url}/agent/", "chen")
    page.get_by_test_id("supervisor-link").click(timeout=SIGN_IN_S)  # shown to supervisors only

    expect(kpi(page, "contacts")).to_have_text("2", timeout=SIGN_IN_S)
    expect(kpi(page, "containment")).to_have_text("50%")
    expect(kpi(page, "handoff-rate")).to_have_text("50%")
    expect(kpi(page, "fcr")).to_have_text("100%")  # the app customer; the web one is anonymous
    expect(kpi(page, "csat")).to_have_text("4.5 / 5")
    expect(kpi(page, "time-to-agent")).not_to_have_text("–")
    expect(kpi(page, "handle-time")).not_to_have_text("–")
    expect(page.get_by_test_id("handoff-reasons").locator("li")).to_have_text(["Asked for a person1"])
    expect(page.get_by_test_id("contact-reasons")).to_contain_text("Card bill")
    for score in ("4", "5"):
        expect(page.locator(f".csat__col[data-score='{score}'] .csat__count")).to_have_text("1")
    expect(page.get_by_test_id("queues").locator("tbody tr")).to_have_count(5)
    expect(page.get_by_test_id("waiting-total")).to_have_text("0")

    waiting = Customer(day.url)
    waiting.say("I want to talk to a person")
    # The next refresh (every 10 s) brings the new contact and the waiting customer.
    expect(kpi(page, "contacts")).to_have_text("3", timeout=15_000)
    expect(page.locator("tr[data-skill='general'] td").first).to_have_text("1")
    expect(page.get_by_test_id("waiting-total")).to_have_text("1")
    page.screenshot(path=str(tmp_path / "supervisor.png"), full_page=True)
    assert errors == []


def test_an_agent_who_is_not_a_supervisor_is_told_so_and_gets_no_link(day, new_page, tmp_path: Path):
    page = new_page(*DASHBOARD)
    sign_in(page, f"{day.url}/agent/supervisor.html", "alice")
    refused = page.get_by_test_id("refused")
    expect(refused).to_contain_text("This page is for supervisors", timeout=SIGN_IN_S)
    expect(refused).to_contain_text("supervisors group")
    expect(page.get_by_test_id("kpis")).to_be_hidden()
    page.screenshot(path=str(tmp_path / "supervisor-refused.png"))

    page.get_by_role("link", name="Back to the agent console").click()
    expect(page.get_by_test_id("agent")).to_contain_text("Alice Moreno", timeout=SIGN_IN_S)
    expect(page.get_by_test_id("supervisor-link")).to_be_hidden()


def test_the_report_reads_the_days_outcomes_and_opens_as_one_page(day, new_page, tmp_path: Path):
    out = tmp_path / "service" / "index.html"
    command = [sys.executable, "-m", "reporting.report", "--endpoint", day.dynamodb_endpoint, "--region",
               day.config.region, "--days", "7", "--out", str(out)]  # fmt: skip
    environment = {**os.environ, "PYTHONPATH": f"{ROOT / 'functions'}:{ROOT}"}
    done = subprocess.run(command, cwd=ROOT, env=environment, capture_output=True, text=True, timeout=120, check=True)
    summary = json.loads(done.stdout.strip().splitlines()[-1])
    assert summary["contacts"] >= 2 and summary["days"] == 7 and summary["out"] == str(out)
    assert summary["generation_s"] < 30

    page = new_page(1280, 900)
    page.goto(out.as_uri())
    expect(page.locator("[data-figure='csat'] .tile__value")).to_have_text("4.5 / 5")
    expect(page.locator("[data-figure='time-to-agent'] .tile__value")).not_to_have_text("–")
    for chart in ("trend-contacts", "trend-rates", "contact-reasons", "handoffs", "csat", "channels"):
        expect(page.locator(f"svg[data-chart='{chart}']")).to_be_visible()
    page.screenshot(path=str(tmp_path / "service-report.png"), full_page=True)
