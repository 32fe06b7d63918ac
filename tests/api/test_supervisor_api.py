"""The supervisor route through the real agent handler: supervisors see today's figures, other agents get 403."""

from __future__ import annotations

from datetime import UTC, datetime

from core.handoff import Skill
from tests.api.conftest import load_event
from tests.api.test_agent_api import agent_api, as_agent, handoff_id, issuer  # noqa: F401 (fixtures)


def test_a_supervisor_sees_todays_figures_and_the_queue_per_skill(agent_api, chat_api, issuer, handoff_id):  # noqa: F811
    today = agent_api(as_agent(issuer, "chen", "agent_supervisor_today"))
    assert today.status == 200, today.body
    body = today.body
    assert body["day"] == datetime.now(UTC).date().isoformat()
    assert body["summary"]["contacts"] >= 1 and body["summary"]["handoffs_by_reason"]["customer_asked"] >= 1
    general = next(q for q in body["queues"] if q["skill"] == "general")
    assert general["waiting"] >= 1 and general["longest_wait_s"] >= 0
    assert [q["skill"] for q in body["queues"]] == [s.value for s in Skill]
    assert len(body["contacts_by_hour"]) == 24 and body["truncated"] is False


def test_an_agent_outside_the_supervisors_group_is_refused_with_a_message(agent_api, issuer):  # noqa: F811
    refused = agent_api(as_agent(issuer, "alice", "agent_supervisor_today"))
    assert refused.status == 403
    assert "supervisors" in refused.body["message"]


def test_the_console_learns_who_is_a_supervisor_from_me(agent_api, issuer):  # noqa: F811
    me = load_event("agent_list_handoffs", authorization=f"Bearer {issuer.issue('chen')}")
    me["rawPath"] = me["requestContext"]["http"]["path"] = "/v1/agent/me"
    me["routeKey"] = me["requestContext"]["routeKey"] = "GET /v1/agent/me"
    me["queryStringParameters"], me["rawQueryString"] = None, ""
    assert agent_api(me).body["supervisor"] is True
    me["headers"]["authorization"] = f"Bearer {issuer.issue('alice')}"
    assert agent_api(me).body["supervisor"] is False
