"""Who may call what: every route of template.yaml, with every credential that is not its own, through the local
stack's gateway and the real handlers. A wrong credential gets 401, 403 or 404 with a JSON message, never a 2xx
or a 5xx; the route's own credential gets past the gate (the control that the ids and bodies are real).

A new route is in the table by itself. Its gate follows from the template (the agents' JWT authorizer, a
conversation in its path) or from its function in GATE_OF_FUNCTION; public routes are listed in PUBLIC.
Conversation tokens are opaque and live as long as their conversation, so the expired tokens tried are the
app's and the agents' JWTs.
"""

from __future__ import annotations

import base64
import json
import uuid
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, urlencode

import pytest
import requests
from twilio.request_validator import RequestValidator

from adapters.app_tokens import AppTokenVerifier
from local.sms_simulator import LOCAL_ACCOUNT_SID, LOCAL_TWILIO_AUTH_TOKEN
from local.stack import LOCAL_APP_TOKEN_SECRET
from local.template import ROOT, Route, Template
from tests.fuzz.api import ask_for_a_person, start_conversation

if TYPE_CHECKING:
    from local.stack import LocalStack

pytestmark = [pytest.mark.slow, pytest.mark.stack]

TEMPLATE = Template.load()
SAMPLE_EVENTS = [
    json.loads(path.read_text()) | {"name": path.stem} for path in sorted((ROOT / "events").glob("*.json"))
]
REFUSED = (401, 403, 404)
FORM = "application/x-www-form-urlencoded"
NOBODYS_PHONE = "+447700900998"  # no demo customer and no other test texts from it

# Routes anyone may call: the sample event of the public call, and why it is public.
PUBLIC = {
    "POST /v1/conversations": (
        "chat_start_web_conversation",
        "anonymous web chat starts here and gets its conversation token (an app conversation needs the app token)",
    ),
}
# Routes whose own credential is not tried here, and why.
NOT_PROBED = {
    "POST /v1/agent/handoffs/{handoff_id}/claim": "a won claim would hold a handoff of the shared stack; "
    "tests/api/test_agent_api.py claims with a valid token",
}


class Gate(StrEnum):
    CONVERSATION = "the conversation's token"
    APP = "the app's signed customer token"
    AGENT = "an agent's access token"
    TWILIO = "Twilio's signature"


# The gate of a route that neither the template's authorizer nor a conversation in its path decides.
GATE_OF_FUNCTION = {"ChatApiFunction": Gate.APP, "SmsTwilioFunction": Gate.TWILIO}


class Credential(StrEnum):
    NONE = "no credentials"
    EXPIRED_APP = "an expired app token"
    EXPIRED_AGENT = "an expired agent token"
    OTHER_CONVERSATION = "another conversation's token"
    APP = "a customer's app token"
    AGENT = "an agent's token"
    FORGED_SIGNATURE = "a signature made with another auth token"


def authorizer_of(route: Route) -> str | None:
    function = TEMPLATE.resources("AWS::Serverless::Function")[route.function]
    for event in function["Properties"].get("Events", {}).values():
        props = event["Properties"]
        if event["Type"] == "HttpApi" and (props["Method"].upper(), props["Path"]) == (route.method, route.path):
            return (props.get("Auth") or {}).get("Authorizer")
    return None


def gate_of(route: Route) -> Gate:
    if authorizer_of(route) == "AgentAuthorizer":
        return Gate.AGENT
    if "{conversation_id}" in route.path:
        return Gate.CONVERSATION
    assert route.function in GATE_OF_FUNCTION, f"Say in GATE_OF_FUNCTION how {route.route_key} is protected"
    return GATE_OF_FUNCTION[route.function]


def wrong_credentials(route: Route) -> list[Credential]:
    """Every credential but the route's own; a signature only where one is checked."""
    gate = gate_of(route)
    own = {Gate.APP: Credential.APP, Gate.AGENT: Credential.AGENT}.get(gate)
    return [c for c in Credential if c is not own and (c is not Credential.FORGED_SIGNATURE or gate is Gate.TWILIO)]


@dataclass(frozen=True)
class Subjects:
    """Real ids and tokens on the shared local stack, so that a refusal is the gate's, not a missing resource's."""

    path_values: dict[str, str]
    conversation_token: str  # the own token of path_values["conversation_id"]
    tokens: dict[Credential, str]


@dataclass(frozen=True)
class Request:
    method: str
    url: str
    body: str | None
    content_type: str
    form: dict[str, str]  # what a Twilio signature covers (webhooks only)


@pytest.fixture(scope="module")
def subjects(local_stack: LocalStack) -> Subjects:
    mine, other = start_conversation(local_stack.url), start_conversation(local_stack.url)
    app_tokens, issuer = AppTokenVerifier(LOCAL_APP_TOKEN_SECRET), local_stack.agent_issuer
    return Subjects(
        path_values={"conversation_id": mine["conversation_id"], "handoff_id": ask_for_a_person(local_stack)},
        conversation_token=mine["token"],
        tokens={
            Credential.EXPIRED_APP: app_tokens.issue("C-1001", lifetime_s=-3600),
            Credential.EXPIRED_AGENT: issuer.issue("chen", lifetime_s=-3600),
            Credential.OTHER_CONVERSATION: other["token"],
            Credential.APP: app_tokens.issue("C-1001"),
            Credential.AGENT: issuer.issue("chen"),  # Chen is a supervisor too: every agent route is his to call
        },
    )


@pytest.mark.parametrize(
    ("route", "credential"),
    [pytest.param(r, c, id=f"{r.route_key} with {c}") for r in TEMPLATE.routes() for c in wrong_credentials(r)],
)
def test_a_wrong_credential_is_refused_with_a_json_message(local_stack, subjects, route, credential):
    request = request_for(local_stack, subjects, route)
    answer = send(request, credential_headers(credential, subjects, request))
    assert answer.status_code in REFUSED, answer.text
    assert answer.headers["content-type"].startswith("application/json")
    assert answer.json()["message"]


@pytest.mark.parametrize("route", TEMPLATE.routes(), ids=lambda r: r.route_key)
def test_the_routes_own_credential_gets_past_the_gate(local_stack, subjects, route):
    if route.route_key in NOT_PROBED:
        pytest.skip(NOT_PROBED[route.route_key])
    request = request_for(local_stack, subjects, route)
    answer = send(request, own_credential_headers(route, subjects, request))
    assert answer.status_code not in (401, 403) and answer.status_code < 500, answer.text


@pytest.mark.parametrize("route_key", PUBLIC)
def test_a_public_route_answers_without_credentials(local_stack, route_key):
    (event,) = [e for e in SAMPLE_EVENTS if e["name"] == PUBLIC[route_key][0]]
    assert event["routeKey"] == route_key
    answer = requests.request(
        event["requestContext"]["http"]["method"],
        local_stack.url + event["rawPath"],
        data=event["body"],
        headers={"Content-Type": "application/json"},
        timeout=30,
    )
    assert answer.status_code < 300, answer.text


def test_every_route_named_public_or_not_probed_is_in_the_template():
    assert set(PUBLIC) | set(NOT_PROBED) <= {route.route_key for route in TEMPLATE.routes()}


def request_for(stack: LocalStack, subjects: Subjects, route: Route) -> Request:
    """The route's sample event from events/ (a well-formed form for a webhook), on the subjects' real ids."""
    url = stack.url + route.path.format(**subjects.path_values)
    if gate_of(route) is Gate.TWILIO:
        form = twilio_form(route)
        return Request(route.method, url, urlencode(form), FORM, form)
    sample = sample_of(route)
    return Request(route.method, url, sample.get("body") if sample else None, "application/json", {})


def sample_of(route: Route) -> dict[str, Any] | None:
    """Of the route's sample events, one that needs a credential (the app's start, not the web's), the plainest."""
    samples = [e for e in SAMPLE_EVENTS if e.get("routeKey") == route.route_key]
    samples.sort(key=lambda e: ("authorization" not in e.get("headers", {}), len(e["name"])))
    return samples[0] if samples else None


def twilio_form(route: Route) -> dict[str, str]:
    sid = "SM" + uuid.uuid4().hex
    if route.path.endswith("/status"):
        return {"MessageSid": sid, "MessageStatus": "delivered", "AccountSid": LOCAL_ACCOUNT_SID}
    sample = sample_of(route)
    assert sample is not None, f"Add a sample event of {route.route_key} to events/"
    form = dict(parse_qsl(base64.b64decode(sample["body"]).decode(), keep_blank_values=True))
    return form | {"MessageSid": sid, "SmsSid": sid, "From": NOBODYS_PHONE}


def send(request: Request, headers: dict[str, str]) -> requests.Response:
    headers = {"Content-Type": request.content_type, **headers}
    return requests.request(request.method, request.url, data=request.body, headers=headers, timeout=30)


def credential_headers(credential: Credential, subjects: Subjects, request: Request) -> dict[str, str]:
    if credential is Credential.NONE:
        return {}
    if credential is Credential.FORGED_SIGNATURE:
        forger = RequestValidator("an-auth-token-that-is-not-ours")
        return {"X-Twilio-Signature": forger.compute_signature(request.url, request.form)}
    return {"Authorization": f"Bearer {subjects.tokens[credential]}"}


def own_credential_headers(route: Route, subjects: Subjects, request: Request) -> dict[str, str]:
    match gate_of(route):
        case Gate.TWILIO:
            signature = RequestValidator(LOCAL_TWILIO_AUTH_TOKEN).compute_signature(request.url, request.form)
            return {"X-Twilio-Signature": signature}
        case Gate.CONVERSATION:
            return {"Authorization": f"Bearer {subjects.conversation_token}"}
        case Gate.APP:
            return {"Authorization": f"Bearer {subjects.tokens[Credential.APP]}"}
        case Gate.AGENT:
            return {"Authorization": f"Bearer {subjects.tokens[Credential.AGENT]}"}
