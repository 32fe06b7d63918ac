"""A person chatting in the web chat page served by the local run."""

import json
import re
import time
from pathlib import Path

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


def _texts_to(outbox: Path, number: str) -> list[str]:
    texts = [json.loads(line) for line in outbox.read_text().splitlines()] if outbox.exists() else []
    return [t["text"] for t in texts if t["to"] == number]


def _next_text_to(outbox: Path, number: str, seen: int, within_s: float = 15.0) -> str:
    """The first text to `number` after the `seen` ones; texts leave through the SMS queue, after the reply."""
    deadline = time.monotonic() + within_s
    while time.monotonic() < deadline:
        if len(sent := _texts_to(outbox, number)) > seen:
            return sent[seen]
        time.sleep(0.2)
    raise AssertionError(f"no new text to {number} within {within_s} s")


def test_an_anonymous_customer_verifies_with_a_texted_code_and_freezes_a_card(local_stack, page):
    page.goto(local_stack.url + "/")
    expect(page.locator(".msg--bot").first).to_be_visible()
    page.fill("#text", "please freeze my card")
    page.press("#text", "Enter")
    expect(page.locator(".msg--bot").last).to_contain_text("mobile number registered")
    seen = len(_texts_to(local_stack.sms_outbox, "+447700900101"))
    page.fill("#text", "07700 900101")
    page.press("#text", "Enter")
    expect(page.locator(".msg--bot").last).to_contain_text("6-digit code")
    code = re.search(r"\b(\d{6})\b", _next_text_to(local_stack.sms_outbox, "+447700900101", seen))[1]
    page.fill("#text", code)
    page.press("#text", "Enter")
    expect(page.locator(".msg--bot").last).to_contain_text("Which card would you like to freeze?")
    expect(page.locator(".msg--customer").last).to_have_text("[verification code]")
    page.get_by_role("button", name="Debit card ending 4417").click()
    page.get_by_role("button", name="Yes").click()
    expect(page.locator(".msg--bot").last).to_contain_text("is frozen")


def _let_time_pass(page, seconds: int) -> None:
    """Moves the page's clock a second at a time, letting each second's reads finish in real time."""
    for _ in range(seconds):
        page.clock.run_for(1000)
        page.wait_for_timeout(60)


def test_the_page_reads_the_transcript_often_only_while_a_colleague_is_coming(local_stack, page):
    reads: list[str] = []
    page.on("request", lambda r: reads.append(r.url) if r.method == "GET" and "/messages" in r.url else None)
    page.clock.install()  # the page's timers run on a clock the test moves
    page.goto(local_stack.url + "/")
    expect(page.locator(".msg--bot").first).to_be_visible()
    _let_time_pass(page, 25)  # with the bot: its answers come with each reply
    assert len(reads) == 1
    _let_time_pass(page, 6)  # a read every 30 s all the same, in case
    assert len(reads) == 2

    page.fill("#text", "I want to talk to a person")
    page.press("#text", "Enter")
    expect(page.locator("#status")).to_contain_text("in the queue")
    asked = len(reads)
    _let_time_pass(page, 10)  # waiting for a colleague: every 3 s
    assert len(reads) - asked == 3


def test_a_busy_answer_is_retried_after_the_wait_the_server_asks_for_and_counts_once(local_stack, page):
    posted: list[float] = []

    def busy_once(route):
        posted.append(time.monotonic())
        if len(posted) == 1:
            route.fulfill(status=503, headers={"Retry-After": "1"}, json={"message": "busy, try again"})
        else:
            route.continue_()

    page.goto(local_stack.url + "/")
    expect(page.locator(".msg--bot").first).to_be_visible()
    page.route("**/messages", lambda route: busy_once(route) if route.request.method == "POST" else route.continue_())
    page.fill("#text", "what time are you open on saturday?")
    page.press("#text", "Enter")
    expect(page.locator(".msg--bot").last).to_contain_text("Monday to Friday")
    expect(page.locator(".msg--customer")).to_have_count(1)
    assert len(posted) == 2
    assert posted[1] - posted[0] >= 0.7  # Retry-After 1 s, jittered down by at most a quarter
