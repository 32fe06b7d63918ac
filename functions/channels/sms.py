"""Rendering channel-neutral replies as one SMS: numbered options, GSM-7 where possible, a segment budget.

Segments (3GPP TS 23.038): GSM-7 text is 160 characters in one segment or 153 per part, extension
characters (€ [ ] { } ^ ~ | \\) counting twice; anything else makes the whole message UCS-2, 70 in one
segment or 67 per part (counted in UTF-16 code units, so an emoji counts twice).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from core.models import QuickReply, Reply

GSM7_BASIC = set(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡"
    "ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM7_EXTENSION = set("^{}\\[~]|€\f")
# Typography that would switch a whole message to UCS-2 (a third of the capacity) for no reason.
_PLAIN = str.maketrans({"•": "-", "→": "->", "‘": "'", "’": "'", "“": '"', "”": '"', "…": "...", "–": "-", "—": "-"})


def is_gsm7(text: str) -> bool:
    return all(c in GSM7_BASIC or c in GSM7_EXTENSION for c in text)


def segments(text: str) -> int:
    """How many SMS segments the text is sent as."""
    if not text:
        return 1
    if is_gsm7(text):
        septets = sum(2 if c in GSM7_EXTENSION else 1 for c in text)
        return 1 if septets <= 160 else math.ceil(septets / 153)
    units = len(text.encode("utf-16-le")) // 2
    return 1 if units <= 70 else math.ceil(units / 67)


@dataclass(frozen=True)
class SmsMessage:
    text: str
    options: dict[str, str]  # the digit the customer may answer -> the quick reply's payload

    @property
    def segments(self) -> int:
        return segments(self.text)


def _options_line(quick_replies: list[QuickReply]) -> str:
    if all(q.title == str(i) for i, q in enumerate(quick_replies, start=1)):  # a scale, like the 1-5 rating
        return f"Reply a number from 1 to {len(quick_replies)}."
    choices = ", ".join(f"{i} for {q.title}" for i, q in enumerate(quick_replies, start=1))
    return f"Reply {choices}."


def render_sms(replies: tuple[Reply, ...], max_segments: int = 3) -> SmsMessage:
    """One message for the turn; the body is shortened at a word, never the numbered options."""
    quick = [q for reply in replies for q in reply.quick_replies][:9]
    body = "\n".join(reply.text for reply in replies).translate(_PLAIN)
    tail = ("\n" + _options_line(quick).translate(_PLAIN)) if quick else ""
    text = body + tail
    if segments(text) > max_segments:
        text = _shorten(body, tail, max_segments)
    return SmsMessage(text=text, options={str(i): q.payload for i, q in enumerate(quick, start=1)})


def _shorten(body: str, tail: str, max_segments: int) -> str:
    low, high = 0, len(body)
    while low < high:  # the longest prefix that fits, found by bisection
        middle = (low + high + 1) // 2
        if segments(body[:middle].rstrip() + "..." + tail) <= max_segments:
            low = middle
        else:
            high = middle - 1
    cut = body[:low]
    if " " in cut and low < len(body):
        cut = cut[: cut.rfind(" ")]
    return cut.rstrip() + "..." + tail
