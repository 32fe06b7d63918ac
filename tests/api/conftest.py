"""API tests post the JSON events in events/ through the real handlers, against moto and a fake NLU."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest

from local.functions import LambdaContext
from local.template import ROOT

EVENTS = ROOT / "events"
SAMPLE_CONVERSATION_ID = "3f0c6a52-4d1e-4c8a-9a57-2f9b1d6e8c10"
SAMPLE_HANDOFF_ID = "5b7e2d1c-8f3a-4e6b-9c2d-1a0f3e4d5c6b"


@dataclass
class ApiResponse:
    status: int
    body: dict[str, Any]


def load_event(
    name: str, conversation_id: str | None = None, authorization: str | None = None, handoff_id: str | None = None
) -> dict[str, Any]:
    event = json.loads((EVENTS / f"{name}.json").read_text())
    if conversation_id:
        event = json.loads(json.dumps(event).replace(SAMPLE_CONVERSATION_ID, conversation_id))
    if handoff_id:
        event = json.loads(json.dumps(event).replace(SAMPLE_HANDOFF_ID, handoff_id))
    if authorization is not None:
        event["headers"]["authorization"] = authorization
    return event


@pytest.fixture
def chat_api(function_environment: dict[str, str]) -> Callable[[dict[str, Any]], ApiResponse]:
    from bootstrap import get_settings
    from handlers import chat_api

    get_settings.cache_clear()
    chat_api.dependencies.cache_clear()

    def invoke(event: dict[str, Any]) -> ApiResponse:
        result = chat_api.handler(copy.deepcopy(event), LambdaContext(function_name="ChatApiFunction"))
        return ApiResponse(result["statusCode"], json.loads(result["body"]) if result.get("body") else {})

    return invoke


@pytest.fixture
def web_conversation(chat_api: Callable[[dict[str, Any]], ApiResponse]) -> dict[str, Any]:
    started = chat_api(load_event("chat_start_web_conversation"))
    assert started.status == 201, started.body
    return started.body
