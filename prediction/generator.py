"""Synthetic customer histories for training and testing the contact-reason predictor.

Simulates customers over a window (120 days from Monday 5 January 2026, UK time) and what makes them contact us.
Each contact after a 30-day warm-up becomes one `Sample`: the customer's events of the 60 days before it, their
contacts of the 30 days before it, the channel and the moment, and the true reason. Everything is drawn from
`random.Random` seeded with the seed and the customer's number, so a seed gives the same samples on any machine.

Segments (share of customers; products held; trips, declines at home, large transactions and fraud alerts
per 30 days; the share of card bills missed; channel mix app/web/sms):

| segment        | share | card | loan | policy | trips | declines | large tx | fraud | missed | app/web/sms |
|----------------|-------|------|------|--------|-------|----------|----------|-------|--------|-------------|
| retail         | 40 %  | 60 % | 10 % | 15 %   | 0.15  | 0.30     | 0.6      | 0.05  | 5 %    | .50/.30/.20 |
| card_only      | 20 %  | 100 %| 0    | 0      | 0.10  | 1.00     | 0.4      | 0.06  | 15 %   | .40/.40/.20 |
| small_business | 12 %  | 50 % | 85 % | 10 %   | 0.20  | 0.40     | 2.5      | 0.08  | 6 %    | .30/.60/.10 |
| insured        | 15 %  | 40 % | 5 %  | 100 %  | 0.10  | 0.25     | 0.5      | 0.04  | 5 %    | .20/.45/.35 |
| abroad         | 13 %  | 70 % | 0    | 20 %   | 1.20  | 0.40     | 0.8      | 0.12  | 5 %    | .70/.15/.15 |

Events: a credit card issues a statement every 30 days (06:00), then "payment due soon" 22 days later and, for
the missed share, "payment missed" 26 days later. A loan has "repayment due" 3 days before each monthly
repayment. A trip lasts 3-10 days with 2.5 foreign transactions and 0.15 declines abroad a day. A claim
(0.30 per 30 days for the insured segment, 0.05 for other policy holders) changes status 2-4 times, 1-9 days
apart. A card is shipped 1-3 days after half the fraud alerts, and at 0.03 per 30 days as a renewal. Card
transactions happen between 07:00 and 23:00, fraud alerts at any hour.

Contacts caused by an event (probability; delay, log-normal: median and sigma; the reasons it leads to):

| event                | p             | delay  | sigma | reasons                                                  |
|----------------------|---------------|--------|-------|----------------------------------------------------------|
| statement_issued     | 0.10          | 30 h   | 1.0   | card_bill .80, make_payment .15, dispute_transaction .05 |
| payment_due_soon     | 0.12          | 10 h   | 1.0   | make_payment .70, card_bill .30                          |
| payment_missed       | 0.45          | 5 h    | 1.0   | make_payment .60, complaint .20, card_bill .20           |
| card_declined        | .40 (abr. .60)| 0.4 h  | 1.2   | card_declined .85, check_balance .10, complaint .05      |
| large_transaction    | 0.10          | 6 h    | 1.3   | dispute_transaction .80, check_balance .20               |
| foreign_transaction  | 0.03          | 30 h   | 1.0   | foreign_fees .85, dispute_transaction .15                |
| suspected_fraud      | 0.65          | 0.3 h  | 1.0   | lost_card .75, dispute_transaction .25                   |
| card_shipped         | 0.35          | 60 h   | 0.5   | activate_card .90, other .10                             |
| claim_status_changed | 0.35          | 8 h    | 1.0   | claim_status .90, complaint .10                          |
| loan_repayment_due   | 0.18          | 18 h   | 1.0   | loan_repayment .85, check_balance .15                    |

Noise, on purpose:
- events that cause no contact (1 - p above), so most of a timeline is not why the customer is calling;
- contacts about no event, per 30 days between 08:00 and 22:00: check_balance 0.45, other 0.35, complaint 0.04,
  lost_card 0.02 (a card simply lost), dispute_transaction 0.04, and for holders of the product card_bill 0.08,
  make_payment 0.08, claim_status 0.08, loan_repayment 0.06;
- contacts about an older event when a newer unrelated one exists, which the delays above produce (a question
  about yesterday's statement asked after this morning's coffee abroad);
- repeat contacts: after any contact, with probability 0.12 (complaint 0.30, lost_card 0.25) the customer comes
  back about the same reason, log-normal median 18 h later (sigma 1.0), and may come back again;
- non-urgent contacts that would fall between 23:00 and 07:00 wait for the morning (07:00 plus about 1.5 h);
  declines and fraud alerts are contacted about at any hour.
Channel: the segment's mix, weighted by reason (check_balance x2 in the app, complaint x2 on the web, lost_card
x1.5 in the app, claim_status x1.5 on the web), renormalised.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from core.models import Channel
from core.prediction import ContactHistory, ContactReason, CustomerEvent, EventKind, PastContact

K = EventKind
R = ContactReason
UK = ZoneInfo("Europe/London")
START = date(2026, 1, 5)
DAYS = 120
WARM_UP_DAYS = 30
EVENTS_LOOKBACK = timedelta(days=60)
CONTACTS_LOOKBACK = timedelta(days=30)


@dataclass(frozen=True)
class SegmentProfile:
    share: float
    credit_card: float
    loan: float
    policy: float
    trips: float
    declines: float
    large: float
    fraud: float
    missed: float
    channels: tuple[float, float, float]  # app, web, sms


SEGMENTS: dict[str, SegmentProfile] = {
    "retail": SegmentProfile(0.40, 0.60, 0.10, 0.15, 0.15, 0.30, 0.6, 0.05, 0.05, (0.50, 0.30, 0.20)),
    "card_only": SegmentProfile(0.20, 1.00, 0.00, 0.00, 0.10, 1.00, 0.4, 0.06, 0.15, (0.40, 0.40, 0.20)),
    "small_business": SegmentProfile(0.12, 0.50, 0.85, 0.10, 0.20, 0.40, 2.5, 0.08, 0.06, (0.30, 0.60, 0.10)),
    "insured": SegmentProfile(0.15, 0.40, 0.05, 1.00, 0.10, 0.25, 0.5, 0.04, 0.05, (0.20, 0.45, 0.35)),
    "abroad": SegmentProfile(0.13, 0.70, 0.00, 0.20, 1.20, 0.40, 0.8, 0.12, 0.05, (0.70, 0.15, 0.15)),
}


@dataclass(frozen=True)
class ContactPropensity:
    probability: float
    median_hours: float
    sigma: float
    reasons: dict[ContactReason, float]
    urgent: bool = False


PROPENSITY: dict[EventKind, ContactPropensity] = {
    K.STATEMENT_ISSUED: ContactPropensity(
        0.10, 30, 1.0, {R.CARD_BILL: 0.80, R.MAKE_PAYMENT: 0.15, R.DISPUTE_TRANSACTION: 0.05}
    ),
    K.PAYMENT_DUE_SOON: ContactPropensity(0.12, 10, 1.0, {R.MAKE_PAYMENT: 0.70, R.CARD_BILL: 0.30}),
    K.PAYMENT_MISSED: ContactPropensity(0.45, 5, 1.0, {R.MAKE_PAYMENT: 0.60, R.COMPLAINT: 0.20, R.CARD_BILL: 0.20}),
    K.CARD_DECLINED: ContactPropensity(
        0.40, 0.4, 1.2, {R.CARD_DECLINED: 0.85, R.CHECK_BALANCE: 0.10, R.COMPLAINT: 0.05}, urgent=True
    ),
    K.LARGE_TRANSACTION: ContactPropensity(0.10, 6, 1.3, {R.DISPUTE_TRANSACTION: 0.80, R.CHECK_BALANCE: 0.20}),
    K.FOREIGN_TRANSACTION: ContactPropensity(0.03, 30, 1.0, {R.FOREIGN_FEES: 0.85, R.DISPUTE_TRANSACTION: 0.15}),
    K.SUSPECTED_FRAUD: ContactPropensity(0.65, 0.3, 1.0, {R.LOST_CARD: 0.75, R.DISPUTE_TRANSACTION: 0.25}, urgent=True),
    K.CARD_SHIPPED: ContactPropensity(0.35, 60, 0.5, {R.ACTIVATE_CARD: 0.90, R.OTHER: 0.10}),
    K.CLAIM_STATUS_CHANGED: ContactPropensity(0.35, 8, 1.0, {R.CLAIM_STATUS: 0.90, R.COMPLAINT: 0.10}),
    K.LOAN_REPAYMENT_DUE: ContactPropensity(0.18, 18, 1.0, {R.LOAN_REPAYMENT: 0.85, R.CHECK_BALANCE: 0.15}),
}
DECLINED_ABROAD_PROBABILITY = 0.60

# Contacts about no event, per 30 days; the second set only for holders of the product named.
BACKGROUND: dict[ContactReason, float] = {
    R.CHECK_BALANCE: 0.45,
    R.OTHER: 0.35,
    R.COMPLAINT: 0.04,
    R.LOST_CARD: 0.02,
    R.DISPUTE_TRANSACTION: 0.04,
}
BACKGROUND_BY_PRODUCT: dict[str, dict[ContactReason, float]] = {
    "credit_card": {R.CARD_BILL: 0.08, R.MAKE_PAYMENT: 0.08},
    "policy": {R.CLAIM_STATUS: 0.08},
    "loan": {R.LOAN_REPAYMENT: 0.06},
}
REPEAT_PROBABILITY: dict[ContactReason, float] = {R.COMPLAINT: 0.30, R.LOST_CARD: 0.25}
REPEAT_DEFAULT = 0.12
REPEAT_MEDIAN_HOURS = 18
CHANNEL_WEIGHT: dict[ContactReason, dict[Channel, float]] = {
    R.CHECK_BALANCE: {Channel.APP: 2.0},
    R.COMPLAINT: {Channel.WEB: 2.0},
    R.LOST_CARD: {Channel.APP: 1.5},
    R.CLAIM_STATUS: {Channel.WEB: 1.5},
}

_MERCHANTS = {
    "home": ["Tesco", "Currys Online", "John Lewis", "Argos", "Amazon.co.uk", "Trainline", "Shell", "IKEA"],
    "abroad": ["Hotel Lisboa", "Pingo Doce", "El Corte Ingles", "Carrefour", "SNCF", "Uber BV", "Booking.com"],
    "suspicious": ["GV*DIGITALGOODS 0800", "PAYPAL *XKRT", "CRYPTOFAST LTD", "WWW.GIFTCARDS-NOW"],
}
_COUNTRIES = {"PT": "EUR", "ES": "EUR", "FR": "EUR", "US": "USD"}
_DECLINE_REASONS = ["insufficient_funds", "credit_limit_reached", "suspected_fraud", "incorrect_pin"]


@dataclass(frozen=True)
class Sample:
    customer_id: str
    events: tuple[CustomerEvent, ...]
    history: ContactHistory
    reason: ContactReason


@dataclass
class _Customer:
    customer_id: str
    segment: str
    products: set[str]
    rng: random.Random
    events: list[CustomerEvent] = field(default_factory=list)

    def add(
        self, kind: EventKind, at: datetime, amount: float | None = None, currency: str = "GBP", **extra: str
    ) -> None:
        merchant = extra.pop("merchant", None)
        self.events.append(
            CustomerEvent(
                event_id=f"{self.customer_id}-E{len(self.events):04d}",
                customer_id=self.customer_id,
                kind=kind,
                at=at,
                amount=Decimal(str(round(amount, 2))) if amount is not None else None,
                currency=currency if amount is not None else None,
                merchant=merchant,
                details=extra,
            )
        )


def _local(day: float, hour: float) -> datetime:
    """Day `day` (from START, whole days only) at `hour` o'clock UK time, in UTC."""
    moment = datetime.combine(START + timedelta(days=int(day)), time(0), tzinfo=UK) + timedelta(hours=hour)
    return moment.astimezone(UTC)


def _poisson_days(rng: random.Random, per_30_days: float, days: float = DAYS) -> list[float]:
    """The days (fractions included) on which a Poisson process of this rate fires."""
    fired, day = [], 0.0
    while per_30_days > 0:
        day += rng.expovariate(per_30_days / 30)
        if day >= days:
            return fired
        fired.append(day)
    return fired


def _lognormal(rng: random.Random, median: float, sigma: float) -> float:
    return rng.lognormvariate(math.log(median), sigma)


def _daytime(rng: random.Random) -> float:
    return rng.triangular(7, 23, 14)


# --- events ------------------------------------------------------------------------------------------


def _card_bills(customer: _Customer) -> None:
    rng, profile = customer.rng, SEGMENTS[customer.segment]
    first = rng.randrange(30)
    for issued in range(first, DAYS, 30):
        balance = _lognormal(rng, 650, 0.8)
        customer.add(K.STATEMENT_ISSUED, _local(issued, 6), balance, card_last4=f"{rng.randrange(10000):04d}")
        minimum = max(25.0, balance * 0.03)
        due = (START + timedelta(days=issued + 25)).isoformat()
        customer.add(K.PAYMENT_DUE_SOON, _local(issued + 22, 6), minimum, due_date=due)
        if rng.random() < profile.missed:
            customer.add(K.PAYMENT_MISSED, _local(issued + 26, 6), minimum, due_date=due)


def _loan(customer: _Customer) -> None:
    rng = customer.rng
    repayment = _lognormal(rng, 550, 0.5)
    for due in range(rng.randrange(30), DAYS + 3, 30):
        if due >= 3:
            day = (START + timedelta(days=due)).isoformat()
            customer.add(K.LOAN_REPAYMENT_DUE, _local(due - 3, 7), repayment, due_date=day)


def _trips(customer: _Customer) -> None:
    rng = customer.rng
    for start in _poisson_days(rng, SEGMENTS[customer.segment].trips):
        country = rng.choice(sorted(_COUNTRIES))
        length = rng.uniform(3, 10)
        for day in _poisson_days(rng, 2.5 * 30, length):
            customer.add(
                K.FOREIGN_TRANSACTION,
                _local(start + day, _daytime(rng)),
                _lognormal(rng, 35, 1.0),
                _COUNTRIES[country],
                merchant=rng.choice(_MERCHANTS["abroad"]),
                country=country,
            )
        for day in _poisson_days(rng, 0.15 * 30, length):
            _decline(customer, start + day, country)


def _decline(customer: _Customer, day: float, country: str) -> None:
    rng = customer.rng
    customer.add(
        K.CARD_DECLINED,
        _local(day, _daytime(rng)),
        _lognormal(rng, 55, 1.0),
        _COUNTRIES.get(country, "GBP"),
        merchant=rng.choice(_MERCHANTS["abroad" if country != "GB" else "home"]),
        country=country,
        decline_reason=rng.choice(_DECLINE_REASONS),
        card_last4=f"{rng.randrange(10000):04d}",
    )


def _card_activity(customer: _Customer) -> None:
    rng, profile = customer.rng, SEGMENTS[customer.segment]
    for day in _poisson_days(rng, profile.declines):
        _decline(customer, day, "GB")
    for day in _poisson_days(rng, profile.large):
        amount = 500 + _lognormal(rng, 600, 0.9)
        customer.add(K.LARGE_TRANSACTION, _local(day, _daytime(rng)), amount, merchant=rng.choice(_MERCHANTS["home"]))
    for day in _poisson_days(rng, profile.fraud):
        at = _local(day, rng.uniform(0, 24))
        last4 = f"{rng.randrange(10000):04d}"
        customer.add(
            K.SUSPECTED_FRAUD,
            at,
            _lognormal(rng, 180, 1.0),
            merchant=rng.choice(_MERCHANTS["suspicious"]),
            card_last4=last4,
        )
        if rng.random() < 0.5:
            customer.add(
                K.CARD_SHIPPED, at + timedelta(days=rng.uniform(1, 3)), card_last4=f"{rng.randrange(10000):04d}"
            )
    for day in _poisson_days(rng, 0.03):
        customer.add(K.CARD_SHIPPED, _local(day, 9), card_last4=f"{rng.randrange(10000):04d}")


def _claims(customer: _Customer) -> None:
    rng = customer.rng
    rate = 0.30 if customer.segment == "insured" else 0.05
    statuses = ["received", "assessing", "approved", "paid"]
    for day in _poisson_days(rng, rate):
        claim_id, at = f"CLM-{rng.randrange(10**6):06d}", _local(day, rng.uniform(9, 17))
        for status in statuses[: rng.randint(2, 4)]:
            customer.add(K.CLAIM_STATUS_CHANGED, at, claim_id=claim_id, claim_status=status)
            at += timedelta(days=rng.uniform(1, 9))


def _simulate_events(customer: _Customer) -> None:
    if "credit_card" in customer.products:
        _card_bills(customer)
    if "loan" in customer.products:
        _loan(customer)
    if "policy" in customer.products:
        _claims(customer)
    _trips(customer)
    _card_activity(customer)
    customer.events.sort(key=lambda e: (e.at, e.event_id))


# --- contacts ----------------------------------------------------------------------------------------


def _pick[T](rng: random.Random, weights: dict[T, float]) -> T:
    options = list(weights)
    return rng.choices(options, weights=[weights[o] for o in options])[0]


def _awake(rng: random.Random, at: datetime, urgent: bool) -> datetime:
    """Non-urgent contacts wait for the morning."""
    local = at.astimezone(UK)
    if urgent or 7 <= local.hour < 23:
        return at
    morning = local.date() + timedelta(days=1 if local.hour >= 23 else 0)
    wake = datetime.combine(morning, time(7), tzinfo=UK) + timedelta(hours=rng.expovariate(1 / 1.5))
    return wake.astimezone(UTC)


def _caused_contacts(customer: _Customer) -> list[tuple[ContactReason, datetime]]:
    rng, contacts = customer.rng, []
    for event in customer.events:
        propensity = PROPENSITY[event.kind]
        abroad = event.kind is K.CARD_DECLINED and event.details.get("country") != "GB"
        if rng.random() < (DECLINED_ABROAD_PROBABILITY if abroad else propensity.probability):
            delay = timedelta(hours=_lognormal(rng, propensity.median_hours, propensity.sigma))
            contacts.append((_pick(rng, propensity.reasons), _awake(rng, event.at + delay, propensity.urgent)))
    return contacts


def _background_contacts(customer: _Customer) -> list[tuple[ContactReason, datetime]]:
    rates = dict(BACKGROUND)
    for product in sorted(customer.products):
        rates |= BACKGROUND_BY_PRODUCT.get(product, {})
    rng = customer.rng
    return [
        (reason, _local(day, rng.uniform(8, 22))) for reason, rate in rates.items() for day in _poisson_days(rng, rate)
    ]


def _with_repeats(
    rng: random.Random, contacts: list[tuple[ContactReason, datetime]]
) -> list[tuple[ContactReason, datetime]]:
    everything, pending = [], list(contacts)
    while pending:
        reason, at = pending.pop()
        everything.append((reason, at))
        if rng.random() < REPEAT_PROBABILITY.get(reason, REPEAT_DEFAULT):
            later = at + timedelta(hours=_lognormal(rng, REPEAT_MEDIAN_HOURS, 1.0))
            pending.append((reason, _awake(rng, later, reason is R.LOST_CARD)))
    return sorted(everything, key=lambda c: (c[1], c[0]))


def _channel(rng: random.Random, segment: str, reason: ContactReason) -> Channel:
    mix = dict(zip((Channel.APP, Channel.WEB, Channel.SMS), SEGMENTS[segment].channels, strict=True))
    weights = {channel: share * CHANNEL_WEIGHT.get(reason, {}).get(channel, 1.0) for channel, share in mix.items()}
    return _pick(rng, weights)


def _samples(customer: _Customer, contacts: list[tuple[ContactReason, datetime]]) -> list[Sample]:
    first, end = _local(WARM_UP_DAYS, 0), _local(DAYS, 0)
    samples = []
    for reason, now in contacts:
        if not first <= now < end:
            continue
        history = ContactHistory(
            contacts=tuple(PastContact(reason=r, at=at) for r, at in contacts if now - CONTACTS_LOOKBACK <= at < now),
            channel=_channel(customer.rng, customer.segment, reason),
            now=now,
        )
        events = tuple(e for e in customer.events if now - EVENTS_LOOKBACK <= e.at < now)
        samples.append(Sample(customer.customer_id, events, history, reason))
    return samples


def simulate_customer(seed: int, number: int) -> list[Sample]:
    rng = random.Random(f"{seed}:{number}")
    segment = _pick(rng, {name: profile.share for name, profile in SEGMENTS.items()})
    profile = SEGMENTS[segment]
    held = {"credit_card": profile.credit_card, "loan": profile.loan, "policy": profile.policy}
    products = {product for product, share in held.items() if rng.random() < share}
    customer = _Customer(f"S-{number:05d}", segment, products, rng)
    _simulate_events(customer)
    contacts = _with_repeats(rng, _caused_contacts(customer) + _background_contacts(customer))
    return _samples(customer, contacts)


def generate(seed: int, customers: int) -> list[Sample]:
    """The samples of `customers` simulated customers, in customer order."""
    return [sample for number in range(customers) for sample in simulate_customer(seed, number)]


def split_by_customer(samples: list[Sample], seed: int, test_share: float = 0.2) -> tuple[list[Sample], list[Sample]]:
    """(train, held-out): every customer's samples fall on one side, so the test measures unseen customers."""
    customers = sorted({sample.customer_id for sample in samples})
    random.Random(f"{seed}:split").shuffle(customers)
    held_out = set(customers[: round(len(customers) * test_share)])
    return [s for s in samples if s.customer_id not in held_out], [s for s in samples if s.customer_id in held_out]
