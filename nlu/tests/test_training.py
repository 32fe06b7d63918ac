"""Training: intent names become examples (what lifts the 10-shot benchmark), and can be turned off."""

from __future__ import annotations

import json

import pytest

from bank_nlu.intent_model import IntentModel
from bank_nlu.training import TrainingConfig, label_phrase, train_intent_model


@pytest.mark.parametrize(
    ("intent", "phrase"),
    [
        ("lost_or_stolen_card", "lost or stolen card"),
        ("card-arrival", "card arrival"),
        ("checkBalance", "check balance"),
        ("faq/opening_hours", "faq opening hours"),
        ("greet", "greet"),
        ("__", ""),
    ],
)
def test_an_intent_name_reads_as_words(intent, phrase):
    assert label_phrase(intent) == phrase


# Neither intent's examples contain the words of its name.
TRAINING = {
    "zebra_crossing": ["where can I walk over the road", "is there a safe place to go to the other side", "road walk"],
    "weather_report": ["will it rain tomorrow", "is it sunny outside", "how hot will it be today"],
}


def _train(label_name_weight: float) -> tuple[IntentModel, dict]:
    texts = [text for examples in TRAINING.values() for text in examples]
    intents = [intent for intent, examples in TRAINING.items() for _ in examples]
    artifacts = train_intent_model(texts, intents, TrainingConfig(label_name_weight=label_name_weight))
    return IntentModel.load(artifacts.__getitem__), json.loads(artifacts["vocab_word.json"])


def test_intent_names_are_examples_of_their_intent():
    model, vocabulary = _train(label_name_weight=2.0)
    assert "zebra" in vocabulary
    assert model.rank("zebra crossing")[0][0] == "zebra_crossing"


def test_a_zero_weight_leaves_intent_names_out():
    _, vocabulary = _train(label_name_weight=0.0)
    assert "zebra" not in vocabulary
