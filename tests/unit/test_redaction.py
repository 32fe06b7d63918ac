import re

from hypothesis import given
from hypothesis import strategies as st

from core.redaction import luhn_valid, redact_pii


def _with_luhn_digit(body: str) -> str:
    return next(body + d for d in "0123456789" if luhn_valid(body + d))


card_numbers = st.builds(
    _with_luhn_digit, st.text(alphabet="0123456789", min_size=15, max_size=15).map(lambda s: "4" + s[1:])
)
separators = st.sampled_from(["", " ", "-"])
words = st.text(alphabet=st.characters(whitelist_categories=("Ll", "Lu")), min_size=1, max_size=12)


def _grouped(number: str, separator: str) -> str:
    return separator.join(number[i : i + 4] for i in range(0, len(number), 4))


@given(card_numbers, separators, words, words)
def test_a_card_number_anywhere_in_a_message_is_masked_to_its_last_four(number, separator, before, after):
    text = f"{before} {_grouped(number, separator)} {after}"
    redacted = redact_pii(text)
    assert re.sub(r"\D", "", number) not in re.sub(r"\D", "", redacted)
    assert f"[card ending {number[-4:]}]" in redacted


@given(st.text(alphabet=st.characters(blacklist_categories=("Nd",)), max_size=200))
def test_text_without_digits_or_addresses_is_left_alone(text):
    if "@" not in text:
        assert redact_pii(text) == text


def test_non_luhn_long_numbers_are_masked_too():
    assert redact_pii("ref 1234567890123456 pls") == "ref [number ending 3456] pls"


def test_cvv_email_phone_and_national_ids_are_masked():
    text = "cvv 123, mail jo@example.com, call +44 7911 123456, SSN 123-45-6789, id 11010519491231002X"
    assert redact_pii(text) == ("cvv [cvv], mail [email], call [phone ending 56], SSN [national id], id [national id]")


def test_amounts_dates_claim_numbers_and_last_fours_survive():
    text = "pay £1,250.00 on 12/03/2026 for claim CLM-204518 with card ending 4242"
    assert redact_pii(text) == text
