"""Stepping a customer up to `verified` with a one-time code sent to their registered phone.

Codes are six digits, stored only as a keyed hash, expire after five minutes, are single use, allow
three attempts, and at most three are sent to one phone number per hour.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Protocol

from core.models import Frozen

CODE_LIFETIME = timedelta(minutes=5)
MAX_ATTEMPTS = 3
MAX_CODES_PER_HOUR = 3


class OneTimeCode(Frozen):
    customer_id: str
    phone: str
    code_hash: str
    expires_at: datetime
    attempts: int = 0
    used: bool = False


class CodeStore(Protocol):
    def save(self, conversation_id: str, code: OneTimeCode) -> None: ...

    def get(self, conversation_id: str) -> OneTimeCode | None: ...

    def replace(self, conversation_id: str, before: OneTimeCode, after: OneTimeCode) -> bool:
        """Conditional on `before` still being stored; False if another attempt got there first."""
        ...

    def count_sent_since(self, phone: str, since: datetime) -> int: ...

    def record_sent(self, phone: str, at: datetime) -> None: ...


class SmsSender(Protocol):
    def send(self, phone: str, text: str) -> str: ...


class CheckResult(StrEnum):
    VERIFIED = "verified"
    WRONG = "wrong"
    EXPIRED = "expired"
    LOCKED = "locked"  # too many attempts: a new code is needed
    NO_CODE = "no_code"


@dataclass
class Verifier:
    codes: CodeStore
    sms: SmsSender
    key: bytes  # keys the code hashes, so a stolen table does not reveal codes by brute force

    def _hash(self, conversation_id: str, code: str) -> str:
        return hmac.new(self.key, f"{conversation_id}:{code}".encode(), hashlib.sha256).hexdigest()

    def send_code(self, conversation_id: str, customer_id: str, phone: str, now: datetime) -> bool:
        """Send a new code; False when this phone already had its codes for the hour."""
        if self.codes.count_sent_since(phone, now - timedelta(hours=1)) >= MAX_CODES_PER_HOUR:
            return False
        code = f"{secrets.randbelow(1_000_000):06d}"
        self.codes.save(
            conversation_id,
            OneTimeCode(
                customer_id=customer_id,
                phone=phone,
                code_hash=self._hash(conversation_id, code),
                expires_at=now + CODE_LIFETIME,
            ),
        )
        self.codes.record_sent(phone, now)
        self.sms.send(phone, f"Your verification code is {code}. It expires in 5 minutes. Never share it.")
        return True

    def check(self, conversation_id: str, attempt: str, now: datetime) -> tuple[CheckResult, str | None]:
        """(result, customer id when verified)."""
        stored = self.codes.get(conversation_id)
        if stored is None or stored.used:
            return CheckResult.NO_CODE, None
        if stored.attempts >= MAX_ATTEMPTS:
            return CheckResult.LOCKED, None
        if now >= stored.expires_at:
            return CheckResult.EXPIRED, None
        right = hmac.compare_digest(stored.code_hash, self._hash(conversation_id, attempt))
        after = stored.model_copy(update={"attempts": stored.attempts + 1, "used": right})
        # Two racing attempts on one code: only one write of attempts+1 wins, so guessing can't go parallel.
        if not self.codes.replace(conversation_id, stored, after):
            return CheckResult.WRONG, None
        if right:
            return CheckResult.VERIFIED, stored.customer_id
        return (CheckResult.LOCKED if after.attempts >= MAX_ATTEMPTS else CheckResult.WRONG), None
