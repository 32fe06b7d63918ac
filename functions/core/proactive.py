"""Proactive service: contacting a customer first when an event warrants it.

Rules are data (functions/proactive/rules.yml, schema in docs/proactive.md): an event kind, conditions on
the event and the customer's accounts, and the flow the outreach opens. The flow's first steps are the
message, so the customer's reply ("YES", "2") simply continues that flow, on any channel.

Guarantees: at most one outreach per event and rule (a conditional write); at most `daily_limit` a day per
customer, except rules marked `always` (security alerts); SMS never goes to an opted-out number (the
customer finds it in the app instead) and waits for the end of quiet hours unless the rule says `send`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Literal, Protocol
from zoneinfo import ZoneInfo

import yaml
from pydantic import BaseModel, Field, ValidationError, field_validator, model_validator

from core.banking import AccountKind, BankingBackend, CustomerProfile, Money
from core.models import Channel, Frozen
from core.prediction import CustomerEvent, EventKind

if TYPE_CHECKING:
    from pathlib import Path


class ProactiveError(ValueError):
    """A rules file that cannot be used; the message names the rule and the problem."""


Condition = Callable[[Any, CustomerEvent, BankingBackend, datetime], bool]


def _abroad(wanted: bool, event: CustomerEvent, bank: BankingBackend, now: datetime) -> bool:
    profile = bank.customer(event.customer_id)
    home = {"GBP": "GB", "EUR": "IE", "USD": "US"}.get(profile.home_currency if profile else "GBP", "GB")
    return (event.details.get("country", home) != home) == wanted


def _due_within_hours(hours: float, event: CustomerEvent, bank: BankingBackend, now: datetime) -> bool:
    due = event.details.get("due_date")
    if not due:
        return False
    due_end = datetime.combine(datetime.fromisoformat(due).date(), time(23, 59), tzinfo=UTC)
    return timedelta(0) <= due_end - now <= timedelta(hours=hours)


def _funds_short(wanted: bool, event: CustomerEvent, bank: BankingBackend, now: datetime) -> bool:
    if event.amount is None:
        return False
    available = sum((a.available.amount for a in _paying_accounts(bank, event.customer_id)), Decimal(0))
    return (available < event.amount) == wanted


CONDITIONS: dict[str, Condition] = {
    "abroad": _abroad,
    "due_within_hours": _due_within_hours,
    "funds_short": _funds_short,
}


def _paying_accounts(bank: BankingBackend, customer_id: str) -> list[Any]:
    return [a for a in bank.accounts(customer_id) if a.kind in (AccountKind.CHECKING, AccountKind.BUSINESS)]


class ProactiveRule(BaseModel):
    name: str
    event: EventKind
    when: dict[str, Any] = Field(default_factory=dict)  # condition -> argument, all must hold
    flow: str  # the flow the outreach opens; its first steps say why we are in touch
    within_hours: float = Field(default=24, gt=0)  # older events are history, not news
    quiet_hours: Literal["wait", "send"] = "wait"
    always: bool = False  # not counted against the daily limit (security alerts)

    @field_validator("when")
    @classmethod
    def _known_conditions(cls, when: dict[str, Any]) -> dict[str, Any]:
        unknown = sorted(set(when) - set(CONDITIONS))
        if unknown:
            raise ValueError(f"unknown condition {unknown[0]!r}; known: {sorted(CONDITIONS)}")
        return when

    def applies(self, event: CustomerEvent, bank: BankingBackend, now: datetime) -> bool:
        fresh = now - event.at <= timedelta(hours=self.within_hours)
        return (
            event.kind is self.event
            and fresh
            and all(CONDITIONS[c](arg, event, bank, now) for c, arg in self.when.items())
        )


class QuietHours(Frozen):
    """When no text goes out unless it must: by default 21:00 to 08:00 UK time."""

    start: time = time(21, 0)
    end: time = time(8, 0)
    timezone: str = "Europe/London"

    @model_validator(mode="after")
    def _known_zone(self) -> QuietHours:
        ZoneInfo(self.timezone)
        return self

    def until(self, now: datetime) -> datetime | None:
        """The end of the quiet period `now` falls in, or None outside it."""
        local = now.astimezone(ZoneInfo(self.timezone))
        clock = local.time()
        inside = clock >= self.start or clock < self.end if self.start > self.end else self.start <= clock < self.end
        if not inside:
            return None
        end_day = local.date() + timedelta(days=1) if clock >= self.end and self.start > self.end else local.date()
        return datetime.combine(end_day, self.end, tzinfo=ZoneInfo(self.timezone)).astimezone(UTC)


class Outreach(BaseModel):
    outreach_id: str  # <rule>:<event id>: one per event and rule
    rule: str
    customer_id: str
    channel: Channel
    event: CustomerEvent
    created_at: datetime
    status: Literal["sent", "deferred", "waiting_in_app", "delivered_in_app", "not_sent"] = "sent"
    send_after: datetime | None = None
    conversation_id: str | None = None
    note: str | None = None  # why it was not sent


class OutreachLedger(Protocol):
    def reserve(self, outreach: Outreach, daily_limit: int | None) -> bool:
        """Record the outreach once; False if this event was already acted on or the day's limit is reached."""
        ...

    def update(self, outreach: Outreach) -> None: ...

    def due(self, now: datetime, limit: int) -> list[Outreach]:
        """Deferred outreach whose quiet hours are over."""
        ...

    def waiting_in_app(self, customer_id: str) -> list[Outreach]: ...


class OutreachStarter(Protocol):
    """Opens the rule's flow in a new conversation the system starts (core.conversation.Conversations)."""

    def start_outreach(self, outreach: Outreach, flow: str, slots: dict[str, Any], profile: CustomerProfile) -> str:
        """Returns the conversation id; SMS outreach is texted by the implementation."""
        ...


class ConsentCheck(Protocol):
    def sms_allowed(self, phone: str) -> bool: ...


def load_rules(path: Path) -> dict[str, ProactiveRule]:
    raw = yaml.safe_load(path.read_text()) or {}
    rules: dict[str, ProactiveRule] = {}
    for name, body in (raw.get("rules") or {}).items():
        try:
            rules[name] = ProactiveRule.model_validate({"name": name, **body})
        except (ValidationError, TypeError) as error:
            raise ProactiveError(f"{path.name}: rule {name!r}: {error}") from error
    return rules


def event_slots(event: CustomerEvent, bank: BankingBackend) -> dict[str, Any]:
    """What the flows' texts can say about the event: amount, merchant, card, due date, funds."""
    slots: dict[str, Any] = {"merchant": event.merchant or "", **event.details}
    if event.amount is not None:
        money = Money(amount=event.amount, currency=event.currency or "GBP")
        slots["amount"] = {"amount": str(event.amount), "currency": money.currency, "display": str(money)}
    last4 = event.details.get("card_last4")
    card = next((c for c in bank.cards(event.customer_id) if c.last4 == last4), None) if last4 else None
    if card:
        slots["card"] = {"card_id": card.card_id, "last4": card.last4, "kind": card.kind, "status": card.status.value}
    if due := event.details.get("due_date"):
        slots["due"] = datetime.fromisoformat(due).strftime("%A %-d %B")
    accounts = _paying_accounts(bank, event.customer_id)
    total = sum((a.available.amount for a in accounts), Decimal(0))  # no current account: nothing to pay from
    currency = accounts[0].available.currency if accounts else event.currency or "GBP"
    slots["funds"] = {"display": str(Money(amount=total, currency=currency))}
    return slots


@dataclass
class ProactiveService:
    rules: dict[str, ProactiveRule]
    bank: BankingBackend
    ledger: OutreachLedger
    starter: OutreachStarter
    consent: ConsentCheck
    quiet: QuietHours
    daily_limit: int = 2
    clock: Callable[[], datetime] = lambda: datetime.now(UTC)

    def consider(self, event: CustomerEvent) -> list[Outreach]:
        """The outreach this event causes (none, usually), each recorded once and sent, deferred or held."""
        now = self.clock()
        profile = self.bank.customer(event.customer_id)
        if profile is None:
            return []
        done = []
        for rule in self.rules.values():
            if rule.applies(event, self.bank, now):
                outreach = self._plan(rule, event, profile, now)
                if self.ledger.reserve(outreach, None if rule.always else self.daily_limit):
                    done.append(self._act(outreach, rule, profile))
        return done

    def send_due(self, limit: int = 50) -> int:
        """Deferred texts whose quiet hours ended (run on a schedule)."""
        sent = 0
        for outreach in self.ledger.due(self.clock(), limit):
            profile = self.bank.customer(outreach.customer_id)
            rule = self.rules.get(outreach.rule)
            if not (profile and rule):
                continue
            if self.consent.sms_allowed(profile.phone):
                self._act(outreach.model_copy(update={"status": "sent"}), rule, profile)
                sent += 1
            else:  # they texted STOP overnight: the app has it instead
                self.ledger.update(outreach.model_copy(update={"status": "waiting_in_app", "channel": Channel.APP}))
        return sent

    def _plan(self, rule: ProactiveRule, event: CustomerEvent, profile: CustomerProfile, now: datetime) -> Outreach:
        outreach = Outreach(
            outreach_id=f"{rule.name}:{event.event_id}", rule=rule.name, customer_id=profile.customer_id,
            channel=Channel(profile.contact_channel), event=event, created_at=now,
        )  # fmt: skip
        if outreach.channel is not Channel.SMS:
            return outreach.model_copy(update={"status": "waiting_in_app"})
        if not self.consent.sms_allowed(profile.phone):  # opted out by STOP: they find it in the app instead
            return outreach.model_copy(
                update={"channel": Channel.APP, "status": "waiting_in_app", "note": "sms opted out"}
            )
        quiet_until = self.quiet.until(now) if rule.quiet_hours == "wait" else None
        if quiet_until:
            return outreach.model_copy(update={"status": "deferred", "send_after": quiet_until})
        return outreach

    def _act(self, outreach: Outreach, rule: ProactiveRule, profile: CustomerProfile) -> Outreach:
        if outreach.status == "sent":
            slots = event_slots(outreach.event, self.bank)
            conversation_id = self.starter.start_outreach(outreach, rule.flow, slots, profile)
            outreach = outreach.model_copy(update={"conversation_id": conversation_id})
            self.ledger.update(outreach)
        return outreach

    # --- the in-app feed: what the customer's next app (or recognised web) conversation opens with ---
    def next_for(self, customer_id: str) -> tuple[Outreach, str, dict[str, Any]] | None:
        """The newest outreach still waiting in the app and still news: (outreach, flow, slots)."""
        for outreach in self.ledger.waiting_in_app(customer_id):
            rule = self.rules.get(outreach.rule)
            if rule and self.clock() - outreach.event.at <= timedelta(hours=rule.within_hours):
                return outreach, rule.flow, event_slots(outreach.event, self.bank)
        return None

    def delivered(self, outreach: Outreach, conversation_id: str) -> None:
        self.ledger.update(
            outreach.model_copy(update={"status": "delivered_in_app", "conversation_id": conversation_id})
        )
