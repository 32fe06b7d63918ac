"""A person chatting in the web chat page served by the local run."""

import pytest
from playwright.sync_api import expect

pytestmark = [pytest.mark.slow, pytest.mark.browser, pytest.mark.stack]


def test_a_customer_types_a_question_and_sees_the_bots_answer(local_stack, page, tmp_path):
    page.goto(local_stack.url + "/")
    expect(page.locator(".msg--bot").first).to_contain_text("virtual assistant")
    expect(page.locator("#status")).to_have_text("Virtual assistant")

    page.fill("#text", "what time are you open on saturday?")
    page.press("#text", "Enter")

    expect(page.locator(".msg--customer")).to_have_text(["what time are you open on saturday?"])
    expect(page.locator(".msg--bot").last).to_contain_text("Monday to Friday")
    page.screenshot(path=str(tmp_path / "web-chat.png"))


def test_a_card_number_typed_in_the_chat_comes_back_masked(local_stack, page):
    page.goto(local_stack.url + "/")
    expect(page.locator(".msg--bot").first).to_be_visible()
    page.fill("#text", "my card 4242 4242 4242 4242 was stolen")
    page.click("#send")
    expect(page.locator(".msg--customer")).to_have_text(["my card [card ending 4242] was stolen"])


def test_a_quick_reply_sends_its_choice(local_stack, page):
    page.goto(local_stack.url + "/")
    page.get_by_role("button", name="Check my balance").click()
    expect(page.locator(".msg--customer")).to_have_text(["Check my balance"])
    expect(page.locator(".msg--bot")).to_have_count(2)


def test_the_conversation_survives_a_page_reload(local_stack, page):
    page.goto(local_stack.url + "/")
    page.fill("#text", "hello")
    page.press("#text", "Enter")
    expect(page.locator(".msg--bot")).to_have_count(2)
    page.reload()
    expect(page.locator(".msg--customer")).to_have_text(["hello"])
    expect(page.locator(".msg--bot")).to_have_count(2)


def test_a_signed_in_customer_reports_a_lost_card_and_gets_a_replacement(local_stack, page):
    page.goto(local_stack.url + "/?as=C-1006")
    expect(page.locator(".msg--bot").first).to_be_visible()
    page.fill("#text", "I lost my card")
    page.press("#text", "Enter")
    expect(page.locator(".msg--bot").last).to_contain_text("Which card is it?")
    page.get_by_role("button", name="Debit card ending 7745").click()
    expect(page.locator(".msg--bot").last).to_contain_text("block the card ending 7745")
    page.get_by_role("button", name="Yes").click()
    expect(page.locator(".msg--bot").last).to_contain_text("will arrive by")
    expect(page.locator(".msg--customer").last).to_have_text("Yes")


def test_an_anonymous_customer_verifies_with_a_texted_code_and_freezes_a_card(local_stack, page):
    import json
    import re

    page.goto(local_stack.url + "/")
    expect(page.locator(".msg--bot").first).to_be_visible()
    page.fill("#text", "please freeze my card")
    page.press("#text", "Enter")
    expect(page.locator(".msg--bot").last).to_contain_text("mobile number registered")
    page.fill("#text", "07700 900101")
    page.press("#text", "Enter")
    expect(page.locator(".msg--bot").last).to_contain_text("6-digit code")
    texts = [json.loads(line) for line in local_stack.sms_outbox.read_text().splitlines()]
    code = re.search(r"\b(\d{6})\b", next(t for t in reversed(texts) if t["to"] == "+447700900101")["text"])[1]
    page.fill("#text", code)
    page.press("#text", "Enter")
    expect(page.locator(".msg--bot").last).to_contain_text("Which card would you like to freeze?")
    expect(page.locator(".msg--customer").last).to_have_text("[verification code]")
    page.get_by_role("button", name="Debit card ending 4417").click()
    page.get_by_role("button", name="Yes").click()
    expect(page.locator(".msg--bot").last).to_contain_text("is frozen")
