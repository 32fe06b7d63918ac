import math

from hypothesis import given
from hypothesis import strategies as st

from channels.sms import GSM7_BASIC, GSM7_EXTENSION, render_sms, segments
from core.models import QuickReply, Reply

gsm_text = st.text(alphabet=sorted(GSM7_BASIC), max_size=700)
ucs_text = st.text(alphabet=st.characters(min_codepoint=0x4E00, max_codepoint=0x9FFF), min_size=1, max_size=300)


def test_segment_boundaries_for_gsm7_and_ucs2():
    assert [segments("a" * n) for n in (160, 161, 306, 307)] == [1, 2, 2, 3]
    assert [segments("你" * n) for n in (70, 71, 134, 135)] == [1, 2, 2, 3]
    assert segments("€" * 80) == 1 and segments("€" * 81) == 2  # extension characters count twice
    assert segments("a" * 60 + "🙂") == 1 and segments("a" * 69 + "🙂") == 2  # an emoji is two UTF-16 units


@given(gsm_text)
def test_gsm7_text_segments_match_the_formula(text):
    n = len(text)
    assert segments(text) == (1 if n <= 160 else math.ceil(n / 153))


@given(ucs_text, gsm_text)
def test_one_non_gsm_character_makes_the_whole_message_ucs2(chinese, latin):
    text = latin + chinese
    units = len(text.encode("utf-16-le")) // 2
    assert segments(text) == (1 if units <= 70 else math.ceil(units / 67))


def test_quick_replies_become_numbered_options_the_customer_answers_with_a_digit():
    message = render_sms(
        (
            Reply(
                text="Freeze the card ending 4242?",
                quick_replies=(QuickReply(title="Yes", payload="/affirm"), QuickReply(title="No", payload="/deny")),
            ),
        )  # fmt: skip
    )
    assert message.text == "Freeze the card ending 4242?\nReply 1 for Yes, 2 for No."
    assert message.options == {"1": "/affirm", "2": "/deny"}


def test_bullets_and_arrows_stay_gsm7():
    message = render_sms((Reply(text="• 22 Nov Lisboa: €4.60 → £3.96"),))
    assert message.text == "- 22 Nov Lisboa: €4.60 -> £3.96" and message.segments == 1


@given(st.text(alphabet=sorted(GSM7_BASIC | GSM7_EXTENSION) + ["你", "🙂"], max_size=2000), st.integers(1, 4))
def test_a_long_reply_is_shortened_to_the_budget_but_keeps_its_options(text, budget):
    message = render_sms(
        (Reply(text=text, quick_replies=(QuickReply(title="Talk to a person", payload="/human_handoff"),)),), budget
    )
    assert message.segments <= budget
    assert message.text.endswith("Reply 1 for Talk to a person.")
