"""A person texting from the SMS simulator asks for a person and meets an agent in the agent console."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest
from playwright.sync_api import expect

if TYPE_CHECKING:
    from pathlib import Path

    from playwright.sync_api import Locator, Page

pytestmark = [pytest.mark.slow, pytest.mark.browser, pytest.mark.stack]

PHONE_VIEWPORT = (480, 860)
AGENT_VIEWPORT = (1280, 800)
DAVID = "+447700900104"  # C-1004, David Okafor: no other browser test texts from this number
SMS_WAIT = 20_000  # webhook -> SQS -> processor -> outbox -> the simulator's 1 s poll


def open_simulator(page: Page, url: str, phone: str) -> list[str]:
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(url + "/sms/")
    page.select_option("#phone", phone)
    expect(page.locator("#thread")).not_to_have_attribute("aria-busy", "true")
    expect(page.locator("#text")).to_be_enabled()
    return errors


def text(page: Page, message: str) -> None:
    page.fill("#text", message)
    page.press("#text", "Enter")
    expect(page.locator(".sms--me .sms__text").last).to_have_text(message)


def last_bank_text(page: Page) -> Locator:
    return page.locator(".sms--bank .sms__text").last


def sign_in(page: Page, url: str, username: str) -> list[str]:
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(url + "/agent/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(f"{username}-demo-pass")
    page.get_by_role("button", name="Sign in").click()
    return errors


def test_a_texting_customer_is_taken_over_by_an_agent_and_handed_back_to_the_bot(local_stack, new_page, tmp_path: Path):
    phone = new_page(*PHONE_VIEWPORT)
    phone_errors = open_simulator(phone, local_stack.url, DAVID)
    text(phone, "I want to talk to a person")
    expect(last_bank_text(phone)).to_contain_text("in the queue", timeout=SMS_WAIT)

    agent = new_page(*AGENT_VIEWPORT)
    agent_errors = sign_in(agent, local_stack.url, "bilal")
    expect(agent.get_by_test_id("agent")).to_contain_text("Bilal Haddad")
    waiting = agent.get_by_test_id("queue-item").filter(has_text="David Okafor")
    expect(waiting).to_have_count(1, timeout=SMS_WAIT)
    expect(waiting).to_contain_text("SMS")
    waiting.click()
    expect(agent.get_by_test_id("conversation-status")).to_contain_text("SMS")
    transcript = agent.get_by_test_id("transcript")
    expect(transcript.locator(".tmsg--customer .tmsg__text").last).to_have_text("I want to talk to a person")

    agent.get_by_test_id("claim").click()
    expect(agent.get_by_test_id("conversation-status")).to_contain_text("You're chatting")
    expect(last_bank_text(phone)).to_have_text("Bilal from our team has joined the chat.", timeout=SMS_WAIT)

    agent.get_by_test_id("composer").fill("Hello from the agent desk")
    agent.get_by_role("button", name="Send").click()
    expect(last_bank_text(phone)).to_have_text("Bilal: Hello from the agent desk", timeout=SMS_WAIT)

    text(phone, "thanks, that helps")
    expect(transcript.locator(".tmsg--customer .tmsg__text").last).to_have_text("thanks, that helps", timeout=SMS_WAIT)

    agent.screenshot(path=str(tmp_path / "sms-handoff-agent-chatting.png"))

    agent.get_by_role("button", name="Resolve…").click()
    agent.get_by_label("Outcome").select_option("resolved")
    agent.get_by_test_id("resolve").click()
    expect(agent.get_by_text("Choose a conversation from the queue.")).to_be_visible()
    expect(agent.get_by_test_id("mine").locator("li")).to_have_count(0)
    expect(last_bank_text(phone)).to_contain_text(
        "Bilal has left the chat. You're back with the virtual assistant. Before you go", timeout=SMS_WAIT
    )
    expect(last_bank_text(phone)).to_contain_text("Reply a number from 1 to 5.")

    text(phone, "when are you open")
    expect(last_bank_text(phone)).to_contain_text("Monday to Friday 8am-8pm", timeout=SMS_WAIT)

    phone.screenshot(path=str(tmp_path / "sms-handoff-phone.png"))
    agent.screenshot(path=str(tmp_path / "sms-handoff-agent.png"))
    assert phone_errors == []
    assert agent_errors == []
