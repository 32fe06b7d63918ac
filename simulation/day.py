"""Who contacts us today, why and on which channel: the plan the scripted customers follow.

Assumptions (prediction/generator.py's probabilities where it has them):
- an event leads to a contact with the generator's probability for its kind (`PROPENSITY`; a decline abroad
  `DECLINED_ABROAD_PROBABILITY`), about a reason drawn from that kind's reasons, unless the customer answered our
  proactive message about it (which is what proactive service is for);
- a customer with no such contact comes about something else with probability `BACKGROUND_CONTACT`, the reason
  weighted by the generator's background rates (`BACKGROUND`, `BACKGROUND_BY_PRODUCT`); its "other" is one of the
  questions the bot answers from its catalogue (opening hours, fees, documents);
- the channel: the segment's app/web/SMS mix, weighted by reason (`CHANNEL_WEIGHT`);
- `WANTS_PERSON` of contacts ask for a person once the bot has answered;
- a customer comes back later the same day about the same reason, on another channel, with the generator's repeat
  probability (`REPEAT_PROBABILITY`, else `REPEAT_DEFAULT`), so first-contact resolution and channel switches are
  measured on something.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from core.models import Channel
from core.prediction import ContactReason, EventKind
from prediction.generator import (
    BACKGROUND,
    BACKGROUND_BY_PRODUCT,
    CHANNEL_WEIGHT,
    DECLINED_ABROAD_PROBABILITY,
    PROPENSITY,
    REPEAT_DEFAULT,
    REPEAT_PROBABILITY,
    SEGMENTS,
)
from simulation.customers import SimCustomer, pick

if TYPE_CHECKING:
    import random

    from core.prediction import CustomerEvent

BACKGROUND_CONTACT = 0.5
WANTS_PERSON = 0.1
FAQS = ("branch_hours", "fees", "documents_needed")
_CHANNELS = (Channel.APP, Channel.WEB, Channel.SMS)


@dataclass(frozen=True)
class Contact:
    reason: str  # a ContactReason value, or the FAQ intent an "other" question is
    channel: Channel
    cause: str | None = None  # the id of the event it is about
    merchant: str | None = None  # the payment it is about
    wants_person: bool = False
    again: Channel | None = None  # comes back about it later today, on this channel


def plan_contacts(customer: SimCustomer, events: list[CustomerEvent], rng: random.Random) -> list[Contact]:
    caused = [contact for event in events if (contact := _caused(customer, event, rng))]
    if not caused and rng.random() < BACKGROUND_CONTACT:
        caused.append(_background(customer, rng))
    return caused


def _caused(customer: SimCustomer, event: CustomerEvent, rng: random.Random) -> Contact | None:
    propensity = PROPENSITY[event.kind]
    abroad = event.kind is EventKind.CARD_DECLINED and event.details.get("country") != "GB"
    if rng.random() >= (DECLINED_ABROAD_PROBABILITY if abroad else propensity.probability):
        return None
    return _contact(customer, pick(rng, propensity.reasons), rng, event)


def _background(customer: SimCustomer, rng: random.Random) -> Contact:
    rates = dict(BACKGROUND)
    for product in sorted(customer.products):
        rates |= BACKGROUND_BY_PRODUCT.get(product, {})
    return _contact(customer, pick(rng, rates), rng)


def _contact(
    customer: SimCustomer, reason: ContactReason, rng: random.Random, event: CustomerEvent | None = None
) -> Contact:
    said = rng.choice(FAQS) if reason is ContactReason.OTHER else reason.value
    channel = _channel(customer, reason, rng)
    comes_back = rng.random() < REPEAT_PROBABILITY.get(reason, REPEAT_DEFAULT)
    return Contact(
        reason=said,
        channel=channel,
        cause=event.event_id if event else None,
        merchant=event.merchant if event else None,
        wants_person=rng.random() < WANTS_PERSON,
        again=_channel(customer, reason, rng, other_than=channel) if comes_back else None,
    )


def _channel(
    customer: SimCustomer, reason: ContactReason, rng: random.Random, other_than: Channel | None = None
) -> Channel:
    mix = dict(zip(_CHANNELS, SEGMENTS[customer.segment].channels, strict=True))
    weights = {c: share * CHANNEL_WEIGHT.get(reason, {}).get(c, 1.0) for c, share in mix.items() if c != other_than}
    return pick(rng, weights)
