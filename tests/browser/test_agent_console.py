"""An agent in the agent console taking over from the bot, with the customer in the web chat beside them."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

import pytest
from playwright.sync_api import expect

if TYPE_CHECKING:
    from pathlib import Path

    from playwright.sync_api import Locator, Page

pytestmark = [pytest.mark.slow, pytest.mark.browser, pytest.mark.stack]

CUSTOMER_VIEWPORT = (480, 800)
AGENT_VIEWPORT = (1280, 800)
QUEUED = re.compile(r"You're number \d+ in the queue · about \d+ min")


def ask_for_a_person(page: Page, url: str) -> str:
    """The customer asks for a person in the web chat; returns their conversation id."""
    page.goto(url + "/")
    expect(page.locator(".msg--bot").first).to_be_visible()
    page.fill("#text", "I want to talk to a person")
    page.press("#text", "Enter")
    expect(page.locator("#status")).to_have_text(QUEUED)
    return page.evaluate("JSON.parse(sessionStorage.getItem('chat-session')).id")


def sign_in(page: Page, url: str, username: str, password: str | None = None) -> None:
    page.goto(url + "/agent/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password or f"{username}-demo-pass")
    page.get_by_role("button", name="Sign in").click()


def queue_item(page: Page, conversation_id: str) -> Locator:
    return page.locator(f"[data-testid=queue-item][data-conversation-id='{conversation_id}']")


def test_an_agent_takes_over_from_the_bot_and_hands_the_customer_back(local_stack, new_page, tmp_path: Path):
    customer = new_page(*CUSTOMER_VIEWPORT)
    conversation_id = ask_for_a_person(customer, local_stack.url)

    agent = new_page(*AGENT_VIEWPORT)
    script_errors: list[str] = []
    agent.on("pageerror", lambda error: script_errors.append(str(error)))
    sign_in(agent, local_stack.url, "chen")
    expect(agent.get_by_test_id("agent")).to_contain_text("Chen Wei")
    expect(agent.get_by_test_id("agent-load")).to_have_text("0/4 active")
    waiting = queue_item(agent, conversation_id)
    expect(waiting).to_contain_text("Unidentified")
    expect(waiting).to_contain_text("Asked for a person")
    waiting.click()
    expect(agent.get_by_test_id("summary")).to_contain_text("asked for a person")
    expect(agent.get_by_test_id("reason")).to_have_text("Asked for a person")
    expect(agent.get_by_test_id("transcript").locator(".tmsg--customer .tmsg__text")).to_have_text(
        ["I want to talk to a person"]
    )
    expect(agent.get_by_test_id("composer")).to_be_disabled()

    agent.get_by_test_id("claim").click()
    expect(agent.get_by_test_id("conversation-status")).to_contain_text("You're chatting")
    expect(agent.get_by_test_id("agent-load")).to_have_text("1/4 active")
    expect(customer.locator(".msg--system").last).to_have_text("Chen from our team has joined the chat.")
    expect(customer.locator("#status")).to_have_text("Chatting with a colleague")

    agent.get_by_test_id("use-suggestion").first.click()
    expect(agent.get_by_test_id("composer")).to_have_value(re.compile(r"^Hi there, I'm Chen\."))
    agent.get_by_test_id("composer").press("Enter")
    from_agent = customer.locator(".msg--agent")
    expect(from_agent).to_have_count(1)
    expect(from_agent.locator(".msg__who")).to_have_text("Chen")
    expect(from_agent).to_contain_text("I've read your conversation")

    customer.fill("#text", "my card keeps getting declined at the supermarket")
    customer.press("#text", "Enter")
    expect(agent.get_by_test_id("transcript").locator(".tmsg--customer .tmsg__text").last).to_have_text(
        "my card keeps getting declined at the supermarket"
    )
    agent.get_by_test_id("composer").fill("Sorry to hear that. Let me look into it.")
    agent.get_by_role("button", name="Send").click()
    expect(customer.locator(".msg--agent").last).to_contain_text("Let me look into it.")
    agent.screenshot(path=str(tmp_path / "agent-console.png"))
    customer.screenshot(path=str(tmp_path / "agent-console-customer.png"))

    agent.get_by_role("button", name="Resolve…").click()
    agent.get_by_label("Outcome").select_option("resolved_with_follow_up")
    agent.get_by_test_id("resolve").click()
    expect(agent.get_by_text("Choose a conversation from the queue.")).to_be_visible()
    expect(agent.get_by_test_id("mine").locator("li")).to_have_count(0)
    expect(agent.get_by_test_id("agent-load")).to_have_text("0/4 active")

    expect(customer.locator(".msg--system").last).to_contain_text(
        "Chen has left the chat. You're back with the virtual assistant. Before you go: how would you rate"
    )
    expect(customer.locator("#status")).to_have_text("Virtual assistant")
    customer.fill("#text", "what's my balance")
    customer.press("#text", "Enter")
    expect(customer.locator(".msg--bot").last).to_contain_text("mobile number registered")
    assert script_errors == []


def test_a_wrong_password_shows_the_user_pools_answer(local_stack, page):
    page.set_viewport_size({"width": AGENT_VIEWPORT[0], "height": AGENT_VIEWPORT[1]})
    sign_in(page, local_stack.url, "chen", "not-the-password")
    # Generous: the first request of a fresh worker pays the function's cold start, slow on a loaded CI host.
    expect(page.get_by_test_id("signin-error")).to_have_text("Incorrect username or password.", timeout=45_000)
    expect(page.get_by_test_id("agent")).to_be_hidden()


def test_a_rejected_token_sends_the_agent_back_to_sign_in(local_stack, page):
    # Stored before the page's own script runs: set after a first load, the session could be forgotten by that
    # load's sign-out (it runs once the config arrives), and the reload would find no session at all.
    page.add_init_script(
        "sessionStorage.setItem('agent-console-session',"
        " JSON.stringify({token: 'not-a-token', expiresAt: Date.now() + 60000}))"
    )
    page.goto(local_stack.url + "/agent/")
    expect(page.get_by_test_id("signin-error")).to_have_text(
        "Your session has ended. Please sign in again.", timeout=45_000
    )
    expect(page.get_by_label("Username")).to_be_visible()


def test_when_two_agents_claim_the_same_handoff_only_one_wins(local_stack, new_page, tmp_path: Path):
    customer = new_page(*CUSTOMER_VIEWPORT)
    conversation_id = ask_for_a_person(customer, local_stack.url)
    consoles = {}
    for username in ("alice", "chen"):
        console = new_page(*AGENT_VIEWPORT)
        sign_in(console, local_stack.url, username)
        queue_item(console, conversation_id).click()
        expect(console.get_by_test_id("claim")).to_be_visible()
        consoles[username] = console

    # Both at once: the second click fires even if that console has already polled the first claim.
    consoles["alice"].get_by_test_id("claim").click()
    consoles["chen"].get_by_test_id("claim").dispatch_event("click")

    joined = customer.locator(".msg--system", has_text="from our team has joined the chat")
    expect(joined).to_have_count(1)
    alice_won = joined.inner_text().startswith("Alice")
    winner_name = "Alice Moreno" if alice_won else "Chen Wei"
    winner, loser = (consoles["alice"], consoles["chen"]) if alice_won else (consoles["chen"], consoles["alice"])
    expect(winner.get_by_test_id("conversation-status")).to_contain_text("You're chatting")
    expect(loser.get_by_test_id("action-error")).to_have_text("This conversation was claimed by another agent")
    expect(loser.get_by_test_id("conversation-status")).to_contain_text(f"Claimed by {winner_name}")
    expect(loser.get_by_test_id("composer")).to_be_disabled()
    expect(loser.get_by_test_id("claim")).to_be_hidden()
    loser.screenshot(path=str(tmp_path / "agent-console-lost-claim.png"))

    winner.get_by_role("button", name="Release to bot").click()
    expect(customer.locator("#status")).to_have_text("Virtual assistant")
    expect(winner.get_by_test_id("mine").locator("li")).to_have_count(0)
