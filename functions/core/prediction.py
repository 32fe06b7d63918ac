"""Why is this customer contacting us? Ranks the likely reasons before they type, from their timeline.

A multinomial logistic regression over features of the customer's recent events and contacts. The weights are
trained offline (prediction/train.py, on the synthetic histories of prediction/generator.py) and shipped as
functions/prediction_model.json; serving is pure Python so the Lambda package carries no numpy.

Features, every one in [0, 1] (`features()` returns all of them, in `FEATURE_NAMES` order):
- per event kind K, from the most recent event of that kind at or before `now` (0 when there is none):
  `K:decay_4h`, `K:decay_24h`, `K:decay_168h` = exp(-hours since / 4, 24, 168);
  `K:age_0_1h`, `K:age_1_6h`, `K:age_6_24h`, `K:age_24_72h`, `K:age_72_168h` = 1 in the bin its age falls in
  (the decays alone are monotone, and contacts about a statement peak a day after it, not at once);
  `K:amount` = min(log1p(|amount|), 15) / 15; `K:latest` = 1 when it is the most recent event of all;
  `K:count_24h`, `K:count_7d` = min(events of kind K in the window, 5) / 5.
- `card_declined:abroad` = 1 when the latest decline was in a country other than GB.
- `events:none` = 1 when there is no event in the last 30 days.
- `channel:web|app|sms`, one-hot; `hour:night|morning|afternoon|evening` of `now` in UK time (0-6, 6-12, 12-18, 18-24).
- per contact reason R: `previous:R` = 1 when the customer contacted us about R in the last 30 days, and
  `previous:R:decay_24h` = exp(-hours since that contact / 24).
Events after `now` are ignored, so a timeline read a little late cannot leak the future into a prediction.
"""

from __future__ import annotations

import math
from datetime import date, datetime, timedelta
from decimal import Decimal
from enum import StrEnum
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from pydantic import AwareDatetime

from core.banking import Money
from core.models import Channel, Frozen

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence
    from pathlib import Path


class ContactReason(StrEnum):
    """Each is the name of the flow that serves it, except `other`."""

    CARD_DECLINED = "card_declined"
    LOST_CARD = "lost_card"
    CARD_BILL = "card_bill"
    MAKE_PAYMENT = "make_payment"
    DISPUTE_TRANSACTION = "dispute_transaction"
    FOREIGN_FEES = "foreign_fees"
    ACTIVATE_CARD = "activate_card"
    CLAIM_STATUS = "claim_status"
    LOAN_REPAYMENT = "loan_repayment"
    CHECK_BALANCE = "check_balance"
    COMPLAINT = "complaint"
    OTHER = "other"


class EventKind(StrEnum):
    STATEMENT_ISSUED = "statement_issued"
    PAYMENT_DUE_SOON = "payment_due_soon"
    PAYMENT_MISSED = "payment_missed"
    CARD_DECLINED = "card_declined"
    LARGE_TRANSACTION = "large_transaction"
    FOREIGN_TRANSACTION = "foreign_transaction"
    SUSPECTED_FRAUD = "suspected_fraud"
    CARD_SHIPPED = "card_shipped"
    CLAIM_STATUS_CHANGED = "claim_status_changed"
    LOAN_REPAYMENT_DUE = "loan_repayment_due"


# The reason an event most obviously leads to: what the simplest baseline predicts, and what `describe` tells.
OBVIOUS_REASON: dict[EventKind, ContactReason] = {
    EventKind.STATEMENT_ISSUED: ContactReason.CARD_BILL,
    EventKind.PAYMENT_DUE_SOON: ContactReason.MAKE_PAYMENT,
    EventKind.PAYMENT_MISSED: ContactReason.MAKE_PAYMENT,
    EventKind.CARD_DECLINED: ContactReason.CARD_DECLINED,
    EventKind.LARGE_TRANSACTION: ContactReason.DISPUTE_TRANSACTION,
    EventKind.FOREIGN_TRANSACTION: ContactReason.FOREIGN_FEES,
    EventKind.SUSPECTED_FRAUD: ContactReason.LOST_CARD,
    EventKind.CARD_SHIPPED: ContactReason.ACTIVATE_CARD,
    EventKind.CLAIM_STATUS_CHANGED: ContactReason.CLAIM_STATUS,
    EventKind.LOAN_REPAYMENT_DUE: ContactReason.LOAN_REPAYMENT,
}


class CustomerEvent(Frozen):
    event_id: str
    customer_id: str
    kind: EventKind
    at: AwareDatetime
    amount: Decimal | None = None
    currency: str | None = None  # ISO 4217
    merchant: str | None = None
    details: dict[str, str] = {}  # decline_reason, card_last4, claim_id, claim_status, country …


class PastContact(Frozen):
    reason: ContactReason
    at: AwareDatetime


class ContactHistory(Frozen):
    contacts: tuple[PastContact, ...] = ()
    channel: Channel
    now: AwareDatetime


class Prediction(Frozen):
    reason: ContactReason
    probability: float
    evidence: tuple[CustomerEvent, ...]  # the events that pushed this reason up most, at most 2
    as_of: AwareDatetime  # the `now` it was made for, which `describe` tells relative times from


_UK = ZoneInfo("Europe/London")
_DECAYS_HOURS = (4, 24, 168)
_AGE_BINS_HOURS = ((0, 1), (1, 6), (6, 24), (24, 72), (72, 168))
_COUNT_CAP = 5
_AMOUNT_LOG_CAP = 15.0
_PREVIOUS_WINDOW = timedelta(days=30)
_HOUR_BUCKETS = (("night", 0), ("morning", 6), ("afternoon", 12), ("evening", 18))


def _kind_feature_names(kind: EventKind) -> list[str]:
    names = [f"{kind}:decay_{hours}h" for hours in _DECAYS_HOURS]
    names += [f"{kind}:age_{low}_{high}h" for low, high in _AGE_BINS_HOURS]
    names += [f"{kind}:amount", f"{kind}:latest", f"{kind}:count_24h", f"{kind}:count_7d"]
    return names + ([f"{kind}:abroad"] if kind is EventKind.CARD_DECLINED else [])


FEATURE_NAMES: tuple[str, ...] = (
    *(name for kind in EventKind for name in _kind_feature_names(kind)),
    "events:none",
    *(f"channel:{channel}" for channel in Channel),
    *(f"hour:{bucket}" for bucket, _ in _HOUR_BUCKETS),
    *(name for reason in ContactReason for name in (f"previous:{reason}", f"previous:{reason}:decay_24h")),
)


def _hours(since: datetime, now: datetime) -> float:
    return max((now - since).total_seconds() / 3600, 0.0)


def _kind_features(kind: EventKind, newest_first: list[CustomerEvent], now: datetime) -> dict[str, float]:
    """The features of one kind, all from its latest event (so that event is the evidence for them)."""
    latest = newest_first[0]
    hours = _hours(latest.at, now)
    values = {f"{kind}:decay_{h}h": math.exp(-hours / h) for h in _DECAYS_HOURS}
    values |= {f"{kind}:age_{low}_{high}h": float(low <= hours < high) for low, high in _AGE_BINS_HOURS}
    magnitude = abs(float(latest.amount)) if latest.amount is not None and latest.amount.is_finite() else 0.0
    values[f"{kind}:amount"] = min(math.log1p(magnitude), _AMOUNT_LOG_CAP) / _AMOUNT_LOG_CAP
    for window, name in ((24, "count_24h"), (168, "count_7d")):
        count = sum(1 for event in newest_first if _hours(event.at, now) <= window)
        values[f"{kind}:{name}"] = min(count, _COUNT_CAP) / _COUNT_CAP
    if kind is EventKind.CARD_DECLINED:
        values[f"{kind}:abroad"] = float(latest.details.get("country", "GB") != "GB")
    return values


def _by_kind(events: Sequence[CustomerEvent], now: datetime) -> dict[EventKind, list[CustomerEvent]]:
    """The events at or before `now`, grouped by kind, newest first (ties broken by id, for determinism)."""
    grouped: dict[EventKind, list[CustomerEvent]] = {}
    for event in sorted((e for e in events if e.at <= now), key=lambda e: (e.at, e.event_id), reverse=True):
        grouped.setdefault(event.kind, []).append(event)
    return grouped


def _context_features(history: ContactHistory) -> dict[str, float]:
    values = {f"channel:{channel}": float(channel is history.channel) for channel in Channel}
    hour = history.now.astimezone(_UK).hour
    bucket = next(name for name, start in reversed(_HOUR_BUCKETS) if hour >= start)
    values |= {f"hour:{name}": float(name == bucket) for name, _ in _HOUR_BUCKETS}
    for contact in sorted(history.contacts, key=lambda c: c.at):  # the latest contact about a reason wins
        if history.now - _PREVIOUS_WINDOW <= contact.at <= history.now:
            values[f"previous:{contact.reason}"] = 1.0
            values[f"previous:{contact.reason}:decay_24h"] = math.exp(-_hours(contact.at, history.now) / 24)
    return values


def features(events: Sequence[CustomerEvent], history: ContactHistory) -> dict[str, float]:
    """Every feature in `FEATURE_NAMES`, each in [0, 1]; see the module docstring for their definitions."""
    values = dict.fromkeys(FEATURE_NAMES, 0.0)
    grouped = _by_kind(events, history.now)
    for kind, newest_first in grouped.items():
        values |= _kind_features(kind, newest_first, history.now)
    if grouped:
        latest = max((group[0] for group in grouped.values()), key=lambda e: (e.at, e.event_id))
        values[f"{latest.kind}:latest"] = 1.0
    recent = history.now - _PREVIOUS_WINDOW
    values["events:none"] = float(not any(group[0].at >= recent for group in grouped.values()))
    return values | _context_features(history)


class TrainingRun(Frozen):
    seed: int
    customers: int
    n_train: int
    n_test: int
    trained_on: str  # ISO date
    iterations: int
    l2: float


class PredictorModel(Frozen):
    """Multinomial logistic regression: P(reason) = softmax(bias[reason] + sum of weights[reason][f] * x[f])."""

    classes: tuple[ContactReason, ...]
    features: tuple[str, ...]
    weights: dict[ContactReason, dict[str, float]]  # zero weights left out
    bias: dict[ContactReason, float]
    training: TrainingRun

    @classmethod
    def load(cls, path: Path) -> PredictorModel:
        return cls.model_validate_json(path.read_text(encoding="utf-8"))

    def probabilities(self, x: dict[str, float]) -> dict[ContactReason, float]:
        scores = {
            reason: self.bias.get(reason, 0.0)
            + sum(weight * x.get(name, 0.0) for name, weight in self.weights.get(reason, {}).items())
            for reason in self.classes
        }
        top = max(scores.values())
        exps = {reason: math.exp(score - top) for reason, score in scores.items()}
        total = sum(exps.values())
        return {reason: value / total for reason, value in exps.items()}

    def rank(self, events: Sequence[CustomerEvent], history: ContactHistory) -> list[Prediction]:
        x = features(events, history)
        latest_of_kind = {kind: group[0] for kind, group in _by_kind(events, history.now).items()}
        ranked = sorted(self.probabilities(x).items(), key=lambda item: (-item[1], self.classes.index(item[0])))
        return [
            Prediction(
                reason=reason,
                probability=probability,
                evidence=self._evidence(reason, x, latest_of_kind),
                as_of=history.now,
            )
            for reason, probability in ranked
        ]

    def _evidence(
        self, reason: ContactReason, x: dict[str, float], latest_of_kind: dict[EventKind, CustomerEvent]
    ) -> tuple[CustomerEvent, ...]:
        """The (at most 2) events whose features added most to this reason's score, positive contributions only."""
        weights = self.weights.get(reason, {})
        contributions = [
            (sum(weights.get(name, 0.0) * x[name] for name in _kind_feature_names(kind)), event)
            for kind, event in latest_of_kind.items()
        ]
        positive = sorted((c for c in contributions if c[0] > 0), key=lambda c: (-c[0], c[1].event_id))
        return tuple(event for _, event in positive[:2])


# --- what the customer is asked ---------------------------------------------------------------------


def relative_time(at: datetime, now: datetime) -> str:
    """'just now', 'a minute ago', '20 minutes ago', 'an hour ago', '5 hours ago', 'yesterday', '3 days ago'."""
    minutes = _hours(at, now) * 60
    if minutes < 1:
        return "just now"
    if minutes < 45:
        whole = round(minutes)
        return "a minute ago" if whole == 1 else f"{whole} minutes ago"
    hours = minutes / 60
    if hours < 1.5:
        return "an hour ago"
    if hours < 24:
        return f"{round(hours)} hours ago"
    days = int(hours // 24)
    return "yesterday" if days == 1 else f"{days} days ago"


def _money(event: CustomerEvent) -> str | None:
    if event.amount is None or not event.amount.is_finite():
        return None
    return str(Money(amount=event.amount, currency=event.currency or "GBP"))  # events without one are in sterling


def _payment(event: CustomerEvent) -> str:
    """'the payment of £84.20 at Hotel Lisboa', leaving out what the event doesn't say."""
    money, merchant = _money(event), event.merchant
    return "the payment" + (f" of {money}" if money else "") + (f" at {merchant}" if merchant else "")


def _of(event: CustomerEvent) -> str:
    money = _money(event)
    return f" of {money}" if money else ""


def _ending(event: CustomerEvent) -> str:
    card = event.details.get("card_last4")
    return f" ending {card}" if card else ""


def _due(event: CustomerEvent) -> str:
    """'on 28 November' from an ISO date; anything else the event says is told as it is."""
    due = event.details.get("due_date")
    if not due:
        return "soon"
    try:
        day = date.fromisoformat(due)
    except ValueError:
        return f"on {due}"
    return f"on {day.day} {day:%B}"


def _claim(event: CustomerEvent) -> str:
    claim = event.details.get("claim_id")
    return f"claim {claim}" if claim else "your claim"


type _Template = Callable[[CustomerEvent, str], str]

# One question per reason, told from the event that is its evidence; the second argument is the relative time.
_QUESTIONS: dict[tuple[ContactReason, EventKind], _Template] = {
    (ContactReason.CARD_DECLINED, EventKind.CARD_DECLINED): lambda e, when: (
        f"Is this about {_payment(e)} that was declined {when}?"
    ),
    (ContactReason.LOST_CARD, EventKind.SUSPECTED_FRAUD): lambda e, when: (
        f"Is this about {_payment(e)} on your card{_ending(e)} that we flagged as suspicious {when}?"
    ),
    (ContactReason.CARD_BILL, EventKind.STATEMENT_ISSUED): lambda e, when: (
        f"Is this about your statement{_of(e)} issued {when}?"
    ),
    (ContactReason.CARD_BILL, EventKind.PAYMENT_DUE_SOON): lambda e, _: (
        f"Is this about your card payment{_of(e)} due {_due(e)}?"
    ),
    (ContactReason.MAKE_PAYMENT, EventKind.PAYMENT_DUE_SOON): lambda e, _: (
        f"Is this about your card payment{_of(e)} due {_due(e)}?"
    ),
    (ContactReason.MAKE_PAYMENT, EventKind.PAYMENT_MISSED): lambda e, when: (
        f"Is this about your card payment{_of(e)} that we didn't receive ({when})?"
    ),
    (ContactReason.DISPUTE_TRANSACTION, EventKind.LARGE_TRANSACTION): lambda e, when: (
        f"Is this about {_payment(e)} {when}?"
    ),
    (ContactReason.DISPUTE_TRANSACTION, EventKind.SUSPECTED_FRAUD): lambda e, when: (
        f"Is this about {_payment(e)} {when}?"
    ),
    (ContactReason.FOREIGN_FEES, EventKind.FOREIGN_TRANSACTION): lambda e, when: (
        f"Is this about the fees on {_payment(e)} {when}?"
    ),
    (ContactReason.ACTIVATE_CARD, EventKind.CARD_SHIPPED): lambda e, when: (
        f"Is this about activating the new card{_ending(e)} we sent {when}?"
    ),
    (ContactReason.CLAIM_STATUS, EventKind.CLAIM_STATUS_CHANGED): lambda e, when: (
        f"Is this about {_claim(e)}, which was updated {when}?"
    ),
    (ContactReason.LOAN_REPAYMENT, EventKind.LOAN_REPAYMENT_DUE): lambda e, _: (
        f"Is this about your loan repayment{_of(e)} due {_due(e)}?"
    ),
}


_GENERIC: dict[ContactReason, str] = {
    ContactReason.CARD_DECLINED: "Is this about a card payment that was declined?",
    ContactReason.LOST_CARD: "Is this about a lost or stolen card?",
    ContactReason.CARD_BILL: "Is this about your card bill?",
    ContactReason.MAKE_PAYMENT: "Would you like to pay your card?",
    ContactReason.DISPUTE_TRANSACTION: "Is this about a payment you don't recognise?",
    ContactReason.FOREIGN_FEES: "Is this about fees on a payment abroad?",
    ContactReason.ACTIVATE_CARD: "Would you like to activate your new card?",
    ContactReason.CLAIM_STATUS: "Is this about your insurance claim?",
    ContactReason.LOAN_REPAYMENT: "Is this about your loan repayment?",
    ContactReason.CHECK_BALANCE: "Would you like to check your balance?",
    ContactReason.COMPLAINT: "Is something wrong that you'd like to tell us about?",
    ContactReason.OTHER: "Is this about something else?",
}


def describe(prediction: Prediction) -> str:
    """One customer-facing question with the facts of the evidence, or the reason's generic question."""
    for event in prediction.evidence:
        template = _QUESTIONS.get((prediction.reason, event.kind))
        if template:
            return template(event, relative_time(event.at, prediction.as_of))
    return _GENERIC[prediction.reason]
