"""The NLU Lambda: {"text": str} in, {"intent", "intent_ranking", "entities"} out.

The trained model is loaded once per container, on the first invocation's cold start.
"""

from __future__ import annotations

import asyncio
import os
from functools import lru_cache
from typing import Any

MAX_TEXT_CHARS = 2000
RANKING_SIZE = 10


@lru_cache(maxsize=1)
def _agent() -> Any:
    import logging

    import structlog
    from rasa.core.agent import Agent

    # Rasa's debug events echo the message text; customer text must never reach the logs.
    structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(logging.WARNING))
    logging.getLogger("rasa").setLevel(logging.WARNING)
    return Agent.load(os.environ.get("NLU_MODEL_PATH", "models/nlu.tar.gz"))


@lru_cache(maxsize=1)
def _loop() -> asyncio.AbstractEventLoop:
    return asyncio.new_event_loop()


def parse(text: str) -> dict[str, Any]:
    result = _loop().run_until_complete(_agent().parse_message(text[:MAX_TEXT_CHARS]))
    intent = result.get("intent") or {"name": "nlu_fallback", "confidence": 0.0}
    return {
        "intent": {"name": intent["name"], "confidence": float(intent["confidence"])},
        "intent_ranking": [
            {"name": i["name"], "confidence": float(i["confidence"])}
            for i in result.get("intent_ranking", [])[:RANKING_SIZE]
        ],
        "entities": [
            {
                "entity": e["entity"],
                "value": str(e["value"]),
                "start": e.get("start"),
                "end": e.get("end"),
                "confidence": e.get("confidence_entity"),
            }
            for e in result.get("entities", [])
        ],
    }


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    text = event.get("text") if isinstance(event, dict) else None
    if not isinstance(text, str):
        raise ValueError("The NLU function expects {'text': str}")
    return parse(text)
