"""The named backend operations flows call (`action:`) and the choices they offer (`choices:`).

An operation returns an outcome ("ok" or an error outcome) and the slots it sets for later steps'
texts. A new flow needs Python only when it calls an operation that is not here yet.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from core.banking import (
    BankingBackend,
    BankingError,
    Card,
    CardStatus,
    InsufficientFunds,
    Money,
    NotAllowed,
    NotFound,
    TransactionStatus,
)

if TYPE_CHECKING:
    from collections.abc import Callable

Slots = dict[str, Any]
Outcome = tuple[str, Slots]


@dataclass(frozen=True)
class OperationContext:
    customer_id: str
    idempotency_key: str  # unique per conversation turn and step: a retried turn never acts twice
    today: date


# Which of the customer's cards each card choice offers.
_CARD_CHOICES: dict[str, Callable[[Card], bool]] = {
    "active_cards": lambda c: c.status is CardStatus.ACTIVE,
    "frozen_cards": lambda c: c.status is CardStatus.FROZEN,
    "open_cards": lambda c: c.status in (CardStatus.ACTIVE, CardStatus.FROZEN),
    "credit_cards": lambda c: c.kind == "credit" and c.status is not CardStatus.BLOCKED,
}


def _card_slot(card: Card) -> Slots:
    return {"card_id": card.card_id, "last4": card.last4, "kind": card.kind, "status": card.status.value}


def _error(error: BankingError) -> Outcome:
    kinds = {NotFound: "not_found", NotAllowed: "not_allowed", InsufficientFunds: "insufficient_funds"}
    return next((o for k, o in kinds.items() if isinstance(error, k)), "failed"), {"error": str(error)}


class Operations:
    def __init__(self, bank: BankingBackend, dispute_review_limit: Decimal = Decimal(500)) -> None:
        self.bank = bank
        self.dispute_review_limit = dispute_review_limit
        self._operations: dict[str, Callable[[Slots, OperationContext], Outcome]] = {
            "list_balances": self.list_balances,
            "card_statement": self.card_statement,
            "freeze_card": lambda s, c: self._set_status(s, c, CardStatus.FROZEN),
            "unfreeze_card": lambda s, c: self._set_status(s, c, CardStatus.ACTIVE),
            "block_and_replace_card": self.block_and_replace_card,
            "activate_card": self.activate_card,
            "pay_card": self.pay_card,
            "last_declined": self.last_declined,
            "dispute_review": self.dispute_review,
            "open_dispute": self.open_dispute,
            "foreign_fees": self.foreign_fees,
            "loan_summary": self.loan_summary,
            "claim_status": self.claim_status,
            "file_claim": self.file_claim,
        }

    def names(self) -> set[str]:
        return set(self._operations)

    def run(self, name: str, slots: Slots, context: OperationContext) -> Outcome:
        try:
            return self._operations[name](slots, context)
        except BankingError as error:
            return _error(error)

    def list_balances(self, slots: Slots, context: OperationContext) -> Outcome:
        accounts = self.bank.accounts(context.customer_id)
        lines = [f"• {a.name}: {a.balance} (available {a.available})" for a in accounts]
        return ("ok" if accounts else "not_found"), {"balances": "\n".join(lines) or "no accounts"}

    def card_statement(self, slots: Slots, context: OperationContext) -> Outcome:
        statement = self.bank.statement(context.customer_id, slots["card"]["card_id"])
        return "ok", {
            "statement": {
                "balance": str(statement.statement_balance),
                "minimum": str(statement.minimum_payment),
                "due": statement.due_date.strftime("%-d %B"),
                "issued": statement.issued_on.strftime("%-d %B"),
            }
        }

    def _set_status(self, slots: Slots, context: OperationContext, status: CardStatus) -> Outcome:
        card = self.bank.set_card_status(context.customer_id, slots["card"]["card_id"], status)
        return "ok", {"card": _card_slot(card)}

    def block_and_replace_card(self, slots: Slots, context: OperationContext) -> Outcome:
        card = self.bank.set_card_status(context.customer_id, slots["card"]["card_id"], CardStatus.BLOCKED)
        order = self.bank.order_replacement(context.customer_id, card.card_id)
        return "ok", {"card": _card_slot(card), "delivery_by": order.delivery_by.strftime("%A %-d %B")}

    def activate_card(self, slots: Slots, context: OperationContext) -> Outcome:
        card = self.bank.activate_card(context.customer_id, slots["last4"], slots["expiry"])
        return "ok", {"card": _card_slot(card)}

    def pay_card(self, slots: Slots, context: OperationContext) -> Outcome:
        amount = Money(amount=Decimal(slots["amount"]["amount"]), currency=slots["amount"]["currency"])
        payment = self.bank.pay_card(
            context.customer_id,
            slots["card"]["card_id"],
            slots["account"]["account_id"],
            amount,
            context.idempotency_key,
        )
        return "ok", {"payment_id": payment.payment_id}

    def last_declined(self, slots: Slots, context: OperationContext) -> Outcome:
        declined = [t for t in self.bank.transactions(context.customer_id) if t.status is TransactionStatus.DECLINED]
        if not declined:
            return "none", {}
        last = declined[0]
        return "ok", {
            "declined": {
                "merchant": last.merchant,
                "amount": str(last.original_amount or last.amount),
                "when": last.at.strftime("%-d %B at %H:%M"),
                "reason": last.decline_reason or "not given",
            }
        }

    def dispute_review(self, slots: Slots, context: OperationContext) -> Outcome:
        """A business rule: disputes above the review limit are decided by a person, not opened by the bot."""
        wanted = slots["transaction"]["transaction_id"]
        found = next((t for t in self.bank.transactions(context.customer_id, 50) if t.transaction_id == wanted), None)
        if found and abs(found.amount.amount) > self.dispute_review_limit:
            return "above_limit", {}
        return "ok", {}

    def open_dispute(self, slots: Slots, context: OperationContext) -> Outcome:
        case = self.bank.open_dispute(
            context.customer_id, slots["transaction"]["transaction_id"], slots["reason"], context.idempotency_key
        )
        return "ok", {"case_id": case.case_id}

    def foreign_fees(self, slots: Slots, context: OperationContext) -> Outcome:
        foreign = [t for t in self.bank.transactions(context.customer_id, limit=50) if t.fx_fee is not None]
        if not foreign:
            return "none", {}
        total = sum((t.fx_fee.amount for t in foreign if t.fx_fee), Decimal(0))
        lines = [f"• {t.at:%-d %b} {t.merchant} ({t.country}): {t.original_amount} → {t.amount}, fee {t.fx_fee}"
                 for t in foreign[:5]]  # fmt: skip
        return "ok", {
            "foreign": "\n".join(lines),
            "fees_total": str(Money(amount=total, currency=foreign[0].amount.currency)),
        }

    def loan_summary(self, slots: Slots, context: OperationContext) -> Outcome:
        loans = self.bank.loans(context.customer_id)
        if not loans:
            return "none", {}
        loan = loans[0]
        return "ok", {
            "loan": {
                "name": loan.name,
                "outstanding": str(loan.outstanding),
                "next_date": loan.next_repayment_date.strftime("%-d %B"),
                "next_amount": str(loan.next_repayment),
                "early_fee": f"{loan.early_repayment_fee_percent}%",
            }
        }

    def claim_status(self, slots: Slots, context: OperationContext) -> Outcome:
        claim = self.bank.claim(context.customer_id, slots["claim_number"])
        return "ok", {"claim": {"status": claim.status.value, "next_step": claim.next_step,
                                "updated": claim.updated_at.strftime("%-d %B")}}  # fmt: skip

    def file_claim(self, slots: Slots, context: OperationContext) -> Outcome:
        policies = self.bank.policies(context.customer_id)
        if not policies:
            return "no_policy", {}
        amount = Money(amount=Decimal(slots["estimate"]["amount"]), currency=slots["estimate"]["currency"])
        claim = self.bank.file_claim(
            context.customer_id, policies[0].policy_id, slots["what_happened"],
            date.fromisoformat(slots["incident_date"]), amount, context.idempotency_key,
        )  # fmt: skip
        return "ok", {"claim_number": claim.claim_id}

    # Choices: (title, payload, slot value) for a collect step's quick replies.
    def choices(self, provider: str, customer_id: str) -> list[tuple[str, str, Slots]]:
        if provider in _CARD_CHOICES:
            wanted = _CARD_CHOICES[provider]
            cards = [c for c in self.bank.cards(customer_id) if wanted(c)]
            return [(f"{c.kind.title()} card ending {c.last4}", c.last4, _card_slot(c)) for c in cards]
        if provider == "payment_accounts":
            accounts = [a for a in self.bank.accounts(customer_id) if a.kind.value != "credit_card"]
            return [
                (a.name, a.name, {"account_id": a.account_id, "name": a.name, "kind": a.kind.value}) for a in accounts
            ]
        if provider == "recent_transactions":
            recent = [
                t for t in self.bank.transactions(customer_id, limit=10) if t.status is not TransactionStatus.DECLINED
            ]
            return [
                (f"{i + 1}. {t.at:%-d %b} {t.merchant} {t.amount}", str(i + 1),
                 {"transaction_id": t.transaction_id, "merchant": t.merchant, "amount": str(t.amount)})
                for i, t in enumerate(recent[:5])
            ]  # fmt: skip
        raise KeyError(f"unknown choices provider {provider!r}")

    def providers(self) -> set[str]:
        return {*_CARD_CHOICES, "payment_accounts", "recent_transactions"}
