"""Lambda entry point of the agent API: the queue, the context pack, and the actions on a handoff."""

from __future__ import annotations

from datetime import UTC, datetime
from functools import cache
from typing import TYPE_CHECKING, Annotated, Any

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.event_handler import APIGatewayHttpResolver
from aws_lambda_powertools.event_handler.openapi.params import Header, Path, Query
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.metrics import MetricUnit

from bootstrap import AgentDependencies, build_agent_dependencies, get_settings
from channels.agent import (
    AgentBody,
    AgentReplyRequest,
    ContextPackResponse,
    HandoffBody,
    MessagesResponse,
    QueueResponse,
    ReplySentResponse,
    ResolveRequest,
    SupervisorTodayResponse,
    TransferRequest,
    agent_body,
    context_pack_response,
    handoff_body,
    messages_response,
    supervisor_today_response,
)
from channels.web import MAX_TRANSCRIPT_PAGE
from core.errors import InvalidAgentToken, NotASupervisor
from core.handoff import AgentProfile, HandoffStatus, Skill
from core.redaction import redact_pii
from handlers.chat_api import bearer
from handlers.errors import register_error_handlers, unsupported_media_type

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.typing import LambdaContext

    from adapters.agent_tokens import AgentIdentity

logger = Logger()
tracer = Tracer()
metrics = Metrics()
app = APIGatewayHttpResolver(enable_validation=True)
register_error_handlers(app)

HandoffId = Annotated[str, Path(pattern=r"^[0-9a-f-]{36}$")]
Authorization = Annotated[str | None, Header(description="`Bearer <agent access token>` from the user pool")]


@cache
def dependencies() -> AgentDependencies:
    return build_agent_dependencies(get_settings())


def identified(authorization: str | None) -> AgentIdentity:
    token = bearer(authorization)
    if token is None:
        raise InvalidAgentToken("it is missing: send `Authorization: Bearer <token>`")
    identity = dependencies().tokens.verify(token)
    logger.append_keys(agent_id=identity.agent_id)
    return identity


def signed_in(authorization: str | None) -> AgentProfile:
    return dependencies().desk.agent(identified(authorization).agent_id)


def _now() -> datetime:
    return datetime.now(UTC)


@app.get("/v1/agent/me", summary="The signed-in agent: skills, capacity, handoffs held")
def me(authorization: Authorization = None) -> AgentBody:
    identity = identified(authorization)
    return agent_body(dependencies().desk.agent(identity.agent_id), supervisor=identity.supervisor)


@app.get("/v1/agent/handoffs", summary="The queue: waiting handoffs of my skills, most urgent first")
def list_handoffs(
    skill: Annotated[Skill | None, Query()] = None,
    status: Annotated[HandoffStatus, Query(description="waiting, callback, or claimed (mine)")] = HandoffStatus.WAITING,
    authorization: Authorization = None,
) -> QueueResponse:
    found = dependencies().desk.queue(signed_in(authorization), skill, status)
    now = _now()
    return QueueResponse(handoffs=[handoff_body(h, now) for h in found])


@app.get("/v1/agent/handoffs/<handoff_id>", summary="The context pack of a handoff")
def context_pack(handoff_id: HandoffId, authorization: Authorization = None) -> ContextPackResponse:
    agent = signed_in(authorization)
    deps = dependencies()
    pack = deps.packs.build(deps.desk.handoff(agent, handoff_id), agent.name)
    return context_pack_response(pack, _now())


@app.get("/v1/agent/handoffs/<handoff_id>/messages", summary="The conversation's messages after a cursor")
def handoff_messages(
    handoff_id: HandoffId,
    after: Annotated[int, Query(ge=0)] = 0,
    authorization: Authorization = None,
) -> MessagesResponse:
    messages = dependencies().desk.transcript(signed_in(authorization), handoff_id, after, MAX_TRANSCRIPT_PAGE)
    return messages_response(messages, after)


@app.post("/v1/agent/handoffs/<handoff_id>/claim", summary="Claim a handoff (exactly one agent wins)")
def claim(handoff_id: HandoffId, authorization: Authorization = None) -> HandoffBody:
    handoff = dependencies().desk.claim(signed_in(authorization), handoff_id)
    metrics.add_metric(name="HandoffsClaimed", unit=MetricUnit.Count, value=1)
    logger.info(
        "handoff claimed", extra={"handoff_id": handoff_id, "waited_s": handoff_body(handoff, _now()).waiting_s}
    )
    return handoff_body(handoff, _now())


@app.post("/v1/agent/handoffs/<handoff_id>/messages", summary="Reply to the customer on their channel")
def reply(
    handoff_id: HandoffId, request: AgentReplyRequest, authorization: Authorization = None
) -> tuple[ReplySentResponse, int]:
    outcome = dependencies().desk.send(signed_in(authorization), handoff_id, request.text, request.client_message_id)
    return ReplySentResponse(seq=outcome.seq), 201


@app.post("/v1/agent/handoffs/<handoff_id>/transfer", summary="Transfer to another skill's queue")
def transfer(handoff_id: HandoffId, request: TransferRequest, authorization: Authorization = None) -> HandoffBody:
    # The note is kept on the handoff for the next agent: masked like every other stored text.
    note = redact_pii(request.note)
    handoff = dependencies().desk.transfer(signed_in(authorization), handoff_id, request.skill, note)
    return handoff_body(handoff, _now())


@app.post("/v1/agent/handoffs/<handoff_id>/release", summary="Give the conversation back to the bot")
def release(handoff_id: HandoffId, authorization: Authorization = None) -> HandoffBody:
    return handoff_body(dependencies().desk.release(signed_in(authorization), handoff_id), _now())


@app.post("/v1/agent/handoffs/<handoff_id>/resolve", summary="Resolve the handoff with a disposition")
def resolve(handoff_id: HandoffId, request: ResolveRequest, authorization: Authorization = None) -> HandoffBody:
    handoff = dependencies().desk.resolve(signed_in(authorization), handoff_id, request.disposition)
    metrics.add_metric(name="HandoffsResolved", unit=MetricUnit.Count, value=1)
    return handoff_body(handoff, _now())


@app.get("/v1/agent/supervisor/today", summary="Today's service figures so far and the live queues (supervisors)")
def supervisor_today(authorization: Authorization = None) -> SupervisorTodayResponse:
    if not identified(authorization).supervisor:
        raise NotASupervisor()
    return supervisor_today_response(dependencies().supervision.today())


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_HTTP, clear_state=True)
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return unsupported_media_type(event) or app.resolve(event, context)
