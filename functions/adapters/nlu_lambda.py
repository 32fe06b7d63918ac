"""The NLU function, reached through the Lambda Invoke API (locally: the same call to a local endpoint)."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from botocore.exceptions import BotoCoreError, ClientError
from pydantic import ValidationError

from core.errors import NluUnavailable
from core.models import NluResult

if TYPE_CHECKING:
    from mypy_boto3_lambda import LambdaClient


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
            return NluResult.model_validate_json(payload)
        except ValidationError as error:
            raise NluUnavailable("unreadable answer") from error
