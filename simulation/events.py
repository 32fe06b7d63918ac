"""The day's customer events: what the core systems publish about each simulated customer.

Assumptions (prediction/generator.py's where it has them):
- how many: none for 40 % of customers, one for 40 %, two for 20 % (a simulated customer is one active today);
- which: drawn among the kinds the customer's products allow, weighted by the generator's expected events per 30 days
  for the segment (`SEGMENTS`: declines at home, large transactions, fraud alerts, trips for declines and payments
  abroad; a statement, a payment reminder and a loan repayment a month; a claim moves about once a month), except that
  fraud alerts weigh 5 times more and 40 % of payment reminders find the current account short of the amount: the
  events proactive service acts on are otherwise too rare in one day of a few hundred customers to show in a report;
- the payment or decline behind an event is added to the customer's records, so the flows find it.
"""

from __future__ import annotations

import math
import uuid
from datetime import datetime, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING

from core.banking import AccountKind, Card, CardStatus, Money, Transaction, TransactionStatus
from core.prediction import CustomerEvent, EventKind
from prediction.generator import SEGMENTS
from simulation.customers import SimCustomer, pick

if TYPE_CHECKING:
    import random
    from collections.abc import Callable

K = EventKind
EVENTS_PER_CUSTOMER = {0: 0.4, 1: 0.4, 2: 0.2}
_EVENT_IDS = uuid.UUID("0b8f6c2e-5d1a-4e3b-9a7c-2f4d6e8a1c3b")
FRAUD_WEIGHT = 5.0
SHORT_OF_FUNDS = 0.4
_EUR_PER_GBP = Decimal("1.163")
_FX_FEE_RATE = Decimal("0.0275")
_PENNY = Decimal("0.01")
_HOME = ("Tesco", "Currys Online", "John Lewis", "Argos", "Amazon.co.uk", "Trainline", "IKEA Wembley")
_ABROAD = ("Hotel Lisboa", "Pingo Doce", "El Corte Ingles", "Carrefour", "SNCF", "Booking.com")
_SUSPICIOUS = ("GV*DIGITALGOODS 0800", "PAYPAL *XKRT", "CRYPTOFAST LTD", "WWW.GIFTCARDS-NOW")
_DECLINED_HOME = ("insufficient funds", "incorrect PIN entered three times", "card reader error at the merchant")
_DECLINED_ABROAD = (
    "suspected fraud - unusual overseas transaction; confirm it was you to unblock",
    "insufficient funds",
)

Built = tuple[CustomerEvent, Transaction | None]


def _gbp(amount: float | Decimal) -> Money:
    return Money(amount=Decimal(str(amount)).quantize(_PENNY), currency="GBP")


def _lognormal(rng: random.Random, median: float, sigma: float) -> float:
    return rng.lognormvariate(math.log(median), sigma)


class _Draft:
    """One customer's events being built: the ids and times they share."""

    def __init__(self, customer: SimCustomer, rng: random.Random, now: datetime) -> None:
        self.customer, self.rng, self.now = customer, rng, now
        self.added = 0

    def event(self, kind: EventKind, at: datetime, money: Money | None = None, **details: str) -> CustomerEvent:
        merchant = details.pop("merchant", None)
        return CustomerEvent(
            # Unique per customer too: the timeline and the outreach ledger act on an event id once.
            event_id=str(uuid.uuid5(_EVENT_IDS, f"{self.customer.customer_id}:{self.rng.getrandbits(64)}")),
            customer_id=self.customer.customer_id,
            kind=kind,
            at=at,
            amount=money.amount if money else None,
            currency=money.currency if money else None,
            merchant=merchant,
            details=details,
        )

    def payment(self, card: Card, at: datetime, merchant: str, amount: Money, **extra: object) -> Transaction:
        self.added += 1
        return Transaction.model_validate(
            {
                "transaction_id": f"TX-{self.customer.number}-9{self.added}",
                "customer_id": self.customer.customer_id,
                "card_id": card.card_id,
                "account_id": card.account_id,
                "at": at,
                "merchant": merchant,
                "country": extra.pop("country", "GB"),
                "amount": amount,
                "status": extra.pop("status", TransactionStatus.POSTED),
                **extra,
            }
        )

    def active_card(self) -> Card:
        return self.rng.choice([c for c in self.customer.records.cards if c.status is CardStatus.ACTIVE])


def _declined(draft: _Draft, abroad: bool) -> Built:
    rng, card = draft.rng, draft.active_card()
    at = draft.now - timedelta(minutes=rng.uniform(5, 90))
    if abroad:
        country, merchant, reason = rng.choice(("PT", "ES", "FR")), rng.choice(_ABROAD), rng.choice(_DECLINED_ABROAD)
        shown = Money(amount=Decimal(str(_lognormal(rng, 60, 0.8))).quantize(_PENNY), currency="EUR")
        charged = _gbp(shown.amount / _EUR_PER_GBP)
    else:
        country, merchant, reason = "GB", rng.choice(_HOME), rng.choice(_DECLINED_HOME)
        shown = charged = _gbp(_lognormal(rng, 55, 1.0))
    original = shown if abroad else None
    payment = draft.payment(card, at, merchant, charged, country=country, original_amount=original,
                            status=TransactionStatus.DECLINED, decline_reason=reason)  # fmt: skip
    event = draft.event(K.CARD_DECLINED, at, shown, merchant=merchant, decline_reason=reason, country=country,
                        card_last4=card.last4)  # fmt: skip
    return event, payment


def _fraud(draft: _Draft) -> Built:
    rng, card = draft.rng, draft.active_card()
    at, merchant, country = draft.now - timedelta(minutes=rng.uniform(1, 15)), rng.choice(_SUSPICIOUS), "GB"
    amount = _gbp(_lognormal(rng, 180, 1.0))
    payment = draft.payment(card, at, merchant, amount, status=TransactionStatus.DECLINED,
                            decline_reason="suspected fraud - held until you confirm it was you")  # fmt: skip
    event = draft.event(K.SUSPECTED_FRAUD, at, amount, merchant=merchant, country=country, card_last4=card.last4)
    return event, payment


def _large(draft: _Draft) -> Built:
    rng, card = draft.rng, draft.active_card()
    at, merchant = draft.now - timedelta(hours=rng.uniform(1, 8)), rng.choice(_HOME)
    amount = _gbp(500 + _lognormal(rng, 600, 0.9))
    payment = draft.payment(card, at, merchant, amount)
    return draft.event(K.LARGE_TRANSACTION, at, amount, merchant=merchant, card_last4=card.last4), payment


def _foreign(draft: _Draft) -> Built:
    rng, card = draft.rng, draft.active_card()
    at, merchant = draft.now - timedelta(hours=rng.uniform(2, 20)), rng.choice(_ABROAD)
    country = rng.choice(("PT", "ES"))
    euros = Money(amount=Decimal(str(_lognormal(rng, 35, 1.0))).quantize(_PENNY), currency="EUR")
    charged = _gbp(euros.amount / _EUR_PER_GBP)
    payment = draft.payment(card, at, merchant, charged, country=country, original_amount=euros,
                            fx_fee=_gbp(charged.amount * _FX_FEE_RATE))  # fmt: skip
    return draft.event(K.FOREIGN_TRANSACTION, at, euros, merchant=merchant, country=country), payment


def _statement(draft: _Draft) -> Built:
    statement = draft.customer.records.statements[0]
    card = next(c for c in draft.customer.records.cards if c.card_id == statement.card_id)
    at = draft.now - timedelta(hours=draft.rng.uniform(18, 30))
    details = {"card_last4": card.last4, "due_date": statement.due_date.isoformat()}
    return draft.event(K.STATEMENT_ISSUED, at, statement.statement_balance, **details), None


def _payment_due(draft: _Draft) -> Built:
    records = draft.customer.records
    card = next(c for c in records.cards if c.card_id == records.statements[0].card_id)
    paying = (AccountKind.CHECKING, AccountKind.BUSINESS)
    available = sum((a.available.amount for a in records.accounts if a.kind in paying), Decimal(0))
    short = draft.rng.random() < SHORT_OF_FUNDS
    amount = _gbp(available + 300) if short else records.statements[0].minimum_payment
    # Due today before noon, else tomorrow: either way within the 36 hours the reminder rule looks ahead.
    due = (draft.now + timedelta(days=0 if draft.now.hour < 12 else 1)).date().isoformat()
    at = draft.now - timedelta(minutes=draft.rng.uniform(10, 120))
    return draft.event(K.PAYMENT_DUE_SOON, at, amount, due_date=due, card_last4=card.last4), None


def _claim(draft: _Draft) -> Built:
    claim = draft.customer.records.claims[0]
    at = draft.now - timedelta(hours=draft.rng.uniform(1, 6))
    return draft.event(K.CLAIM_STATUS_CHANGED, at, claim_id=claim.claim_id, claim_status=claim.status.value), None


def _loan(draft: _Draft) -> Built:
    loan = draft.customer.records.loans[0]
    at = draft.now - timedelta(hours=draft.rng.uniform(2, 12))
    return draft.event(
        K.LOAN_REPAYMENT_DUE, at, loan.next_repayment, due_date=loan.next_repayment_date.isoformat()
    ), None


def _shipped(draft: _Draft) -> Built:
    new_card = draft.customer.new_card
    at = draft.now - timedelta(days=draft.rng.uniform(1, 3))
    return draft.event(K.CARD_SHIPPED, at, card_last4=new_card[0] if new_card else ""), None


_BUILDERS: dict[str, Callable[[_Draft], Built]] = {
    "declined_home": lambda draft: _declined(draft, abroad=False),
    "declined_abroad": lambda draft: _declined(draft, abroad=True),
    "suspected_fraud": _fraud,
    "large_transaction": _large,
    "foreign_transaction": _foreign,
    "statement_issued": _statement,
    "payment_due_soon": _payment_due,
    "claim_status_changed": _claim,
    "loan_repayment_due": _loan,
    "card_shipped": _shipped,
}


def _weights(customer: SimCustomer) -> dict[str, float]:
    """Expected events of each kind per 30 days, among the kinds this customer's products allow."""
    profile, records = SEGMENTS[customer.segment], customer.records
    weights: dict[str, float] = {}
    if any(c.status is CardStatus.ACTIVE for c in records.cards):
        weights |= {"declined_home": profile.declines, "large_transaction": profile.large,
                    "suspected_fraud": profile.fraud * FRAUD_WEIGHT, "declined_abroad": profile.trips,
                    "foreign_transaction": profile.trips}  # fmt: skip
    if records.statements:
        weights |= {"statement_issued": 1.0, "payment_due_soon": 1.0}
    if records.claims:
        weights["claim_status_changed"] = 1.0
    if records.loans:
        weights["loan_repayment_due"] = 1.0
    if customer.new_card:
        weights["card_shipped"] = 1.0
    return weights


def day_events(customer: SimCustomer, rng: random.Random, now: datetime) -> tuple[SimCustomer, list[CustomerEvent]]:
    """The customer's events of the day, and the customer with the payments behind them added to their records."""
    draft, weights = _Draft(customer, rng, now), _weights(customer)
    events, payments = [], []
    for _ in range(pick(rng, EVENTS_PER_CUSTOMER)):
        if not weights:
            break
        kind = pick(rng, weights)
        del weights[kind]  # one event of a kind a day
        event, payment = _BUILDERS[kind](draft)
        events.append(event)
        payments += [payment] if payment else []
    records = customer.records.model_copy(update={"transactions": (*customer.records.transactions, *payments)})
    return SimCustomer(customer.number, customer.segment, records), sorted(events, key=lambda e: e.at)
