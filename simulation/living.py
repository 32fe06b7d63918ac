"""One simulated customer's day: their events published, our proactive messages answered, their contacts made.

Behaviour (assumptions, on top of simulation/day.py's plan): `ANSWERS_OUTREACH` of customers answer a proactive
message (a fraud alert with "not me" `FRAUD_NOT_ME` of the time; a declined payment abroad by asking for a person or
freezing the card; a payment reminder by paying or asking for a person, by `OUTREACH_CHOICES`); `THANKS` say thanks
once served and `RATES` of those asked answer the rating question; `SAYS_NO` answer no to a confirmation.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from core.models import Channel
from core.prediction import CustomerEvent
from local.scenarios import eventbridge_event
from simulation.channels import Chat, Phone, Sms, converse
from simulation.customers import SimCustomer, pick
from simulation.day import Contact
from simulation.scripts import PHRASEBOOK, BotTurn, Customer, Goal, Knowledge

ANSWERS_OUTREACH = 0.85
FRAUD_NOT_ME = 0.4
OUTREACH_CHOICES = {"freeze_card": 0.55, "make_payment": 0.75, "human_handoff": 0.35}
THANKS = 0.9
RATES = 0.9
SAYS_NO = 0.05


@dataclass(frozen=True)
class DayPlan:
    customer: SimCustomer
    events: tuple[CustomerEvent, ...]
    contacts: tuple[Contact, ...]
    behaviour_seed: int  # of the draws made as they talk (answers, ratings)


@dataclass
class Lived:
    """What the simulator keeps of one customer's day."""

    turns: int = 0
    chats: set[str] = field(default_factory=set)  # conversation ids of the web and app chats
    outreach: int = 0  # proactive messages that reached them


@dataclass
class Life:
    plan: DayPlan
    base_url: str
    publish: Callable[[dict[str, Any]], Any]
    rng: random.Random
    lived: Lived = field(default_factory=Lived)

    def live(self) -> Lived:
        customer = self.plan.customer
        phone = Phone(self.base_url, customer.phone)
        statuses = {e.event_id: self.publish(eventbridge_event(e)).get("outreach", []) for e in self.plan.events}
        answered = self._answer_outreach([s for each in statuses.values() for s in each], phone)
        for contact in self.plan.contacts:
            if answered and statuses.get(contact.cause or ""):
                continue  # we reached them about it first, and they answered us
            for channel in (contact.channel, contact.again):
                if channel is not None:
                    self._contact(contact, channel, phone)
        return self.lived

    def _answer_outreach(self, statuses: list[str], phone: Phone) -> bool:
        """Texts are read as they arrive (and the newest answered); each message held in the app opens a chat."""
        texted, in_app = statuses.count("sent"), statuses.count("waiting_in_app")
        self.lived.outreach += texted + in_app
        answered = False
        if texted:
            texts = phone.texts(until=lambda seen: len(seen) >= texted)
            if self.rng.random() < ANSWERS_OUTREACH:
                self._reply(Sms(phone), BotTurn.of_sms(texts[-1:]), phone, sms=True)
                answered = True
        for _ in range(in_app):
            if self.rng.random() < ANSWERS_OUTREACH:
                chat, first = Chat.open(self.base_url, "app", self.plan.customer.customer_id)
                self.lived.chats.add(chat.client.conversation_id)
                answered |= self._reply(chat, first, phone, sms=False)
        return answered

    def _reply(self, device: Chat | Sms, turn: BotTurn, phone: Phone, sms: bool) -> bool:
        offered = {o.intent: OUTREACH_CHOICES[o.intent] for o in turn.options if o.intent in OUTREACH_CHOICES}
        if not offered and not {o.intent for o in turn.options} >= {"affirm", "deny"}:
            return False  # not one of our messages (it was no longer news)
        # Without options to pick, it is the fraud alert's yes/no.
        goal = Goal(
            intent=pick(self.rng, offered) if offered else None,
            first_yes=self.rng.random() >= (SAYS_NO if offered else FRAUD_NOT_ME),
            thanks=self.rng.random() < THANKS,
            rates=self.rng.random() < RATES,
        )
        self.lived.turns += converse(device, turn, Customer(goal, self._knowledge(None), self.rng, sms), phone)
        return True

    def _contact(self, contact: Contact, channel: Channel, phone: Phone) -> None:
        intent, phrases = PHRASEBOOK[contact.reason]
        start = self.rng.randrange(len(phrases))
        goal = Goal(
            intent=intent,
            phrases=phrases[start:] + phrases[:start],
            first_yes=self.rng.random() >= SAYS_NO,
            wants_person=contact.wants_person,
            thanks=self.rng.random() < THANKS,
            rates=self.rng.random() < RATES,
        )
        customer = Customer(goal, self._knowledge(contact.merchant), self.rng, sms=channel is Channel.SMS)
        if channel is Channel.SMS:
            self.lived.turns += converse(Sms(phone), BotTurn(()), customer, phone)
            return
        signed_in = self.plan.customer.customer_id if channel is Channel.APP else None
        chat, first = Chat.open(self.base_url, channel.value, signed_in)
        self.lived.chats.add(chat.client.conversation_id)
        self.lived.turns += converse(chat, first, customer, phone)

    def _knowledge(self, merchant: str | None) -> Knowledge:
        customer = self.plan.customer
        return Knowledge(customer.phone, customer.new_card, customer.claim_id, merchant)
