"""The NLU function, reached through the Lambda Invoke API (locally: the same call to a local endpoint)."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Annotated

from botocore.exceptions import BotoCoreError, ClientError
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from core.errors import NluUnavailable
from core.models import Entity, IntentScore, NluResult

if TYPE_CHECKING:
    from mypy_boto3_lambda import LambdaClient

Confidence = Annotated[float, Field(ge=0.0, le=1.0, allow_inf_nan=False)]


class _WireIntent(BaseModel):
    model_config = ConfigDict(extra="ignore")

    name: Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]{0,63}$")]
    confidence: Confidence


class _WireEntity(BaseModel):
    model_config = ConfigDict(extra="ignore")

    entity: Annotated[str, Field(min_length=1, max_length=64)]
    value: Annotated[str, Field(max_length=2000)]
    start: int | None = None
    end: int | None = None
    confidence: Confidence | None = None


class NluAnswer(BaseModel):
    """The NLU function's answer as it must look: a 502 page, a confidence of 7 or an intent named by a
    broken model is not an answer, and the bot says it could not understand rather than act on it."""

    model_config = ConfigDict(extra="ignore")

    intent: _WireIntent
    intent_ranking: Annotated[list[_WireIntent], Field(max_length=100)] = []
    entities: Annotated[list[_WireEntity], Field(max_length=50)] = []

    def to_core(self) -> NluResult:
        return NluResult(
            intent=IntentScore(name=self.intent.name, confidence=self.intent.confidence),
            intent_ranking=tuple(IntentScore(name=i.name, confidence=i.confidence) for i in self.intent_ranking),
            entities=tuple(Entity(**e.model_dump()) for e in self.entities),
        )


class LambdaNluClient:
    def __init__(self, client: LambdaClient, function_name: str) -> None:
        self._client = client
        self._function_name = function_name

    def parse(self, text: str) -> NluResult:
        try:
            response = self._client.invoke(FunctionName=self._function_name, Payload=json.dumps({"text": text}))
            payload = response["Payload"].read()
        except (BotoCoreError, ClientError) as error:
            raise NluUnavailable(type(error).__name__) from error
        if response.get("FunctionError"):
            raise NluUnavailable(f"function error {response['FunctionError']}")
        try:
            return NluAnswer.model_validate_json(payload).to_core()
        except ValidationError as error:
            raise NluUnavailable("unreadable answer") from error
