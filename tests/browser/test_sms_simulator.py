"""A person texting the bot from the SMS simulator page, through the local run's signed Twilio webhook."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

import pytest
from playwright.sync_api import expect

if TYPE_CHECKING:
    from pathlib import Path

    from playwright.sync_api import Locator, Page

pytestmark = [pytest.mark.slow, pytest.mark.browser, pytest.mark.stack]

VIEWPORT = (480, 860)
TOM = "+447700900106"  # C-1006, debit card 7745 frozen
ALICE = "+447700900101"  # C-1001, one credit card (9023), current and savings accounts
CODE = re.compile(r"verification code is (\d{6})")


def open_simulator(page: Page, url: str, phone: str) -> list[str]:
    """Opens /sms/ texting as `phone`, once that number's earlier texts are in; returns the page's script errors."""
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(url + "/sms/")
    page.select_option("#phone", phone)
    expect(page.locator("#thread")).not_to_have_attribute("aria-busy", "true")
    expect(page.locator("#text")).to_be_enabled()
    return errors


def bank_texts(page: Page) -> Locator:
    return page.locator(".sms--bank .sms__text")


def text(page: Page, message: str) -> None:
    page.fill("#text", message)
    page.press("#text", "Enter")
    expect(page.locator(".sms--me .sms__text").last).to_have_text(message)


def latest_bank_text(page: Page, containing: str | re.Pattern[str]) -> Locator:
    """Waits for the bank's latest text to contain `containing`; returns that text, pinned (`.last` would move on)."""
    expect(bank_texts(page).last).to_contain_text(containing)
    return bank_texts(page).nth(bank_texts(page).count() - 1)


def verify_with_the_texted_code(page: Page, codes_before: int) -> None:
    """The bank texts a one-time code to the same phone; the customer types it back."""
    codes = bank_texts(page).filter(has_text=CODE)
    expect(codes).to_have_count(codes_before + 1)
    expect(bank_texts(page).filter(has_text="6-digit code").last).to_be_visible()
    text(page, CODE.search(codes.last.inner_text())[1])


def test_a_known_number_checks_its_balance_then_asks_for_help_and_unsubscribes(local_stack, new_page, tmp_path: Path):
    page = new_page(*VIEWPORT)
    errors = open_simulator(page, local_stack.url, TOM)
    expect(page.locator("#help")).to_contain_text("Texts go to our number +447700900000")
    codes_before = bank_texts(page).filter(has_text=CODE).count()

    text(page, "what's my balance")
    verify_with_the_texted_code(page, codes_before)
    balances = latest_bank_text(page, "Here are your balances:")
    expect(balances).to_contain_text(re.compile(r"Current Account: £\d"))  # UTF-8 end to end, TwiML included
    page.screenshot(path=str(tmp_path / "sms-balance.png"))

    text(page, "HELP")
    expect(bank_texts(page).last).to_contain_text("Reply STOP to unsubscribe")
    text(page, "STOP")
    expect(bank_texts(page).last).to_contain_text("You've been unsubscribed")

    answered = bank_texts(page).count()
    text(page, "hello")
    page.wait_for_timeout(3000)
    expect(bank_texts(page)).to_have_count(answered)  # an opted-out number gets no text at all

    text(page, "START")
    expect(bank_texts(page).last).to_contain_text("You're subscribed again")
    page.screenshot(path=str(tmp_path / "sms-stop-start.png"))
    assert errors == []


def test_a_customer_answers_the_numbered_options_with_a_digit(local_stack, new_page, tmp_path: Path):
    page = new_page(*VIEWPORT)
    errors = open_simulator(page, local_stack.url, ALICE)
    codes_before = bank_texts(page).filter(has_text=CODE).count()

    text(page, "how much is my card bill")
    verify_with_the_texted_code(page, codes_before)
    question = latest_bank_text(page, "Which credit card?")
    expect(question).to_contain_text("Reply 1 for Credit card ending 9023.")

    text(page, "1")
    statement = latest_bank_text(page, "for the card ending 9023: balance")
    expect(statement).to_contain_text("Reply 1 for Pay my card.")
    # The options of the last text are links that text their digit; older ones are plain text again.
    expect(question.locator(".sms__option")).to_have_attribute("aria-disabled", "true")
    statement.get_by_role("button", name="1 for Pay my card").click()
    expect(page.locator(".sms--me .sms__text").last).to_have_text("1")
    expect(bank_texts(page).last).to_contain_text(
        re.compile(r"Which (card would you like to pay|account should the money come from)\?")
    )
    page.screenshot(path=str(tmp_path / "sms-options.png"))
    thread_length = page.locator(".sms").count()

    page.reload()  # the thread, the customer's own texts included, survives a reload
    expect(page.locator("#phone")).to_have_value(ALICE)
    expect(page.locator(".sms--me .sms__text").first).to_have_text("how much is my card bill")
    expect(page.locator(".sms")).to_have_count(thread_length)
    assert errors == []


def test_the_counter_shows_segments_and_switches_to_ucs2_outside_gsm7(local_stack, new_page, tmp_path: Path):
    page = new_page(*VIEWPORT)
    open_simulator(page, local_stack.url, ALICE)
    counter = page.locator("#counter")
    page.fill("#text", "what's my balance")
    expect(counter).to_have_text("17/160 · 1 segment")
    page.fill("#text", "{€}")  # GSM-7 extension characters take two septets each
    expect(counter).to_have_text("6/160 · 1 segment")
    page.fill("#text", "x" * 161)
    expect(counter).to_have_text("161/306 · 2 segments")
    page.fill("#text", "你好")
    expect(counter).to_have_text("2/70 · 1 segment (UCS-2)")
    page.screenshot(path=str(tmp_path / "sms-ucs2.png"))


def test_a_narrow_screen_shows_the_phone_full_width(local_stack, new_page):
    page = new_page(360, 740)
    open_simulator(page, local_stack.url, ALICE)
    box = page.locator("main.phone").bounding_box()
    assert box is not None
    assert (box["x"], box["width"]) == (0, 360)
