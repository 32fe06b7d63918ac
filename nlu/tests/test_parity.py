"""Rasa's own pipeline and the Rasa-free runtime give the same answers from the same model."""

import asyncio
import logging

import pytest

from conftest import MODEL_DIR

pytestmark = pytest.mark.slow

MESSAGES = [
    "i lost my card ending 4242",
    "whats my blance in savings",
    "I want to dispute the Amazon charge of £45.99 from yesterday",
    "status of claim CLM-204518",
    "why was my card declined at the hotel",
    "are you a robot",
    "can I speak to a real person",
    "this is the worst service ever",
]


def test_rasa_and_the_runtime_agree_on_intents_confidences_and_entities(model):
    from rasa.core.agent import Agent

    logging.getLogger("rasa").setLevel(logging.WARNING)
    agent = Agent.load(str(MODEL_DIR) + ".tar.gz")
    for text in MESSAGES:
        ours = model.parse(text)
        theirs = asyncio.run(agent.parse_message(text))
        assert ours["intent"]["name"] == theirs["intent"]["name"], text
        assert ours["intent"]["confidence"] == pytest.approx(theirs["intent"]["confidence"], abs=1e-5), text
        assert {(e["entity"], e["value"]) for e in ours["entities"]} == {
            (e["entity"], e["value"]) for e in theirs["entities"]
        }, text
