"""The simulated population: clones of the demo bank's customers, each with an id, a phone and a name of their own.

Customer n (from 20001) is C-n, texts from +4477009n (outside Ofcom's drama range, which has room for only the demo
customers, but nothing leaves the local run) and holds claim CLM-(200000 + n). Their segment is drawn with the shares
of prediction/generator.py; they copy the records of a demo customer of that segment (a retail customer copies one of
the six retail demo customers). Where we reach them first (`contact_channel`, for proactive service) is the app or
SMS, in the proportion of the segment's app and SMS contacts in the generator's channel mix.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from adapters.demo_bank import CustomerRecords
from core.banking import CardStatus
from prediction.generator import SEGMENTS

if TYPE_CHECKING:
    import random
    from collections.abc import Mapping

FIRST_NUMBER = 20001
# The demo customers a customer of each segment may copy.
TEMPLATES: dict[str, tuple[str, ...]] = {
    "retail": ("C-1001", "C-1006", "C-1007", "C-1008", "C-1009", "C-1010"),
    "card_only": ("C-1002",),
    "small_business": ("C-1003",),
    "insured": ("C-1004",),
    "abroad": ("C-1005",),
}
_FIRST_NAMES = ("Amy", "Ben", "Chloe", "Daniel", "Ella", "Finn", "Grace", "Harry", "Isla", "Jack", "Leah", "Noah")
_LAST_NAMES = ("Ahmed", "Brown", "Davies", "Evans", "Green", "Hughes", "Khan", "Murphy", "Patel", "Smith", "Wood")


def pick[T](rng: random.Random, weights: Mapping[T, float]) -> T:
    options = list(weights)
    return rng.choices(options, weights=[weights[o] for o in options])[0]


@dataclass(frozen=True)
class SimCustomer:
    number: int
    segment: str
    records: CustomerRecords

    @property
    def customer_id(self) -> str:
        return self.records.profile.customer_id

    @property
    def phone(self) -> str:
        return self.records.profile.phone

    @property
    def products(self) -> set[str]:
        """What the generator's background contact rates are keyed by."""
        held = {"policy"} if self.records.policies else set()
        held |= {"loan"} if self.records.loans else set()
        return held | ({"credit_card"} if self.records.statements else set())

    @property
    def new_card(self) -> tuple[str, str] | None:
        """(last four digits, expiry) of a card they received and have not activated."""
        card = next((c for c in self.records.cards if c.status is CardStatus.INACTIVE), None)
        return (card.last4, card.expiry) if card else None

    @property
    def claim_id(self) -> str | None:
        return self.records.claims[0].claim_id if self.records.claims else None


def draw_customer(number: int, rng: random.Random, templates: Mapping[str, CustomerRecords]) -> SimCustomer:
    segment = pick(rng, {name: profile.share for name, profile in SEGMENTS.items()})
    app, _, sms = SEGMENTS[segment].channels
    contact_channel = "app" if rng.random() < app / (app + sms) else "sms"
    name = f"{rng.choice(_FIRST_NAMES)} {rng.choice(_LAST_NAMES)}"
    records = clone(templates[rng.choice(TEMPLATES[segment])], number, name, contact_channel)
    return SimCustomer(number, segment, records)


def clone(template: CustomerRecords, number: int, name: str, contact_channel: str) -> CustomerRecords:
    old = template.profile.customer_id.removeprefix("C-")
    # Every id in a demo customer's records carries their number (ACC-1005-CUR, CARD-1005-6612, TX-1005-08 ...).
    text = template.model_dump_json().replace(f"C-{old}", f"C-{number}").replace(f"-{old}-", f"-{number}-")
    records = CustomerRecords.model_validate_json(text)
    first, last = name.lower().split(" ")
    profile = records.profile.model_copy(
        update={
            "name": name,
            "phone": f"+4477009{number:05d}",
            "email": f"{first}.{last}.{number}@example.com",
            "contact_channel": contact_channel,
        }
    )
    # Claim references are unique bank-wide; a demo customer holds at most one claim.
    claims = tuple(c.model_copy(update={"claim_id": f"CLM-{200000 + number}"}) for c in records.claims[:1])
    return records.model_copy(update={"profile": profile, "claims": claims})
