"""The NLU Lambda: {"text": str} in, {"intent", "intent_ranking", "entities"} out.

The model is loaded once per container, at the first invocation. The shipped pipeline is served by
bank_nlu's Rasa-free runtime (a cold start pays for onnxruntime, not TensorFlow); a model with
other components falls back to Rasa's own Agent.
"""

from __future__ import annotations

import os
from functools import cache
from typing import Any, Protocol

MAX_TEXT_CHARS = 2000


class _Parser(Protocol):
    def parse(self, text: str) -> dict[str, Any]: ...


@cache
def _model() -> _Parser:
    from bank_nlu.model import NluModel, UnsupportedModel

    path = os.environ.get("NLU_MODEL_PATH", "models/nlu")
    try:
        return NluModel.load(path)
    except UnsupportedModel:
        from rasa_agent import RasaAgentParser

        return RasaAgentParser(path)


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    text = event.get("text") if isinstance(event, dict) else None
    if not isinstance(text, str):
        raise ValueError("The NLU function expects {'text': str}")
    return _model().parse(text[:MAX_TEXT_CHARS])
