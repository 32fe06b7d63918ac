"""Customer-event scenarios for the local run (`make events`, the events panel): what the core systems would
publish when something happens to a demo customer, built from that customer's own demo-bank data."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from core.banking import CardStatus, TransactionStatus
from core.prediction import CustomerEvent, EventKind

if TYPE_CHECKING:
    from collections.abc import Callable

    from core.banking import BankingBackend


def _event(customer_id: str, kind: EventKind, at: datetime, **fields: Any) -> CustomerEvent:
    return CustomerEvent(event_id=str(uuid.uuid4()), customer_id=customer_id, kind=kind, at=at, **fields)


def _declined(bank: BankingBackend, customer_id: str, now: datetime) -> list[CustomerEvent]:
    declined = next(t for t in bank.transactions(customer_id, 50) if t.status is TransactionStatus.DECLINED)
    card = next((c for c in bank.cards(customer_id) if c.card_id == declined.card_id), None)
    details = {"decline_reason": declined.decline_reason or "", "country": declined.country}
    if card:
        details["card_last4"] = card.last4
    return [_event(customer_id, EventKind.CARD_DECLINED, now - timedelta(hours=1), amount=declined.amount.amount,
                   currency=declined.amount.currency, merchant=declined.merchant, details=details)]  # fmt: skip


def _statement(bank: BankingBackend, customer_id: str, now: datetime) -> list[CustomerEvent]:
    card = next(c for c in bank.cards(customer_id) if c.kind == "credit" and c.status is not CardStatus.BLOCKED)
    statement = bank.statement(customer_id, card.card_id)
    details = {"card_last4": card.last4, "due_date": statement.due_date.isoformat()}
    return [_event(customer_id, EventKind.STATEMENT_ISSUED, now - timedelta(days=1),
                   amount=statement.statement_balance.amount, currency=statement.statement_balance.currency,
                   details=details)]  # fmt: skip


def _claim(bank: BankingBackend, customer_id: str, now: datetime) -> list[CustomerEvent]:
    claim = bank.claim(customer_id, "CLM-204518")
    details = {"claim_id": claim.claim_id, "status": claim.status.value}
    return [_event(customer_id, EventKind.CLAIM_STATUS_CHANGED, now - timedelta(hours=3), details=details)]


def _loan(bank: BankingBackend, customer_id: str, now: datetime) -> list[CustomerEvent]:
    loan = bank.loans(customer_id)[0]
    due, details = loan.next_repayment, {"due_date": loan.next_repayment_date.isoformat()}
    return [_event(customer_id, EventKind.LOAN_REPAYMENT_DUE, now - timedelta(hours=6),
                   amount=due.amount, currency=due.currency, details=details)]  # fmt: skip


def _fraud(bank: BankingBackend, customer_id: str, now: datetime) -> list[CustomerEvent]:
    held = next(t for t in bank.transactions(customer_id, 50) if t.status is TransactionStatus.DECLINED)
    card = next((c for c in bank.cards(customer_id) if c.card_id == held.card_id), None)
    money = held.original_amount or held.amount
    details = {"country": held.country, **({"card_last4": card.last4} if card else {})}
    return [_event(customer_id, EventKind.SUSPECTED_FRAUD, now - timedelta(minutes=2), amount=money.amount,
                   currency=money.currency, merchant=held.merchant, details=details)]  # fmt: skip


def _payment_due(bank: BankingBackend, customer_id: str, now: datetime) -> list[CustomerEvent]:
    """A card payment due within a day that is more than the current account holds."""
    available = sum(a.available.amount for a in bank.accounts(customer_id) if a.kind.value == "checking")
    due = (now + timedelta(hours=12)).date().isoformat()  # within the rule's 36 hours at any time of day
    amount = (Decimal(available) + 300).quantize(Decimal("1"))
    return [_event(customer_id, EventKind.PAYMENT_DUE_SOON, now - timedelta(minutes=10),
                   amount=amount, currency="GBP", details={"due_date": due})]  # fmt: skip


# scenario -> (the demo customer it suits, how to build its events)
SCENARIOS: dict[str, tuple[str, Callable[[BankingBackend, str, datetime], list[CustomerEvent]]]] = {
    "card_declined_abroad": ("C-1005", _declined),
    "card_declined_limit": ("C-1002", _declined),
    "statement_issued": ("C-1001", _statement),
    "claim_status_changed": ("C-1004", _claim),
    "loan_repayment_due": ("C-1003", _loan),
    "suspected_fraud": ("C-1005", _fraud),
    "payment_due_low_balance": ("C-1006", _payment_due),
}


def scenario_events(name: str, bank: BankingBackend, customer_id: str | None = None) -> list[CustomerEvent]:
    default_customer, build = SCENARIOS[name]
    return build(bank, customer_id or default_customer, datetime.now(UTC))


def eventbridge_event(event: CustomerEvent) -> dict[str, Any]:
    """The envelope EventBridge delivers to the rule's target."""
    return {
        "version": "0",
        "id": str(uuid.uuid4()),
        "detail-type": "customer-event",
        "source": "core-banking",
        "account": "123456789012",
        "time": event.at.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "region": "eu-west-1",
        "resources": [],
        "detail": event.model_dump(mode="json"),
    }
