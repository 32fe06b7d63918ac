"""Turning what the customer said into typed slot values: from NLU entities first, then the text.

Every parser returns None when the message holds no acceptable value, so the engine re-asks.
"""

from __future__ import annotations

import re
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from core.models import NluResult

_MONTHS = {m: i + 1 for i, m in enumerate(
    ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"))}  # fmt: skip
_WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_SYMBOLS = {"£": "GBP", "€": "EUR", "$": "USD", "¥": "CNY"}
_CURRENCY_WORDS = {"pound": "GBP", "gbp": "GBP", "euro": "EUR", "eur": "EUR", "dollar": "USD", "usd": "USD",
                   "yuan": "CNY", "rmb": "CNY", "cny": "CNY"}  # fmt: skip
_AMOUNT = re.compile(r"(?P<symbol>[£€$¥])?\s?(?P<number>\d{1,3}(?:,\d{3})+(?:\.\d{1,2})?|\d+(?:\.\d{1,2})?)")
_CLAIM = re.compile(r"\b(?:CLM|CL)-?(\d{6})\b", re.IGNORECASE)
_EXPIRY = re.compile(r"\b(0[1-9]|1[0-2])\s?[/\-]\s?(\d{2})\b")
_LAST4 = re.compile(r"(?<!\d)(\d{4})(?!\d)")


def first_entity(nlu: NluResult | None, entity: str) -> str | None:
    values = nlu.entity_values(entity) if nlu else []
    return values[0] if values else None


def parse_amount(text: str, nlu: NluResult | None, default_currency: str) -> tuple[Decimal, str] | None:
    """An amount with its currency ("£120", "50 euros", "120.50"), never a float."""
    source = first_entity(nlu, "amount") or text
    match = _AMOUNT.search(source)
    if not match:
        return None
    try:
        amount = Decimal(match["number"].replace(",", ""))
    except InvalidOperation:
        return None
    if amount <= 0:
        return None
    currency = _SYMBOLS.get(match["symbol"] or "") or first_entity(nlu, "currency") or _currency_word(text)
    return amount.quantize(Decimal("0.01")), (currency or default_currency).upper()


def _currency_word(text: str) -> str | None:
    lowered = text.lower()
    return next((code for word, code in _CURRENCY_WORDS.items() if re.search(rf"\b{word}s?\b", lowered)), None)


def parse_date(text: str, nlu: NluResult | None, today: date) -> date | None:
    """'today', 'yesterday', 'last friday', '3 March', '03/11', '2026-11-20'; never in the future."""
    source = (first_entity(nlu, "date") or text).lower().strip()
    found = _relative_date(source, today) or _absolute_date(source, today)
    return found if found and found <= today else None


def _relative_date(source: str, today: date) -> date | None:
    if "today" in source or "this morning" in source or "tonight" in source:
        return today
    if "yesterday" in source:
        return today - timedelta(days=1)
    if match := re.search(r"(\d+) days? ago", source):
        return today - timedelta(days=int(match[1]))
    for index, weekday in enumerate(_WEEKDAYS):
        if weekday in source:
            back = (today.weekday() - index) % 7 or 7
            return today - timedelta(days=back)
    return None


def _absolute_date(source: str, today: date) -> date | None:
    if match := re.search(r"(\d{4})-(\d{2})-(\d{2})", source):
        return _safe_date(int(match[1]), int(match[2]), int(match[3]))
    if match := re.search(r"(\d{1,2})(?:st|nd|rd|th)?\s+(?:of\s+)?([a-z]{3})[a-z]*", source):
        month = _MONTHS.get(match[2])
        return _last_occurrence(today, month, int(match[1])) if month else None
    if match := re.search(r"([a-z]{3})[a-z]*\s+(\d{1,2})(?:st|nd|rd|th)?", source):
        month = _MONTHS.get(match[1])
        return _last_occurrence(today, month, int(match[2])) if month else None
    if match := re.search(r"\b(\d{1,2})/(\d{1,2})(?:/(\d{2,4}))?\b", source):  # day first, as in the UK
        if match[3]:
            year = int(match[3]) + (2000 if len(match[3]) == 2 else 0)
            return _safe_date(year, int(match[2]), int(match[1]))
        return _last_occurrence(today, int(match[2]), int(match[1]))
    return None


def _last_occurrence(today: date, month: int, day: int) -> date | None:
    this_year = _safe_date(today.year, month, day)
    if this_year and this_year <= today:
        return this_year
    return _safe_date(today.year - 1, month, day)


def _safe_date(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None


def parse_claim_number(text: str, nlu: NluResult | None) -> str | None:
    match = _CLAIM.search(first_entity(nlu, "claim_number") or text)
    return f"CLM-{match[1]}" if match else None


def parse_expiry(text: str) -> str | None:
    match = _EXPIRY.search(text)
    return f"{match[1]}/{match[2]}" if match else None


def parse_last4(text: str, nlu: NluResult | None) -> str | None:
    source = first_entity(nlu, "card_last_four") or text
    match = _LAST4.search(source)
    return match[1] if match else None
