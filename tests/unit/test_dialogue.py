from bootstrap import load_catalogue
from core.dialogue import DialoguePolicy, respond
from core.models import DialogueState, IntentScore, NluResult

CATALOGUE = load_catalogue()
POLICY = DialoguePolicy(confidence_threshold=0.5, max_low_confidence_turns=2)


def _nlu(name: str, confidence: float, *ranking: tuple[str, float]) -> NluResult:
    return NluResult(
        intent=IntentScore(name=name, confidence=confidence),
        intent_ranking=tuple(IntentScore(name=n, confidence=c) for n, c in ranking),
    )


def test_a_confident_faq_intent_is_answered_from_the_catalogue():
    replies, state = respond(_nlu("branch_hours", 0.9), DialogueState(), CATALOGUE, POLICY)
    assert replies == CATALOGUE.responses["branch_hours"]
    assert state.last_intent == "branch_hours"


def test_low_confidence_asks_did_you_mean_with_the_top_two_intents():
    nlu = _nlu("card_bill", 0.3, ("card_bill", 0.3), ("payment_due", 0.25), ("fees", 0.2))
    replies, state = respond(nlu, DialogueState(), CATALOGUE, POLICY)
    assert [q.payload for q in replies[0].quick_replies] == ["/card_bill", "/payment_due"]
    assert state.low_confidence_streak == 1


def test_a_second_miss_in_a_row_offers_a_human():
    nlu = _nlu("card_bill", 0.3, ("card_bill", 0.3))
    replies, _ = respond(nlu, DialogueState(low_confidence_streak=1), CATALOGUE, POLICY)
    assert replies == (CATALOGUE.fallback_offer_human,)
    assert "/human_handoff" in [q.payload for q in replies[0].quick_replies]


def test_an_understood_message_resets_the_miss_streak():
    _, state = respond(_nlu("greet", 0.9), DialogueState(low_confidence_streak=1), CATALOGUE, POLICY)
    assert state.low_confidence_streak == 0


def test_no_nlu_answer_gives_an_honest_message():
    replies, _ = respond(None, DialogueState(), CATALOGUE, POLICY)
    assert replies == (CATALOGUE.nlu_unavailable,)


def test_low_confidence_with_no_task_to_suggest_asks_to_rephrase():
    nlu = _nlu("inform", 0.3, ("inform", 0.3), ("affirm", 0.2))
    replies, _ = respond(nlu, DialogueState(), CATALOGUE, POLICY)
    assert replies == (CATALOGUE.fallback_rephrase,)
