"""The first bot turn for an identified customer: the likely reason for contact, offered before they type.

The trained predictor (core.prediction) ranks reasons from the customer's recent events and past contacts;
the top one or two, when likely enough, become the opening question with their facts and buttons that go
straight into the right flow. What was offered, and what the customer then wanted, is kept on the
conversation so prediction accuracy is measured live.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from pydantic import BaseModel, Field

from core.flows import Flow
from core.models import Channel, ConversationSummary, Customer, QuickReply, Reply
from core.prediction import ContactHistory, ContactReason, CustomerEvent, PastContact, PredictorModel, describe

SOMETHING_ELSE = QuickReply(title="Something else", payload="/something_else")


class Timeline(Protocol):
    def recent(self, customer_id: str, limit: int = 20) -> list[CustomerEvent]: ...


class PredictionRecord(BaseModel):
    offered: list[str]  # reasons, most likely first
    probabilities: list[float]
    evidence: list[str] = Field(default_factory=list)  # the question asked, with its facts
    made_at: datetime
    confirmed: str | None = None  # the reason the customer then pursued ("other" if none of ours)


@dataclass
class ReasonOffers:
    timeline: Timeline
    model: PredictorModel
    flows: dict[str, Flow]
    titles: dict[str, str]  # intent -> button title
    min_probability: float = 0.3
    second_within: float = 0.5  # offer the runner-up too when it is at least this share of the top one

    def first_turn(
        self, customer: Customer, channel: Channel, recent: list[ConversationSummary], now: datetime
    ) -> tuple[Reply, PredictionRecord] | None:
        events = self.timeline.recent(customer.customer_id)
        if not events:
            return None
        history = ContactHistory(contacts=_past_contacts(recent), channel=channel, now=now)
        ranked = [p for p in self.model.rank(events, history) if p.reason.value in self.flows][:2]
        if not ranked or ranked[0].probability < self.min_probability:
            return None
        offered = [ranked[0]]
        if len(ranked) > 1 and ranked[1].probability >= self.second_within * ranked[0].probability:
            offered.append(ranked[1])
        question = describe(offered[0])
        buttons = [QuickReply(title="Yes, that's it", payload=self._payload(offered[0].reason))]
        buttons += [QuickReply(title=self._title(p.reason), payload=self._payload(p.reason)) for p in offered[1:]]
        reply = Reply(text=f"Hello. {question}", quick_replies=(*buttons, SOMETHING_ELSE))
        record = PredictionRecord(
            offered=[p.reason.value for p in offered],
            probabilities=[round(p.probability, 4) for p in offered],
            evidence=[question],
            made_at=now,
        )
        return reply, record

    def _payload(self, reason: ContactReason) -> str:
        return f"/{self.flows[reason.value].intents[0]}"

    def _title(self, reason: ContactReason) -> str:
        intent = self.flows[reason.value].intents[0]
        return self.titles.get(intent, self.flows[reason.value].description)


def _past_contacts(recent: list[ConversationSummary]) -> tuple[PastContact, ...]:
    reasons = {r.value for r in ContactReason}
    return tuple(PastContact(reason=ContactReason(c.reason), at=c.created_at) for c in recent if c.reason in reasons)
