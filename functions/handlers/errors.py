"""One place that maps core errors and validation failures to HTTP answers with a JSON message."""

from __future__ import annotations

import json
from http import HTTPStatus
from typing import TYPE_CHECKING, Any

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.event_handler import Response, content_types
from aws_lambda_powertools.event_handler.openapi.exceptions import RequestValidationError
from aws_lambda_powertools.metrics import MetricUnit

from core.errors import (
    AgentSignInUnavailable,
    ConversationClosed,
    ConversationNotFound,
    CoreError,
    HandoffNotFound,
    InvalidAgentToken,
    InvalidAppToken,
    InvalidConversationToken,
    NotASupervisor,
    ServiceBusy,
    UnknownAgent,
)

if TYPE_CHECKING:
    from aws_lambda_powertools.event_handler.api_gateway import ApiGatewayResolver
    from aws_lambda_powertools.event_handler.exceptions import NotFoundError

_STATUS_OF: dict[type[CoreError], HTTPStatus] = {
    ConversationNotFound: HTTPStatus.NOT_FOUND,
    InvalidConversationToken: HTTPStatus.UNAUTHORIZED,
    InvalidAppToken: HTTPStatus.UNAUTHORIZED,
    ConversationClosed: HTTPStatus.CONFLICT,
    ServiceBusy: HTTPStatus.SERVICE_UNAVAILABLE,
    HandoffNotFound: HTTPStatus.NOT_FOUND,
    InvalidAgentToken: HTTPStatus.UNAUTHORIZED,
    UnknownAgent: HTTPStatus.FORBIDDEN,
    NotASupervisor: HTTPStatus.FORBIDDEN,
    AgentSignInUnavailable: HTTPStatus.SERVICE_UNAVAILABLE,
}
# Everything else (a lost claim race, an illegal transition, an agent at capacity) is a 409 conflict.
# The handler's own logger and metrics (Powertools shares them per service), so a give-up carries its correlation id.
logger = Logger()
metrics = Metrics()


def unsupported_media_type(event: dict[str, Any]) -> dict[str, Any] | None:
    """A JSON API answers a body of another media type with 415, before validation tries to parse it.

    (Powertools' validation would try, e.g., multipart without a boundary and fail with a 500.)
    """
    if not event.get("body"):
        return None
    headers = {name.lower(): value for name, value in (event.get("headers") or {}).items()}
    media_type = headers.get("content-type", "application/json").split(";")[0].strip().lower()
    if media_type == "application/json" or media_type.endswith("+json"):
        return None
    body = {"message": f"Send the body as application/json, not {media_type or 'an empty content type'}"}
    return {
        "statusCode": HTTPStatus.UNSUPPORTED_MEDIA_TYPE.value,
        "headers": {"Content-Type": content_types.APPLICATION_JSON},
        "body": json.dumps(body),
        "isBase64Encoded": False,
    }


def error_response(status: HTTPStatus, message: str, **extra: Any) -> Response[Any]:
    headers = {"Retry-After": "1"} if status is HTTPStatus.SERVICE_UNAVAILABLE else None
    return Response(
        status_code=status.value,
        content_type=content_types.APPLICATION_JSON,
        body={"message": message, **extra},
        headers=headers,
    )


def _describe(error: dict[str, Any]) -> dict[str, str]:
    location = ".".join(str(part) for part in error.get("loc", ()))
    return {"field": location, "problem": str(error.get("msg", "is not valid"))}


def _gave_up(error: ServiceBusy) -> None:
    """A dependency stayed busy (throttled, racing) past every retry: the caller gets 503 with Retry-After and
    nothing was stored; an alarm can count these, and the line says which request gave up."""
    metrics.add_metric(name="GaveUpBusy", unit=MetricUnit.Count, value=1)
    logger.warning("gave up: a dependency stayed busy past its retries", extra={"reason": str(error)})


def register_error_handlers(app: ApiGatewayResolver) -> None:
    @app.exception_handler(RequestValidationError)  # type: ignore[untyped-decorator]
    def invalid_request(error: RequestValidationError) -> Response[Any]:
        problems = [_describe(e) for e in error.errors()]
        if any(e.get("type") == "json_invalid" for e in error.errors()):
            return error_response(HTTPStatus.BAD_REQUEST, "The request body is not valid JSON", errors=problems)
        summary = "; ".join(f"{p['field']}: {p['problem']}" for p in problems)
        return error_response(HTTPStatus.UNPROCESSABLE_ENTITY, f"The request is not valid: {summary}", errors=problems)

    @app.exception_handler(CoreError)  # type: ignore[untyped-decorator]
    def core_error(error: CoreError) -> Response[Any]:
        status = next((code for kind, code in _STATUS_OF.items() if isinstance(error, kind)), HTTPStatus.CONFLICT)
        if isinstance(error, ServiceBusy):
            _gave_up(error)
        return error_response(status, str(error))

    @app.not_found
    def no_route(_: NotFoundError) -> Response[Any]:
        return error_response(HTTPStatus.NOT_FOUND, "No such route")
