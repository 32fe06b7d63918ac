"""The verification dialogue that runs before a flow whose `auth` the customer has not reached yet.

Anonymous (web): ask for the registered mobile number, send a code to it, check the code.
Identified (SMS, a known number): send the code straight to the registered number.
Whether a number is registered is never revealed: the answer is the same either way.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from core.banking import BankingBackend
from core.models import Reply
from core.verification import CheckResult, Verifier

if TYPE_CHECKING:
    from datetime import datetime


_CODE = re.compile(r"(?<!\d)(\d{6})(?!\d)")
_PHONE_DIGITS = re.compile(r"[^\d+]")
MAX_PHONE_TRIES = 3
MAX_CODE_TRIES = 3


def normalise_uk_phone(text: str) -> str | None:
    """'07700 900101', '+44 7700 900101', '0044…' -> '+447700900101'; None if it is not a mobile number."""
    digits = _PHONE_DIGITS.sub("", text)
    if digits.startswith("00"):
        digits = "+" + digits[2:]
    if digits.startswith("0") and len(digits) == 11:
        digits = "+44" + digits[1:]
    return digits if re.fullmatch(r"\+\d{10,14}", digits) else None


@dataclass
class StepUp:
    verifier: Verifier
    bank: BankingBackend

    def begin(
        self, conversation_id: str, customer_id: str | None, pending_flow: str, now: datetime
    ) -> tuple[Reply, dict[str, Any] | None]:
        """Start verifying; returns the reply and the verification state to keep (None: gave up)."""
        if customer_id is None:
            ask = "For your security I need to check it's you. What's the mobile number registered with us?"
            return Reply(text=ask), {"pending_flow": pending_flow, "stage": "phone", "tries": 0}
        profile = self.bank.customer(customer_id)
        if profile is None:
            return Reply(text="I can't verify you right now. Please sign in to the mobile app."), None
        return self._send(conversation_id, profile.customer_id, profile.phone, pending_flow, now)

    def _send(
        self, conversation_id: str, customer_id: str, phone: str, pending_flow: str, now: datetime
    ) -> tuple[Reply, dict[str, Any] | None]:
        if not self.verifier.send_code(conversation_id, customer_id, phone, now):
            return Reply(text="We've sent several codes to that number in the last hour. Please try again later."), None
        text = f"I've sent a 6-digit code by text to the registered number ending {phone[-2:]}. Please type it here."
        return Reply(text=text), {"pending_flow": pending_flow, "stage": "code", "tries": 0}

    def answer(
        self, conversation_id: str, state: dict[str, Any], raw_text: str, now: datetime
    ) -> tuple[Reply | None, dict[str, Any] | None, str | None]:
        """(reply, state to keep, verified customer id). A reply of None with a customer means: go on with the flow."""
        if state["stage"] == "phone":
            return self._phone(conversation_id, state, raw_text, now)
        match = _CODE.search(raw_text)
        if not match:
            return Reply(text="Please type the 6-digit code from the text message."), state, None
        result, customer_id = self.verifier.check(conversation_id, match[1], now)
        if result is CheckResult.VERIFIED:
            return None, None, customer_id
        tries = state["tries"] + 1
        # No code (an unregistered number) reads exactly like a wrong one: registration is never revealed.
        if result in (CheckResult.WRONG, CheckResult.NO_CODE) and tries < MAX_CODE_TRIES:
            text = "That code isn't right. Please check the text message and try again."
            return Reply(text=text), {**state, "tries": tries}, None
        reason = "has expired" if result is CheckResult.EXPIRED else "can't be used any more"
        return Reply(text=f"That code {reason}. Ask me again and I'll send a new one."), None, None

    def _phone(
        self, conversation_id: str, state: dict[str, Any], raw_text: str, now: datetime
    ) -> tuple[Reply | None, dict[str, Any] | None, str | None]:
        phone = normalise_uk_phone(raw_text)
        if phone is None:
            if state["tries"] + 1 >= MAX_PHONE_TRIES:
                return (
                    Reply(text="I couldn't read a phone number. Please sign in to the mobile app instead."),
                    None,
                    None,
                )
            return (
                Reply(text="Please type your mobile number, like 07700 900123."),
                {**state, "tries": state["tries"] + 1},
                None,
            )
        profile = self.bank.customer_by_phone(phone)
        if profile is not None:
            # Over its hourly limit the code is simply not sent; the answer stays the same.
            self.verifier.send_code(conversation_id, profile.customer_id, profile.phone, now)
        neutral = (
            f"If {phone[:-4]}•••• is registered with us, I've sent it a 6-digit code by text. Please type it here."
        )
        return Reply(text=neutral), {"pending_flow": state["pending_flow"], "stage": "code", "tries": 0}, None
