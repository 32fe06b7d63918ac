"""Mask card numbers and other personal data before anything is stored, logged or sent to a model.

Order matters: the most specific patterns (national ids with a checksum, IBANs) run before the
generic long-number rule, so a Chinese id is not mistaken for a card number.

Boundaries are ASCII: Chinese is written without spaces, so "卡号4111111111111111" must match,
while "ABC4111111111111111" (a reference, not a card) must not.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Callable

_BEFORE = r"(?<![\dA-Za-z_*])"
_AFTER = r"(?![\dA-Za-z_*])"
_SPACE = r"[ \t\u00a0\u3000]"
# Between digit groups: up to two spaces, or one dash or dot with a space either side ("4111 - 1111").
# The two alternatives never match the same text, so a long failed match cannot backtrack exponentially.
_SEP = rf"(?:{_SPACE}{{1,2}}|{_SPACE}?[\-.\u2010-\u2015]{_SPACE}?)?"
# 13-19 digits, optionally grouped ("4242 4242 4242 4242", "4242-4242-4242-4242", full-width digits).
_LONG_NUMBER = re.compile(rf"{_BEFORE}\d(?:{_SEP}\d){{12,18}}{_AFTER}")
_CHINESE_ID = re.compile(rf"{_BEFORE}\d{{17}}[\dXx]{_AFTER}")
_IBAN = re.compile(rf"{_BEFORE}[A-Za-z]{{2}}[0-9]{{2}}(?: ?[A-Za-z0-9]{{4}}){{2,7}}(?: ?[A-Za-z0-9]{{1,3}})?{_AFTER}")
_US_SSN = re.compile(r"(?<!\d)\d{3}-\d{2}-\d{4}(?!\d)")
_UK_NINO = re.compile(
    r"(?<![\dA-Za-z_])[A-CEGHJ-PR-TW-Z][A-CEGHJ-NPR-TW-Z] ?\d{2} ?\d{2} ?\d{2} ?[A-D](?![\dA-Za-z_])", re.IGNORECASE
)
# A 3-4 digit code after a label, with a few filler words between ("CVV number is 246", "3 digit code on
# the back is 864", "安全码 258"); the label is kept so the transcript still reads.
_CVV_LABEL = (
    r"cvv2?|cvc2?|csc|cid|security code|security number|card verification (?:code|value)"
    r"|(?:3|three|4|four)[ -]digit(?: security)? code|安全码"
)
_CVV_FILLER = r"(?:\W{0,3}(?:(?:number|no|num|code|is|on|the|back|of|card|it'?s|was)\b|是|为|码)){0,5}"
_CVV = re.compile(
    rf"(?P<label>(?<![A-Za-z])(?:{_CVV_LABEL}){_CVV_FILLER}\W{{0,3}})\d{{3,4}}(?!\d)",
    re.IGNORECASE,
)
_EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+")
_PHONE = re.compile(rf"{_BEFORE}(?:\+|00)?\(?\d{{1,4}}\)?(?:[ \-]?\(?\d{{2,4}}\)?){{2,5}}{_AFTER}")


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


def iban_valid(candidate: str) -> bool:
    """ISO 13616's mod-97 check on an IBAN without spaces."""
    rearranged = candidate[4:] + candidate[:4]
    return 15 <= len(candidate) <= 34 and int("".join(str(int(c, 36)) for c in rearranged)) % 97 == 1


def _digits(text: str) -> str:
    return re.sub(r"\D", "", text)


def _mask_long_number(match: re.Match[str]) -> str:
    digits = _digits(match.group())
    kind = "card" if luhn_valid(digits) else "number"
    return f"[{kind} ending {digits[-4:]}]"


def _mask_chinese_id(match: re.Match[str]) -> str:
    return "[national id]" if _chinese_id_valid(match.group()) else match.group()


def _mask_iban(match: re.Match[str]) -> str:
    """The longest prefix that is a valid IBAN ("GB82 WEST … 32 or" must not swallow "or"); an upper-case
    IBAN-shaped string that fails the check is masked anyway (a mistyped IBAN is still personal data)."""
    text = match.group()
    for end in range(len(text), 14, -1):
        compact = text[:end].replace(" ", "").upper()
        if text[end - 1] != " " and iban_valid(compact):
            return f"[iban ending {compact[-4:]}]{text[end:]}"
    return f"[iban ending {text.replace(' ', '')[-4:]}]" if text.isupper() else text


def _mask_phone(match: re.Match[str]) -> str:
    digits = _digits(match.group())
    if not 9 <= len(digits) <= 15:
        return match.group()
    return f"[phone ending {digits[-2:]}]"


_RULES: tuple[tuple[re.Pattern[str], Callable[[re.Match[str]], str]], ...] = (
    (_EMAIL, lambda m: "[email]"),
    (_CHINESE_ID, _mask_chinese_id),
    (_IBAN, _mask_iban),
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
