"""Lambda entry point of the public chat API (web and app channels)."""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING, Annotated, Any

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.event_handler import APIGatewayHttpResolver
from aws_lambda_powertools.event_handler.openapi.params import Header, Path, Query
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.metrics import MetricUnit

from bootstrap import ChatDependencies, build_chat_dependencies, get_settings
from channels.web import (
    MAX_TRANSCRIPT_PAGE,
    PostMessageRequest,
    PostMessageResponse,
    StartConversationRequest,
    StartConversationResponse,
    TranscriptResponse,
    reply_body,
    transcript_response,
    turn_response,
)
from core.errors import InvalidAppToken
from core.models import Channel
from handlers.errors import register_error_handlers, unsupported_media_type

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.typing import LambdaContext

logger = Logger()
tracer = Tracer()
metrics = Metrics()
app = APIGatewayHttpResolver(enable_validation=True)
register_error_handlers(app)

ConversationId = Annotated[str, Path(pattern=r"^[0-9a-f-]{36}$", description="From POST /v1/conversations")]
Authorization = Annotated[str | None, Header(description="`Bearer <token>`")]


@cache
def dependencies() -> ChatDependencies:
    return build_chat_dependencies(get_settings())


def bearer(authorization: str | None) -> str | None:
    scheme, _, token = (authorization or "").partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


@app.post("/v1/conversations", summary="Start a web or app conversation")
def start_conversation(
    request: StartConversationRequest, authorization: Authorization = None
) -> tuple[StartConversationResponse, int]:
    deps = dependencies()
    customer = None
    if request.channel == "app":
        app_token = bearer(authorization)
        if app_token is None:
            raise InvalidAppToken("app conversations need `Authorization: Bearer <app token>`")
        customer = deps.app_tokens.verify(app_token)
    elif request.previous:
        customer = deps.conversations.recognise(request.previous.conversation_id, request.previous.token)
    started = deps.conversations.start(Channel(request.channel), request.locale, customer)
    logger.append_keys(conversation_id=started.conversation.conversation_id)
    metrics.add_metric(name="ConversationsStarted", unit=MetricUnit.Count, value=1)
    logger.info("conversation started", extra={"channel": request.channel, "identified": customer is not None})
    body = StartConversationResponse(
        conversation_id=started.conversation.conversation_id,
        token=started.token,
        replies=[reply_body(r) for r in started.replies],
        status=started.conversation.status.value,
    )
    return body, 201


@app.post("/v1/conversations/<conversation_id>/messages", summary="Send a customer message, get the bot's replies")
def post_message(
    conversation_id: ConversationId, request: PostMessageRequest, authorization: Authorization = None
) -> PostMessageResponse:
    logger.append_keys(conversation_id=conversation_id, client_message_id=request.client_message_id)
    outcome = dependencies().conversations.handle_message(
        conversation_id, bearer(authorization), request.text, request.client_message_id
    )
    metrics.add_metric(name="CustomerMessages", unit=MetricUnit.Count, value=1)
    logger.info("turn answered", extra={"replies": len(outcome.replies), "status": outcome.status.value})
    return turn_response(outcome)


@app.get("/v1/conversations/<conversation_id>/messages", summary="Read the transcript after a cursor")
def list_messages(
    conversation_id: ConversationId,
    after: Annotated[int, Query(ge=0, description="The cursor of the last message already seen")] = 0,
    authorization: Authorization = None,
) -> TranscriptResponse:
    transcript = dependencies().conversations.transcript(
        conversation_id, bearer(authorization), after, MAX_TRANSCRIPT_PAGE
    )
    return transcript_response(transcript.messages, after, transcript.status.value, transcript.queue)


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_HTTP, clear_state=True)
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return unsupported_media_type(event) or app.resolve(event, context)
