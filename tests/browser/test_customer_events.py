"""The events panel fires a scenario and the customer's chat opens with the predicted reason."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

pytestmark = [pytest.mark.slow, pytest.mark.browser, pytest.mark.stack]


def test_a_fired_card_decline_is_asked_about_when_the_customer_opens_the_chat(local_stack, new_page):
    panel = new_page(900, 700)
    panel.goto(f"{local_stack.url}/events/")
    panel.locator('button[data-scenario="card_declined_limit"]').click()
    expect(panel.get_by_role("status")).to_contain_text("card declined", timeout=15_000)
    chat = new_page(480, 800)
    chat.goto(f"{local_stack.url}/?as=C-1002")
    opening = chat.locator(".msg--bot").first
    expect(opening).to_contain_text(re.compile(r"Is this about .*declined"), timeout=15_000)
    chat.get_by_role("button", name="Yes, that's it").click()
    expect(chat.locator(".msg--bot").last).to_contain_text("The reason:", timeout=15_000)
