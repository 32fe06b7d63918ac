"""The core-banking world the self-service flows act on: models and the backend port.

Money is always a Decimal with a currency. Cards are known by their last four digits only.
Signs: a transaction's amount is positive for money out; a credit-card account's balance is what
the customer owes, and its available is the credit left.
A demo implementation lives in adapters/demo_bank.py; a real bank plugs in behind the same port.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Literal, Protocol

from core.models import Frozen


class Money(Frozen):
    amount: Decimal
    currency: str  # ISO 4217, e.g. "GBP"

    def __str__(self) -> str:
        symbol = {"GBP": "£", "EUR": "€", "USD": "$"}.get(self.currency)
        quantised = f"{self.amount.quantize(Decimal('0.01')):,}"
        return f"{symbol}{quantised}" if symbol else f"{quantised} {self.currency}"


class Segment(StrEnum):
    RETAIL = "retail"
    CARD_ONLY = "card_only"
    SMALL_BUSINESS = "small_business"
    INSURED = "insured"
    ABROAD = "abroad"


class CustomerProfile(Frozen):
    customer_id: str
    name: str
    phone: str  # E.164, the registered number one-time codes go to
    email: str
    segments: tuple[Segment, ...]
    vip: bool = False
    vulnerable: bool = False
    home_currency: str = "GBP"
    contact_channel: Literal["sms", "app"] = "sms"  # where we reach them first (proactive service)


class AccountKind(StrEnum):
    CHECKING = "checking"
    SAVINGS = "savings"
    CREDIT_CARD = "credit_card"
    BUSINESS = "business"


class Account(Frozen):
    account_id: str
    customer_id: str
    kind: AccountKind
    name: str
    balance: Money
    available: Money


class CardStatus(StrEnum):
    ACTIVE = "active"
    FROZEN = "frozen"
    BLOCKED = "blocked"  # reported lost or stolen: permanent
    INACTIVE = "inactive"  # issued, not yet activated


class Card(Frozen):
    card_id: str
    customer_id: str
    last4: str
    kind: str  # "debit" | "credit"
    status: CardStatus
    expiry: str  # "MM/YY"
    account_id: str


class Statement(Frozen):
    card_id: str
    issued_on: date
    statement_balance: Money
    minimum_payment: Money
    due_date: date


class TransactionStatus(StrEnum):
    POSTED = "posted"
    PENDING = "pending"
    DECLINED = "declined"
    REFUNDED = "refunded"


class Transaction(Frozen):
    transaction_id: str
    customer_id: str
    card_id: str | None
    account_id: str
    at: datetime
    merchant: str
    country: str  # ISO 3166 alpha-2
    amount: Money  # in the account's currency
    original_amount: Money | None = None  # in the merchant's currency, for foreign transactions
    fx_fee: Money | None = None
    status: TransactionStatus
    decline_reason: str | None = None


class ReplacementOrder(Frozen):
    card_id: str
    new_last4: str
    delivery_by: date


class Payment(Frozen):
    payment_id: str
    card_id: str
    from_account_id: str
    amount: Money
    paid_at: datetime


class DisputeCase(Frozen):
    case_id: str
    transaction_id: str
    reason: str
    opened_at: datetime
    status: str


class Loan(Frozen):
    loan_id: str
    customer_id: str
    name: str
    outstanding: Money
    next_repayment_date: date
    next_repayment: Money
    early_repayment_fee_percent: Decimal


class ClaimStatus(StrEnum):
    RECEIVED = "received"
    ASSESSING = "assessing"
    APPROVED = "approved"
    PAID = "paid"
    REJECTED = "rejected"


class Policy(Frozen):
    policy_id: str
    customer_id: str
    kind: str  # "motor" | "home" | "travel"
    cover_summary: str


class Claim(Frozen):
    claim_id: str  # "CLM-123456"
    customer_id: str
    policy_id: str
    status: ClaimStatus
    description: str
    incident_date: date
    estimated: Money
    updated_at: datetime
    next_step: str


class BankingError(Exception):
    """A backend refusal whose message is safe to show the customer."""


class NotFound(BankingError):
    pass


class NotAllowed(BankingError):
    """The thing is this customer's but is in the wrong state for this (another customer's is NotFound)."""


class InsufficientFunds(BankingError):
    pass


class BankingBackend(Protocol):
    def customer(self, customer_id: str) -> CustomerProfile | None: ...

    def customer_by_phone(self, phone: str) -> CustomerProfile | None: ...

    def accounts(self, customer_id: str) -> list[Account]: ...

    def cards(self, customer_id: str) -> list[Card]: ...

    def set_card_status(self, customer_id: str, card_id: str, status: CardStatus) -> Card:
        """Freeze, unfreeze or block; raises NotFound / NotAllowed (e.g. unfreezing a blocked card)."""
        ...

    def activate_card(self, customer_id: str, last4: str, expiry: str) -> Card:
        """Raises NotFound when no inactive card of this customer matches both."""
        ...

    def order_replacement(self, customer_id: str, card_id: str) -> ReplacementOrder: ...

    def statement(self, customer_id: str, card_id: str) -> Statement: ...

    def pay_card(
        self, customer_id: str, card_id: str, from_account_id: str, amount: Money, idempotency_key: str
    ) -> Payment:
        """Moves money once per idempotency key; raises InsufficientFunds, NotAllowed."""
        ...

    def transactions(self, customer_id: str, limit: int = 20) -> list[Transaction]:
        """Newest first."""
        ...

    def open_dispute(self, customer_id: str, transaction_id: str, reason: str, idempotency_key: str) -> DisputeCase: ...

    def loans(self, customer_id: str) -> list[Loan]: ...

    def policies(self, customer_id: str) -> list[Policy]: ...

    def claim(self, customer_id: str, claim_id: str) -> Claim:
        """Raises NotFound for an unknown claim or one of another customer."""
        ...

    def file_claim(
        self,
        customer_id: str,
        policy_id: str,
        description: str,
        incident_date: date,
        estimated: Money,
        idempotency_key: str,
    ) -> Claim: ...
