"""Rasa's own Agent, for models whose pipeline the Rasa-free runtime does not cover (slow cold start)."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

RANKING_SIZE = 10


class RasaAgentParser:
    def __init__(self, model_path: str) -> None:
        import structlog
        from rasa.core.agent import Agent

        # Rasa's debug events echo the message text; customer text must never reach the logs.
        structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(logging.WARNING))
        logging.getLogger("rasa").setLevel(logging.WARNING)
        archive = model_path if model_path.endswith(".tar.gz") else model_path.rstrip("/") + ".tar.gz"
        self._agent = Agent.load(archive)
        self._loop = asyncio.new_event_loop()

    def parse(self, text: str) -> dict[str, Any]:
        result = self._loop.run_until_complete(self._agent.parse_message(text))
        intent = result.get("intent") or {"name": "nlu_fallback", "confidence": 0.0}
        return {
            "intent": {"name": intent["name"], "confidence": float(intent["confidence"])},
            "intent_ranking": [
                {"name": i["name"], "confidence": float(i["confidence"])}
                for i in result.get("intent_ranking", [])[:RANKING_SIZE]
            ],
            "entities": [
                {"entity": e["entity"], "value": str(e["value"]), "start": e.get("start"), "end": e.get("end"),
                 "confidence": e.get("confidence_entity")}
                for e in result.get("entities", [])
            ],
        }
