"""Mask card numbers and other personal data before anything is stored, logged or sent to a model.

Order matters: the most specific patterns (national ids with a checksum, IBANs) run before the
generic long-number rule, so a Chinese id is not mistaken for a card number.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Callable

_SEP = r"[ \-.]?"
# 13-19 digits, optionally grouped by single spaces, dashes or dots ("4242 4242 4242 4242").
_LONG_NUMBER = re.compile(rf"(?<![\w*])\d(?:{_SEP}\d){{12,18}}(?![\w*])")
_CHINESE_ID = re.compile(r"(?<![\w*])\d{17}[\dXx](?![\w*])")
_IBAN = re.compile(r"(?<![\w*])[A-Z]{2}\d{2}(?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,3})?(?![\w*])")
_US_SSN = re.compile(r"(?<!\d)\d{3}-\d{2}-\d{4}(?!\d)")
_UK_NINO = re.compile(r"(?<![\w])[A-CEGHJ-PR-TW-Z][A-CEGHJ-NPR-TW-Z] ?\d{2} ?\d{2} ?\d{2} ?[A-D](?!\w)", re.IGNORECASE)
_CVV = re.compile(
    r"(?P<label>\b(?:cvv2?|cvc2?|csc|security code|security number|3[ -]digit code)\b\W{0,3}(?:is\W{0,2})?)\d{3,4}\b",
    re.IGNORECASE,
)
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_PHONE = re.compile(r"(?<![\w*])(?:\+|00)?\(?\d{1,4}\)?(?:[ \-]?\(?\d{2,4}\)?){2,5}(?![\w*])")


def luhn_valid(digits: str) -> bool:
    total = 0
    for position, char in enumerate(reversed(digits)):
        value = int(char)
        if position % 2 == 1:
            value = value * 2 - 9 if value > 4 else value * 2
        total += value
    return total % 10 == 0


def _chinese_id_valid(candidate: str) -> bool:
    weights = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
    total = sum(int(d) * w for d, w in zip(candidate[:17], weights, strict=True))
    return "10X98765432"[total % 11] == candidate[17].upper()


def _mask_long_number(match: re.Match[str]) -> str:
    digits = re.sub(r"\D", "", match.group())
    kind = "card" if luhn_valid(digits) else "number"
    return f"[{kind} ending {digits[-4:]}]"


def _mask_chinese_id(match: re.Match[str]) -> str:
    return "[national id]" if _chinese_id_valid(match.group()) else match.group()


def _mask_phone(match: re.Match[str]) -> str:
    digits = re.sub(r"\D", "", match.group())
    if not 9 <= len(digits) <= 15:
        return match.group()
    return f"[phone ending {digits[-2:]}]"


_RULES: tuple[tuple[re.Pattern[str], Callable[[re.Match[str]], str]], ...] = (
    (_EMAIL, lambda m: "[email]"),
    (_CHINESE_ID, _mask_chinese_id),
    (_IBAN, lambda m: f"[iban ending {m.group().replace(' ', '')[-4:]}]"),
    (_CVV, lambda m: f"{m.group('label')}[cvv]"),
    (_LONG_NUMBER, _mask_long_number),
    (_US_SSN, lambda m: "[national id]"),
    (_UK_NINO, lambda m: "[national id]"),
    (_PHONE, _mask_phone),
)


def redact_pii(text: str) -> str:
    """Return `text` with card numbers (last four kept), CVVs, ids, IBANs, emails and phone numbers masked."""
    for pattern, replace in _RULES:
        text = pattern.sub(replace, text)
    return text
