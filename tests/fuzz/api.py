"""Every route of the local run's own /openapi.json, fuzzed by schemathesis as three kinds of caller.

A caller is what it presents: no credentials (anonymous), a customer's tokens (the app's signed token and
conversation tokens) or agents' access tokens, and the real ids its paths may name, so that cases get past
the gate into the core instead of stopping at a 401 or 404. Generated ids and headers are tried too.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import requests
import schemathesis
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.core.result import Err

from tests.fuzz.oracle import fuzz_settings

if TYPE_CHECKING:
    from hypothesis.strategies import SearchStrategy
    from schemathesis import APIOperation, BaseSchema, Case

    Operation = APIOperation[Any, Any, Any, Any]

    from local.stack import LocalStack
    from tests.fuzz.oracle import Tally

TIMEOUT_S = 30
HANDOFFS = 3  # agents' actions use up a handoff (claim, resolve), so there are a few to act on


@dataclass(frozen=True)
class Identity:
    token: str | None  # None: whatever schemathesis makes of the optional Authorization header
    path_ids: dict[str, tuple[str, ...]] = field(default_factory=dict)  # path parameter -> real ids it may name


@dataclass(frozen=True)
class Caller:
    name: str
    identities: tuple[Identity, ...]


def callers(stack: LocalStack) -> list[Caller]:
    """The anonymous caller; a customer with the app's token and the tokens of a web and an app conversation,
    each on its own conversation; two agents, on a few real handoffs."""
    base = stack.url
    app_token = _json(requests.get(f"{base}/local/app-token", params={"customer": "C-1001"}, timeout=TIMEOUT_S))
    web, app = start_conversation(base), start_conversation(base, app_token["token"])
    customer = (
        Identity(app_token["token"]),
        *(Identity(c["token"], {"conversation_id": (c["conversation_id"],)}) for c in (web, app)),
    )
    handoffs = tuple(ask_for_a_person(stack) for _ in range(HANDOFFS))
    agents = tuple(Identity(stack.agent_issuer.issue(name), {"handoff_id": handoffs}) for name in ("alice", "chen"))
    return [Caller("anonymous", (Identity(None),)), Caller("customer", customer), Caller("agent", agents)]


def start_conversation(base_url: str, app_token: str | None = None) -> dict[str, Any]:
    body = {"channel": "app" if app_token else "web"}
    headers = {"Authorization": f"Bearer {app_token}"} if app_token else {}
    return _json(requests.post(f"{base_url}/v1/conversations", json=body, headers=headers, timeout=TIMEOUT_S))


def ask_for_a_person(stack: LocalStack) -> str:
    """A web customer asks for a person; returns the id of their handoff, as the queue shows it to an agent."""
    conversation = start_conversation(stack.url)
    conversation_id = conversation["conversation_id"]
    requests.post(
        f"{stack.url}/v1/conversations/{conversation_id}/messages",
        json={"text": "I want to talk to a person", "client_message_id": str(uuid.uuid4())},
        headers={"Authorization": f"Bearer {conversation['token']}"},
        timeout=TIMEOUT_S,
    ).raise_for_status()
    queue = _json(
        requests.get(
            f"{stack.url}/v1/agent/handoffs",
            headers={"Authorization": f"Bearer {stack.agent_issuer.issue('chen')}"},
            timeout=TIMEOUT_S,
        )
    )
    return next(str(h["handoff_id"]) for h in queue["handoffs"] if h["conversation_id"] == conversation_id)


def load_schema(stack: LocalStack) -> BaseSchema:
    return schemathesis.openapi.from_url(f"{stack.url}/openapi.json", timeout=TIMEOUT_S)


def fuzz_api(stack: LocalStack, schema: BaseSchema, caller: Caller, examples: int, tally: Tally) -> None:
    """Up to `examples` valid and as many invalid cases per operation; answers judged by the tally's oracle."""
    with requests.Session() as session:
        for result in schema.get_all_operations():
            if isinstance(result, Err):
                tally.fail(caller.name, "/openapi.json", f"an operation schemathesis cannot read: {result.err()!r}")
                continue
            operation = result.ok()
            for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
                _fuzz_operation(stack.url, session, operation, caller, mode, examples, tally)


def _fuzz_operation(
    base_url: str,
    session: requests.Session,
    operation: Operation,
    caller: Caller,
    mode: GenerationMode,
    examples: int,
    tally: Tally,
) -> None:
    @fuzz_settings(examples)
    @given(case=case_strategy(operation, caller, mode))
    def run(case: Case[Operation]) -> None:
        request = case.as_curl_command(base_url=base_url)
        try:
            response = case.call(base_url=base_url, session=session, timeout=TIMEOUT_S)
        except requests.RequestException as error:
            tally.fail(caller.name, request, f"no answer: {error!r}")
            return
        content_type = (response.headers.get("content-type") or [""])[0]
        tally.record(caller.name, request, response.status_code, content_type, response.content)

    try:
        run()
    except Unsatisfiable:
        pass  # nothing to make invalid: an operation whose only parameter is the caller's fixed header


def case_strategy(operation: Operation, caller: Caller, mode: GenerationMode) -> SearchStrategy[Case[Operation]]:
    """The operation's cases with each of the caller's identities, on generated ids and on the identity's own."""
    strategies = []
    for identity in caller.identities:
        headers = {"authorization": f"Bearer {identity.token}"} if identity.token else None
        paths: list[dict[str, str] | None] = [None]
        for name, ids in identity.path_ids.items():
            if f"{{{name}}}" in operation.path:
                paths += [{name: value} for value in ids]
        strategies += [operation.as_strategy(generation_mode=mode, headers=headers, path_parameters=p) for p in paths]
    return st.one_of(strategies)


def _json(response: requests.Response) -> dict[str, Any]:
    response.raise_for_status()
    body: dict[str, Any] = response.json()
    return body
