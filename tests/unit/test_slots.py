from datetime import date
from decimal import Decimal

import pytest

from core.models import Entity, IntentScore, NluResult
from core.slots import parse_amount, parse_claim_number, parse_date, parse_expiry, parse_last4

TODAY = date(2026, 11, 23)  # a Monday


def _nlu(**entities: str) -> NluResult:
    return NluResult(
        intent=IntentScore(name="inform", confidence=0.9),
        entities=tuple(Entity(entity=k, value=v) for k, v in entities.items()),
    )


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("£120", (Decimal("120.00"), "GBP")),
        ("pay 1,250.50 please", (Decimal("1250.50"), "GBP")),
        ("50 euros", (Decimal("50.00"), "EUR")),
        ("$9.99", (Decimal("9.99"), "USD")),
        ("nothing", None),
        ("0", None),
    ],
)
def test_amounts_are_decimals_with_a_currency(text, expected):
    assert parse_amount(text, None, "GBP") == expected


def test_an_amount_entity_wins_over_other_numbers_in_the_text():
    assert parse_amount("card 4242, pay £60", _nlu(amount="£60"), "GBP") == (Decimal("60.00"), "GBP")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("today", TODAY),
        ("yesterday", date(2026, 11, 22)),
        ("3 days ago", date(2026, 11, 20)),
        ("last friday", date(2026, 11, 20)),
        ("3 March", date(2026, 3, 3)),
        ("December 24", date(2025, 12, 24)),
        ("20/11", date(2026, 11, 20)),
        ("2026-11-01", date(2026, 11, 1)),
        ("tomorrow-ish", None),
        ("2027-01-01", None),
        ("31 February", None),
    ],
)
def test_dates_are_in_the_past_and_read_day_first(text, expected):
    assert parse_date(text, None, TODAY) == expected


def test_claim_numbers_expiry_and_last_four():
    assert parse_claim_number("it's clm204518", None) == "CLM-204518"
    assert parse_claim_number("12345", None) is None
    assert parse_expiry("expires 08/29") == "08/29"
    assert parse_expiry("13/29") is None
    assert parse_last4("the one ending 4242", None) == "4242"
    assert parse_last4("[card ending 4242]", None) == "4242"
    assert parse_last4("123456", None) is None
