"""Decides the bot's replies to one understood customer message.

This first version answers greetings, small talk and FAQs from the response catalogue and falls
back honestly; the flow engine (self-service flows) plugs in here.
"""

from __future__ import annotations

from pydantic import BaseModel, Field

from core.models import DialogueState, IntentScore, NluResult, QuickReply, Reply


class ResponseCatalogue(BaseModel):
    """The texts bot designers edit in flows/responses.yml."""

    welcome: tuple[Reply, ...]
    responses: dict[str, tuple[Reply, ...]]
    fallback: Reply
    fallback_rephrase: Reply
    fallback_offer_human: Reply
    nlu_unavailable: Reply
    not_yet_supported: Reply
    verification_needed: str
    handoff_frustrated: str = "I'm sorry this has been frustrating. I'm bringing in a colleague now."
    handoff_nlu_down: str = "I can't understand messages at the moment, so I'm passing you to a colleague."
    handoff_backend_down: str = "I can't reach our systems right now, so I'm passing you to a colleague."
    intent_titles: dict[str, str] = Field(default_factory=dict)


class DialoguePolicy(BaseModel):
    """Thresholds from the NLU calibration figures; configuration, not code."""

    confidence_threshold: float = 0.5
    max_low_confidence_turns: int = 2
    max_nlu_failures: int = 2  # messages in a row the NLU could not answer before a person takes over


def respond(
    nlu: NluResult | None,
    state: DialogueState,
    catalogue: ResponseCatalogue,
    policy: DialoguePolicy,
) -> tuple[tuple[Reply, ...], DialogueState]:
    """Return the replies to send and the dialogue state after this turn."""
    turns = state.turns + 1
    if nlu is None:
        return (catalogue.nlu_unavailable,), state.model_copy(update={"turns": turns})
    if nlu.intent.confidence < policy.confidence_threshold:
        return _low_confidence(nlu, state, catalogue, policy, turns)
    replies = catalogue.responses.get(nlu.intent.name) or (catalogue.not_yet_supported,)
    new_state = state.model_copy(update={"last_intent": nlu.intent.name, "low_confidence_streak": 0, "turns": turns})
    return replies, new_state


def _low_confidence(
    nlu: NluResult,
    state: DialogueState,
    catalogue: ResponseCatalogue,
    policy: DialoguePolicy,
    turns: int,
) -> tuple[tuple[Reply, ...], DialogueState]:
    streak = state.low_confidence_streak + 1
    new_state = state.model_copy(update={"low_confidence_streak": streak, "turns": turns})
    if streak >= policy.max_low_confidence_turns:
        return (catalogue.fallback_offer_human,), new_state
    suggestions = _did_you_mean(nlu.intent_ranking, catalogue)
    if not suggestions:
        return (catalogue.fallback_rephrase,), new_state
    return (catalogue.fallback.model_copy(update={"quick_replies": suggestions}),), new_state


def _did_you_mean(ranking: tuple[IntentScore, ...], catalogue: ResponseCatalogue) -> tuple[QuickReply, ...]:
    titled = [score.name for score in ranking if score.name in catalogue.intent_titles]
    return tuple(QuickReply(title=catalogue.intent_titles[name], payload=f"/{name}") for name in titled[:2])
