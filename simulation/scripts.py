"""What a scripted customer says next, from what the bot just said: the same on every channel.

The customer asks for what they came for (or picks it when the bot offers it: the predicted reason, a welcome
button, a "did you mean"), then answers the flow generically: the first of the offered choices (or the payment they
came about), yes to confirmations, the facts they know when asked (their phone, the code texted to it, their new
card, their claim), says thanks once served and rates the conversation, lower after a handoff. Some ask for a
person once the bot has answered.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass, field
from functools import cache
from typing import TYPE_CHECKING, Any

from bootstrap import load_catalogue
from core.engine import CONFIRM_BUTTONS
from simulation.customers import pick

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

# How customers say what they want: the intent and a few phrasings the NLU model understands.
PHRASEBOOK: dict[str, tuple[str, tuple[str, ...]]] = {
    "check_balance": ("check_balance", ("what's my balance", "how much money do I have in my account")),
    "card_bill": ("card_bill", ("how much is my card bill", "what do I owe on my credit card")),
    "make_payment": ("make_payment", ("pay my credit card", "I want to make a payment to my card")),
    "lost_card": ("lost_stolen_card", ("I lost my card", "my card has been stolen")),
    "card_declined": ("card_declined", ("why was my card declined", "my card got declined at the shop")),
    "dispute_transaction": ("dispute_transaction", ("I don't recognise a payment", "there's a payment I didn't make")),
    "foreign_fees": ("foreign_fees", ("what are the fees abroad", "how much did I pay in foreign transaction fees")),
    "activate_card": ("activate_card", ("activate my new card", "I need to activate the card that just arrived")),
    "claim_status": ("claim_status", ("where is my claim", "any news on my insurance claim")),
    "loan_repayment": ("loan_repayment", ("when is my next loan repayment", "how much do I still owe on my loan")),
    "complaint": ("complaint", ("I want to make a complaint", "I'm really unhappy with your service")),
    "branch_hours": ("branch_hours", ("what time do you open on saturday", "what are your opening hours")),
    "fees": ("fees", ("what are your fees", "do you charge a monthly fee")),
    "documents_needed": ("documents_needed", ("what documents do I need to open an account", "what ID do I need")),
}
ASK_FOR_PERSON = "I want to talk to a person"
RATING_AFTER_BOT = {5: 0.55, 4: 0.3, 3: 0.08, 2: 0.04, 1: 0.03}
RATING_AFTER_AGENT = {5: 0.35, 4: 0.3, 3: 0.15, 2: 0.1, 1: 0.1}
_SMS_OPTIONS = re.compile(r"(\d) for (.+?)(?=, \d for |\.?$)")


@dataclass(frozen=True)
class Option:
    title: str
    send: str  # what choosing it sends: the payload in the chat, the digit by SMS
    intent: str | None  # the intent it stands for, when it is one


@dataclass(frozen=True)
class BotTurn:
    texts: tuple[str, ...]
    options: tuple[Option, ...] = ()
    waiting: bool = False  # handed to a person: queued or with an agent

    @property
    def text(self) -> str:
        return "\n".join(self.texts).lower()

    @classmethod
    def of_chat(cls, replies: Sequence[dict[str, Any]], status: str) -> BotTurn:
        quick = [q for reply in replies for q in reply.get("quick_replies") or ()]
        options = tuple(Option(q["title"], q["payload"], _intent_of_payload(q["payload"])) for q in quick)
        return cls(tuple(r["text"] for r in replies), options, status in ("queued", "agent"))

    @classmethod
    def of_sms(cls, texts: Sequence[str]) -> BotTurn:
        last_line = texts[-1].splitlines()[-1] if texts else ""
        found = _SMS_OPTIONS.findall(last_line.removeprefix("Reply ")) if last_line.startswith("Reply ") else []
        options = tuple(Option(title, digit, _titles().get(title)) for digit, title in found)
        return cls(tuple(texts), options, _queued(texts))


def _queued(texts: Sequence[str]) -> bool:
    """Told their place in the queue, and not yet asked for a rating (which the agent's goodbye carries)."""
    queued = [i for i, t in enumerate(texts) if "in the queue;" in t]
    rated = [i for i, t in enumerate(texts) if "how would you rate" in t]
    return bool(queued) and (not rated or rated[-1] < queued[-1])


def _intent_of_payload(payload: str) -> str | None:
    return payload[1:] if payload.startswith("/") else None


@cache
def _titles() -> dict[str, str]:
    """Button title -> intent, for SMS, where buttons arrive as 'Reply 1 for <title>'."""
    titles = {**load_catalogue().intent_titles, **CONFIRM_BUTTONS}
    return {title: intent for intent, title in titles.items()}


@dataclass(frozen=True)
class Goal:
    intent: str | None  # what they want: a flow's intent, a question, or one of the options of our message
    phrases: tuple[str, ...] = ()  # how they ask for it; none: they only pick it when offered
    first_yes: bool = True  # their answer to the first yes/no question
    wants_person: bool = False
    thanks: bool = True  # says thanks once served (and is then asked for a rating)
    rates: bool = True


@dataclass(frozen=True)
class Knowledge:
    """What the customer can tell the bot when asked."""

    phone: str  # E.164
    new_card: tuple[str, str] | None = None  # last four digits, expiry
    claim_id: str | None = None
    merchant: str | None = None  # of the payment they are asking about


@dataclass
class Progress:
    asked: bool = False  # said or picked what they want
    person: bool = False  # asked for a person
    handed_off: bool = False
    confirms: int = 0
    phrase: int = 0
    thanked: bool = False
    rated: bool = False


@dataclass(frozen=True)
class Move:
    text: str = ""
    code: bool = False  # send the one-time code just texted to the phone
    wait: bool = False  # wait for the agent
    done: bool = False  # leave the conversation


@dataclass
class Customer:
    """One scripted customer in one conversation."""

    goal: Goal
    knows: Knowledge
    rng: random.Random
    sms: bool  # types YES/NO where the chat has buttons
    progress: Progress = field(default_factory=Progress)

    def next_move(self, turn: BotTurn) -> Move:
        rules: tuple[Callable[[BotTurn], Move | None], ...] = (
            self._waiting, self._rating, self._verification, self._yes_no, self._wanted_option,
            self._not_understood, self._flow_question, self._choice,
        )  # fmt: skip
        for rule in rules:
            if (move := rule(turn)) is not None:
                return move
        return self._served()

    def _waiting(self, turn: BotTurn) -> Move | None:
        return Move(wait=True) if turn.waiting else None

    def _rating(self, turn: BotTurn) -> Move | None:
        if self.progress.rated:
            return Move(done=True)
        if "how would you rate" not in turn.text:
            return None
        self.progress.rated = True
        if not self.goal.rates:
            return Move(done=True)
        scores = RATING_AFTER_AGENT if self.progress.handed_off else RATING_AFTER_BOT
        return Move(text=str(pick(self.rng, scores)))

    def _verification(self, turn: BotTurn) -> Move | None:
        if "registered with us?" in turn.text or "type your mobile number" in turn.text:
            return Move(text="0" + self.knows.phone.removeprefix("+44"))
        if "6-digit code" in turn.text:
            return Move(code=True)
        return None

    def _yes_no(self, turn: BotTurn) -> Move | None:
        intents = {o.intent for o in turn.options}
        if not {"affirm", "deny"} <= intents:
            return None
        yes = self.goal.first_yes if self.progress.confirms == 0 else True
        self.progress.confirms += 1
        if self.sms:
            return Move(text="YES" if yes else "NO")
        return Move(text=next(o.send for o in turn.options if o.intent == ("affirm" if yes else "deny")))

    def _wanted_option(self, turn: BotTurn) -> Move | None:
        if self.progress.asked or self.goal.intent is None:
            return None
        chosen = next((o for o in turn.options if o.intent == self.goal.intent), None)
        if chosen is None:
            return None
        self.progress.asked = True
        return Move(text=chosen.send)

    def _not_understood(self, turn: BotTurn) -> Move | None:
        if "not sure i understood" not in turn.text and "still not understanding" not in turn.text:
            return None
        self.progress.phrase += 1
        if "still not understanding" in turn.text or self.progress.phrase >= len(self.goal.phrases):
            return self._ask_for_person(turn)
        return Move(text=self.goal.phrases[self.progress.phrase])

    def _flow_question(self, turn: BotTurn) -> Move | None:
        text, knows = turn.text, self.knows
        card = knows.new_card or ("0000", "01/30")
        answers = (
            ("last four digits", card[0]),
            ("expiry date", card[1]),
            ("claim number", knows.claim_id or "CLM-000000"),
            ("step 1 of 3", "Someone reversed into my car in a car park"),
            ("when did it happen", "yesterday"),
            ("roughly how much", "£850"),
            ("how much would you like to pay", "£50"),
            ("what happened? for example", "I didn't make this payment"),
        )
        return next((Move(text=answer) for question, answer in answers if question in text), None)

    def _choice(self, turn: BotTurn) -> Move | None:
        """One of their cards, accounts or payments: the payment they came about, else the first."""
        choices = [o for o in turn.options if o.intent is None and not o.title.isdigit()]
        if not choices:
            return None
        merchant = (self.knows.merchant or "\0").lower()
        return Move(text=next((o.send for o in choices if merchant in o.title.lower()), choices[0].send))

    def _served(self) -> Move:
        progress = self.progress
        if not progress.asked and self.goal.phrases:
            progress.asked = True
            return Move(text=self.goal.phrases[0])
        if self.goal.wants_person and not progress.person:
            return self._ask_for_person(None)
        if self.goal.thanks and not progress.thanked:
            progress.thanked = True
            return Move(text="thanks")
        return Move(done=True)

    def _ask_for_person(self, turn: BotTurn | None) -> Move:
        self.progress.person = True
        offered = next((o for o in turn.options if o.intent == "human_handoff"), None) if turn else None
        return Move(text=offered.send if offered else ASK_FOR_PERSON)
