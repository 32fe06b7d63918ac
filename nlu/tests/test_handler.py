import pytest


def test_the_handler_answers_intent_ranking_and_entities(handler_module):
    result = handler_module.handler({"text": "freeze my card ending 4242"}, None)
    assert result["intent"]["name"] == "freeze_card"
    assert 0.0 <= result["intent"]["confidence"] <= 1.0
    ranking = result["intent_ranking"]
    assert ranking[0] == result["intent"]
    assert len(ranking) <= 10
    assert [r["confidence"] for r in ranking] == sorted((r["confidence"] for r in ranking), reverse=True)
    assert sum(r["confidence"] for r in ranking) <= 1.0 + 1e-6
    assert {"entity": "card_last_four", "value": "4242", "start": 22, "end": 26, "confidence": None} in result["entities"]


@pytest.mark.parametrize("event", [{}, {"text": 5}, {"message": "hi"}, ["hi"]])
def test_the_handler_refuses_events_without_text(handler_module, event):
    with pytest.raises(ValueError, match="expects"):
        handler_module.handler(event, None)


@pytest.mark.parametrize("text", ["", " ", "🙂🙂🙂", "a" * 50_000, "我的卡丢了", "\x00\x01", "[card ending 4242]"])
def test_any_text_gets_a_well_formed_answer(handler_module, text):
    result = handler_module.handler({"text": text}, None)
    assert result["intent"]["name"]
    assert isinstance(result["entities"], list)


@pytest.mark.parametrize("text", ["", "   ", "\n\t"])
def test_a_blank_message_gets_no_intent_rather_than_a_guess(handler_module, text):
    result = handler_module.handler({"text": text}, None)
    assert result["intent"] == {"name": "nlu_fallback", "confidence": 0.0}
    assert result["intent_ranking"] == []
