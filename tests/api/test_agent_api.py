"""The agent API through its real handler with the events in events/, against moto and a JWKS over HTTP."""

from __future__ import annotations

import copy
import json
import os
from collections.abc import Callable, Iterator
from typing import Any

import boto3
import pytest

from adapters.app_tokens import AppTokenVerifier
from local.agent_issuer import LOCAL_CLIENT_ID, LOCAL_POOL_ID, LocalAgentIssuer
from local.functions import LambdaContext
from local.stack import LOCAL_APP_TOKEN_SECRET, seed_demo_agents
from tests.api.conftest import ApiResponse, load_event
from tests.fakes import JwksEndpoint


@pytest.fixture(scope="module")
def issuer(function_environment: dict[str, str]) -> Iterator[LocalAgentIssuer]:
    """The local user pool, its keys served over HTTP, and the demo agents' profiles in the handoffs table."""
    endpoint = JwksEndpoint()
    pool = LocalAgentIssuer(f"{endpoint.url}/local/cognito/{LOCAL_POOL_ID}")
    endpoint.publish(pool.issuer, pool.jwks())
    seed_demo_agents(boto3.client("dynamodb"), pool)
    saved = {k: os.environ.get(k) for k in ("AGENT_TOKEN_ISSUER", "AGENT_CLIENT_ID")}
    os.environ.update({"AGENT_TOKEN_ISSUER": pool.issuer, "AGENT_CLIENT_ID": LOCAL_CLIENT_ID})
    yield pool
    for key, value in saved.items():
        os.environ.pop(key, None) if value is None else os.environ.__setitem__(key, value)
    endpoint.shutdown()


@pytest.fixture
def agent_api(issuer: LocalAgentIssuer) -> Callable[[dict[str, Any]], ApiResponse]:
    from bootstrap import get_settings
    from handlers import agent_api

    get_settings.cache_clear()
    agent_api.dependencies.cache_clear()

    def invoke(event: dict[str, Any]) -> ApiResponse:
        result = agent_api.handler(copy.deepcopy(event), LambdaContext(function_name="AgentApiFunction"))
        return ApiResponse(result["statusCode"], json.loads(result["body"]) if result.get("body") else {})

    return invoke


@pytest.fixture
def handoff_id(chat_api, web_conversation) -> str:
    """A web customer who asked for a person: their handoff's id."""
    bearer = f"Bearer {web_conversation['token']}"
    event = load_event("chat_post_message", web_conversation["conversation_id"], bearer)
    event["body"] = json.dumps({"text": "I want to talk to a person", "client_message_id": "h1"})
    assert chat_api(event).status == 200
    listed = chat_api(load_event("chat_list_messages", web_conversation["conversation_id"], bearer))
    assert listed.body["status"] == "queued" and listed.body["queue"]["position"] >= 1
    from handlers import chat_api as module

    conversation = module.dependencies().conversations.store.get(web_conversation["conversation_id"])
    return conversation.handoff_id


def as_agent(issuer: LocalAgentIssuer, name: str, event: str, handoff_id: str | None = None) -> dict[str, Any]:
    return load_event(event, authorization=f"Bearer {issuer.issue(name)}", handoff_id=handoff_id)


def test_an_agent_sees_the_queue_claims_replies_and_resolves(agent_api, chat_api, issuer, handoff_id, web_conversation):
    queue = agent_api(as_agent(issuer, "chen", "agent_list_handoffs"))
    assert queue.status == 200 and handoff_id in [h["handoff_id"] for h in queue.body["handoffs"]]
    pack = agent_api(as_agent(issuer, "chen", "agent_get_context_pack", handoff_id))
    assert pack.status == 200 and pack.body["handoff"]["reason"] == "customer_asked"
    assert "I want to talk to a person" in [m["text"] for m in pack.body["transcript"] if m["role"] == "customer"]
    claimed = agent_api(as_agent(issuer, "chen", "agent_claim_handoff", handoff_id))
    assert (claimed.status, claimed.body["status"], claimed.body["agent_name"]) == (200, "claimed", "Chen Wei")
    assert agent_api(as_agent(issuer, "alice", "agent_claim_handoff", handoff_id)).status == 409
    sent = agent_api(as_agent(issuer, "chen", "agent_post_message", handoff_id))
    again = agent_api(as_agent(issuer, "chen", "agent_post_message", handoff_id))
    assert sent.status == again.status == 201 and sent.body == again.body
    bearer = f"Bearer {web_conversation['token']}"
    seen = chat_api(load_event("chat_list_messages", web_conversation["conversation_id"], bearer)).body
    agent_lines = [m for m in seen["messages"] if m["role"] == "agent"]
    assert seen["status"] == "agent" and len(agent_lines) == 1 and agent_lines[0]["author"] == "Chen"
    resolved = agent_api(as_agent(issuer, "chen", "agent_resolve_handoff", handoff_id))
    assert (resolved.status, resolved.body["status"]) == (200, "resolved")
    assert agent_api(as_agent(issuer, "chen", "agent_resolve_handoff", handoff_id)).status == 409
    seen = chat_api(load_event("chat_list_messages", web_conversation["conversation_id"], bearer)).body
    assert seen["status"] == "bot"


def test_a_customer_token_never_opens_an_agent_route(agent_api):
    app_token = AppTokenVerifier(LOCAL_APP_TOKEN_SECRET).issue("C-1001")
    for authorization in (f"Bearer {app_token}", "Bearer not-a-jwt", None):
        event = load_event("agent_list_handoffs", authorization=authorization)
        if authorization is None:
            event["headers"].pop("authorization")
        answer = agent_api(event)
        assert answer.status == 401, answer.body
        assert "agent access token" in answer.body["message"]


def test_an_agent_token_never_opens_a_customer_route(chat_api, issuer):
    event = load_event("chat_start_app_conversation", authorization=f"Bearer {issuer.issue('chen')}")
    answer = chat_api(event)
    assert answer.status == 401 and "app customer token" in answer.body["message"]


def test_an_agent_sees_only_their_skills_and_bad_requests_get_4xx(agent_api, issuer, handoff_id):
    # bilal (insurance, loans, general) sees this general handoff; an unknown id is a 404, a bad skill a 422.
    assert agent_api(as_agent(issuer, "bilal", "agent_get_context_pack", handoff_id)).status == 200
    missing = agent_api(as_agent(issuer, "chen", "agent_get_context_pack", "00000000-0000-4000-8000-000000000000"))
    assert missing.status == 404
    bad_skill = as_agent(issuer, "chen", "agent_transfer_handoff", handoff_id)
    bad_skill["body"] = json.dumps({"skill": "astrology", "note": ""})
    assert agent_api(bad_skill).status == 422
    unclaimed = agent_api(as_agent(issuer, "chen", "agent_transfer_handoff", handoff_id))
    assert unclaimed.status == 409 and "not claimed by you" in unclaimed.body["message"]
