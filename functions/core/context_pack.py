"""The context pack: everything an agent needs to take over without asking the customer to repeat anything.

Built when an agent opens a handoff, from the stored (already redacted) transcript, the handoff's
snapshot, the customer's profile and recent conversations, and the customer's own banking data for
the suggested replies. Every text goes through redaction once more on the way out: the pack never
carries an unmasked card number, even if a bug let one into storage.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, Literal

from pydantic import Field

from core.banking import BankingBackend, BankingError, CardStatus, TransactionStatus
from core.handoff import Handoff, HandoffReason
from core.models import ConversationSummary, Frozen, Role
from core.ports import ConversationStore
from core.redaction import redact_pii
from core.sentiment import FrustrationPolicy, frustration_rising

if TYPE_CHECKING:
    from core.banking import CustomerProfile
    from core.models import Message

MAX_TRANSCRIPT = 200
# Small talk and answers say nothing about what the customer wants, so the summary skips them.
_CHAT = frozenset({"greet", "goodbye", "thanks", "affirm", "deny", "inform", "human_handoff", "bot_challenge"})


class PackMessage(Frozen):
    seq: int
    role: Role
    text: str
    created_at: datetime
    author: str | None = None


class IntentStep(Frozen):
    seq: int
    intent: str
    confidence: float


class SentimentPoint(Frozen):
    seq: int
    score: float


class CustomerCard(Frozen):
    customer_id: str
    name: str
    segments: tuple[str, ...]
    vip: bool
    vulnerable: bool
    verification: str
    phone_ending: str


class Suggestion(Frozen):
    kind: Literal["reply", "action"]
    title: str
    text: str


class ContextPack(Frozen):
    handoff: Handoff
    summary: str
    transcript: tuple[PackMessage, ...]
    intents: tuple[IntentStep, ...]
    sentiment: tuple[SentimentPoint, ...]
    frustrated: bool
    flow: str | None
    slots: dict[str, Any] = Field(default_factory=dict)
    customer: CustomerCard | None
    recent_conversations: tuple[ConversationSummary, ...]
    evidence: tuple[str, ...]
    suggestions: tuple[Suggestion, ...]


_REASON_TEXT = {
    HandoffReason.CUSTOMER_ASKED: "asked for a person",
    HandoffReason.LOW_CONFIDENCE: "was not understood twice and asked for a person",
    HandoffReason.FLOW_GAVE_UP: "could not finish the task with the bot",
    HandoffReason.NEGATIVE_SENTIMENT: "is getting frustrated",
    HandoffReason.COMPLAINT: "wants to complain",
    HandoffReason.SENSITIVE_CHANGE: "wants to change contact details (agent-only)",
    HandoffReason.BUSINESS_RULE: "needs a decision above the bot's limits",
    HandoffReason.NLU_UNAVAILABLE: "could not be understood (NLU down)",
    HandoffReason.BACKEND_UNAVAILABLE: "could not be served (banking systems down)",
}


@dataclass
class ContextPackBuilder:
    conversations: ConversationStore
    bank: BankingBackend
    flow_titles: dict[str, str]  # flow name -> description, for the summary
    frustration: FrustrationPolicy = FrustrationPolicy()

    def build(self, handoff: Handoff, agent_name: str) -> ContextPack:
        messages = self.conversations.list_messages(handoff.conversation_id, 0, MAX_TRANSCRIPT)
        profile = self.bank.customer(handoff.customer_id) if handoff.customer_id else None
        recent = (
            [c for c in self.conversations.recent_for_customer(handoff.customer_id, 6)] if handoff.customer_id else []
        )
        customers = [m for m in messages if m.role is Role.CUSTOMER]
        sentiment = tuple(SentimentPoint(seq=m.seq, score=m.sentiment) for m in customers if m.sentiment is not None)
        evidence, suggestions = self._advice(handoff, profile, agent_name)
        pack = ContextPack(
            handoff=handoff,
            summary=self._summary(handoff, profile, customers),
            transcript=tuple(_pack_message(m) for m in messages),
            intents=tuple(
                IntentStep(seq=m.seq, intent=m.intent.name, confidence=round(m.intent.confidence, 3))
                for m in customers
                if m.intent
            ),
            sentiment=sentiment,
            frustrated=frustration_rising([p.score for p in sentiment], self.frustration),
            flow=handoff.context.flow,
            slots=_redacted(handoff.context.slots),
            customer=_card(profile, handoff.context.auth_level) if profile else None,
            recent_conversations=tuple(c for c in recent if c.conversation_id != handoff.conversation_id)[:5],
            evidence=tuple(redact_pii(e) for e in (*handoff.context.prediction_evidence, *evidence)),
            suggestions=tuple(s.model_copy(update={"text": redact_pii(s.text)}) for s in suggestions),
        )
        return pack

    def _summary(self, handoff: Handoff, profile: CustomerProfile | None, customers: list[Message]) -> str:
        who = (
            f"{profile.name} ({handoff.context.auth_level}, {handoff.channel})"
            if profile
            else (f"An unidentified customer ({handoff.channel})")
        )
        task = self.flow_titles.get(handoff.context.flow or "", "")
        doing = f" while {task.lower()}" if task else ""
        last = next((m.intent.name for m in reversed(customers) if m.intent and m.intent.name not in _CHAT), None)
        tail = f" Last request understood: {last.replace('_', ' ')}." if last else ""
        flags = " Vulnerable customer: take extra care." if handoff.context.vulnerable else ""
        predicted = handoff.context.predicted_reason
        guess = f" Predicted reason: {predicted.replace('_', ' ')}." if predicted and predicted != "other" else ""
        return redact_pii(f"{who} {_REASON_TEXT[handoff.reason]}{doing}.{tail}{guess}{flags}")

    def _advice(
        self, handoff: Handoff, profile: CustomerProfile | None, agent_name: str
    ) -> tuple[list[str], list[Suggestion]]:
        first = profile.name.split()[0] if profile else "there"
        opener = Suggestion(
            kind="reply",
            title="Introduce yourself",
            text=f"Hi {first}, I'm {agent_name.split()[0]}. I've read your conversation with our assistant, "
            "so there's no need to repeat anything. Let me help with this.",
        )
        if not handoff.customer_id:
            verify = Suggestion(kind="action", title="Verify identity", text="Ask the customer to verify before "
                                "discussing their accounts (one-time code to the registered phone).")  # fmt: skip
            return [], [opener, verify]
        try:
            evidence, extra = self._topic_advice(handoff, handoff.customer_id)
        except BankingError:
            evidence, extra = ["The banking backend could not be read just now."], []
        if handoff.reason in (HandoffReason.COMPLAINT, HandoffReason.NEGATIVE_SENTIMENT):
            extra.insert(0, Suggestion(kind="reply", title="Acknowledge", text=(
                f"I'm sorry, {first}, this hasn't been good enough. I'm taking ownership of this now.")))  # fmt: skip
            extra.append(Suggestion(kind="action", title="Log a complaint", text="Record a formal complaint "
                                    "with the customer's words; the 8-week complaint clock starts today."))  # fmt: skip
        return evidence, [opener, *extra]

    def _topic_advice(self, handoff: Handoff, customer_id: str) -> tuple[list[str], list[Suggestion]]:
        flow = handoff.context.flow or ""
        if flow in ("card_declined", "foreign_fees") or handoff.skill == "cards":
            return self._card_advice(customer_id)
        if flow == "dispute_transaction" or handoff.skill == "payments_disputes":
            return self._payment_advice(customer_id)
        if handoff.skill == "insurance_claims":
            policies = self.bank.policies(customer_id)
            evidence = [f"Policy {p.policy_id} ({p.kind}): {p.cover_summary}" for p in policies]
            return evidence, [Suggestion(kind="action", title="Check the claim", text="Open the claim from the "
                                         "policy and give the customer its next step and a date.")]  # fmt: skip
        if handoff.skill == "loans":
            loans = self.bank.loans(customer_id)
            evidence = [f"{loan.name}: {loan.outstanding} outstanding, next {loan.next_repayment} on "
                        f"{loan.next_repayment_date:%d %b}" for loan in loans]  # fmt: skip
            return evidence, [Suggestion(kind="reply", title="Repayment facts", text=evidence[0])] if evidence else []
        return [], []

    def _card_advice(self, customer_id: str) -> tuple[list[str], list[Suggestion]]:
        cards = self.bank.cards(customer_id)
        evidence = [f"Card ending {c.last4} ({c.kind}): {c.status.value}" for c in cards]
        suggestions: list[Suggestion] = []
        declined = next(
            (t for t in self.bank.transactions(customer_id, 20) if t.status is TransactionStatus.DECLINED), None
        )
        if declined:
            evidence.insert(0, f"Declined {declined.at:%d %b %H:%M}: {declined.amount} at {declined.merchant} "
                            f"({declined.country}), reason: {declined.decline_reason or 'not given'}")  # fmt: skip
            suggestions.append(Suggestion(kind="reply", title="Explain the decline", text=(
                f"I can see the payment of {declined.amount} at {declined.merchant} was declined: "
                f"{declined.decline_reason or 'no reason recorded'}. Let me sort that out for you.")))  # fmt: skip
        if any(c.status is CardStatus.FROZEN for c in cards):
            suggestions.append(Suggestion(kind="action", title="Unfreeze the card", text="A card is frozen: "
                                          "unfreeze it once the customer confirms they have it."))  # fmt: skip
        suggestions.append(Suggestion(kind="action", title="Replace the card", text="If the card is lost, "
                                      "damaged or compromised: block it and order a replacement."))  # fmt: skip
        return evidence, suggestions

    def _payment_advice(self, customer_id: str) -> tuple[list[str], list[Suggestion]]:
        recent = self.bank.transactions(customer_id, 5)
        evidence = [f"{t.at:%d %b} {t.merchant} {t.amount} ({t.status.value})" for t in recent]
        dispute = Suggestion(kind="action", title="Open a dispute", text="Confirm the transaction and the reason, "
                             "open the dispute, and give the customer the case number.")  # fmt: skip
        return evidence, [dispute]


def _pack_message(message: Message) -> PackMessage:
    return PackMessage(
        seq=message.seq,
        role=message.role,
        text=redact_pii(message.text),
        created_at=message.created_at,
        author=message.author,
    )


def _card(profile: CustomerProfile, verification: str) -> CustomerCard:
    return CustomerCard(
        customer_id=profile.customer_id,
        name=profile.name,
        segments=tuple(s.value for s in profile.segments),
        vip=profile.vip,
        vulnerable=profile.vulnerable,
        verification=verification,
        phone_ending=profile.phone[-4:],
    )


def _redacted(value: Any) -> Any:
    if isinstance(value, str):
        return redact_pii(value)
    if isinstance(value, dict):
        return {k: _redacted(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_redacted(v) for v in value]
    return value
