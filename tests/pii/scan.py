"""Finding personal data where it must not be: the scanners the PII tests run over tables, logs and texts."""

from __future__ import annotations

import json
import re
import time
import unicodedata
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from core.redaction import luhn_valid
from tests.pii.corpus import Kind, Secret

if TYPE_CHECKING:
    from collections.abc import Iterator

# Digits grouped by anything a person might type between them: spaces (up to three), one dash, dot or slash.
_DIGIT_RUN = re.compile(r"\d(?:(?:\s{1,3}|\s?[\-./_]\s?)?\d)*")
# A 3-4 digit code within a few words after a card-security label, however it is phrased.
_CVV_NEAR_LABEL = re.compile(
    r"(?:cvv2?|cvc2?|csc|security code|security number|digit code|安全码)\W{0,3}(?:[^\W\d]+\W{1,3}){0,5}\d{3,4}(?!\d)",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Text:
    """One piece of text the run left behind (an attribute of an item, a field of a log line, a text sent)."""

    where: str  # "ConversationsTable CONV#…/MSG#… .text", "ChatApiFunction.log:12 .message"
    text: str


@dataclass(frozen=True)
class Finding:
    where: str
    what: str  # the kind of leak
    excerpt: str  # the leaking text, itself masked to its last four characters

    def __str__(self) -> str:
        return f"{self.where}: {self.what} ({self.excerpt})"


def item_texts(where: str, item: dict[str, Any]) -> list[Text]:
    """Every string of a DynamoDB item (low-level JSON), and every whole number that could be a card."""
    return [Text(f"{where} .{path}", value) for path, value in _dynamodb_leaves(item, "")]


def _dynamodb_leaves(value: dict[str, Any], path: str) -> Iterator[tuple[str, str]]:
    for name, typed in value.items():
        here = f"{path}.{name}" if path else name
        [(kind, inner)] = typed.items()
        if kind == "S":
            yield here, inner
        elif kind == "N" and _could_be_a_card(inner):
            yield here, inner
        elif kind in ("SS", "NS"):
            yield from ((f"{here}[{i}]", v) for i, v in enumerate(inner))
        elif kind == "M":
            yield from _dynamodb_leaves(inner, here)
        elif kind == "L":
            yield from _dynamodb_leaves({str(i): v for i, v in enumerate(inner)}, here)


def log_texts(where: str, line: str) -> list[Text]:
    """A JSON log line field by field (so one field's digits never run into the next one's); any other
    line as it is."""
    try:
        document = json.loads(line)
    except ValueError:
        return [Text(where, line)]
    return [Text(f"{where} .{path}", value) for path, value in _json_leaves(document, "")]


def _json_leaves(value: Any, path: str) -> Iterator[tuple[str, str]]:
    if isinstance(value, dict):
        for name, inner in value.items():
            yield from _json_leaves(inner, f"{path}.{name}" if path else str(name))
    elif isinstance(value, list):
        for index, inner in enumerate(value):
            yield from _json_leaves(inner, f"{path}[{index}]")
    elif isinstance(value, str):
        yield path, value
    elif isinstance(value, int) and not isinstance(value, bool) and _could_be_a_card(str(value)):
        yield path, str(value)


def _could_be_a_card(number: str) -> bool:
    """A whole number of 13-19 digits that is not a time in epoch milliseconds (EMF timestamps, the
    idempotency record's expiry): those are 13 digits and Luhn-valid one time in ten."""
    if not re.fullmatch(r"\d{13,19}", number):
        return False
    now_ms = time.time() * 1000
    return not (len(number) == 13 and abs(int(number) - now_ms) < _TEN_YEARS_MS)


_TEN_YEARS_MS = 10 * 365 * 24 * 3600 * 1000


# Our own ids: UUIDs, and hex ids or digests (a message SID, an idempotency key) of 24+ characters.
_OWN_IDS = re.compile(
    r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|(?=[0-9a-f]*[a-f])[0-9a-f]{24,}", re.IGNORECASE
)


def normalised(text: str) -> str:
    """Full-width digits and spaces as ASCII, so "４１１１" is found as "4111"; our own ids left out (the digits
    of "…-4627-9175-962980076d73" or "SM…ef8445397428987eec…" would read as a Luhn-valid number)."""
    return _OWN_IDS.sub("<id>", unicodedata.normalize("NFKC", text))


def card_numbers(text: str) -> list[str]:
    """Every 13-19 digit Luhn-valid sequence, separators removed: a whole run of digit groups, or any
    consecutive groups inside one ("ref 12 4111 1111 1111 1111"). Windows that cut through a group are not
    searched: one in ten of them is Luhn-valid by chance."""
    found = []
    for run in _DIGIT_RUN.finditer(normalised(text)):
        groups = re.findall(r"\d+", run.group())
        for first in range(len(groups)):
            digits = ""
            for group in groups[first:]:
                digits += group
                if len(digits) > 19:
                    break
                if len(digits) >= 13 and luhn_valid(digits):
                    found.append(digits)
    return found


def cvv_phrases(text: str) -> list[str]:
    return [m.group() for m in _CVV_NEAR_LABEL.finditer(normalised(text))]


def secrets_in(text: str, secrets: tuple[Secret, ...]) -> list[Secret]:
    """The corpus values that appear in `text` as typed or in their canonical form."""
    plain = normalised(text)
    squeezed = re.sub(r"(?<=\d)[\s\-./()]{1,3}(?=\d)", "", plain)
    upper = re.sub(r"\s", "", plain.upper())
    lower = re.sub(r"\s+", " ", plain.lower())
    found = []
    for secret in secrets:
        canonical = normalised(secret.canonical)
        if secret.kind in (Kind.CARD, Kind.PHONE, Kind.US_SSN):
            hit = re.search(rf"(?<!\d){canonical}(?!\d)", squeezed) is not None
        elif secret.kind is Kind.CVV:
            hit = canonical in lower
        else:
            hit = canonical in upper
        if hit:
            found.append(secret)
    return found


def masked(value: str) -> str:
    return "…" + value[-4:] if len(value) > 4 else "…"


def _excerpt(secret: Secret) -> str:
    """What a failure may show of a leak: a card's or id's last four, never a CVV."""
    return "…" if secret.kind is Kind.CVV else masked(secret.canonical)


def leaks(texts: list[Text], secrets: tuple[Secret, ...] = ()) -> list[Finding]:
    """Card numbers and CVVs after their label anywhere in `texts`, and any of `secrets` as typed."""
    findings = []
    for text in texts:
        findings += [Finding(text.where, "card number", masked(n)) for n in card_numbers(text.text)]
        findings += [Finding(text.where, "CVV after its label", "…") for _ in cvv_phrases(text.text)]
        findings += [Finding(text.where, s.kind.value, _excerpt(s)) for s in secrets_in(text.text, secrets)]
    return findings
