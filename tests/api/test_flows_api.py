"""Every self-service flow's happy path through the public chat API, as a signed-in app customer."""

from __future__ import annotations

import json
import re
import uuid
from datetime import UTC, datetime
from pathlib import Path

import boto3
import pytest

from adapters.app_tokens import AppTokenVerifier
from adapters.demo_bank_seed import seed_demo_bank
from local.stack import LOCAL_APP_TOKEN_SECRET
from tests.api.conftest import load_event
from tests.integration.test_flows import HAPPY_PATHS

# What the last reply of each happy path says when the task is done.
DONE = {
    "check_balance": "Here are your balances",
    "card_bill": "minimum payment",
    "make_payment": "paid to the card ending 7001",
    "lost_card": "will arrive by",
    "freeze_card": "is frozen",
    "unfreeze_card": "active again",
    "activate_card": "is active",
    "card_declined": "The reason:",
    "dispute_transaction": "case CASE-",
    "foreign_fees": "Total fees",
    "loan_repayment": "next repayment",
    "claim_status": "is assessing",
    "file_claim": "registered as CLM-",
}


@pytest.fixture(scope="module")
def demo_bank(function_environment):
    client = boto3.client("dynamodb")  # the handlers' own endpoint and region
    seed_demo_bank(client, "DemoBankTable", datetime.now(UTC))


def _start_app_conversation(chat_api, customer_id: str) -> dict:
    token = AppTokenVerifier(LOCAL_APP_TOKEN_SECRET).issue(customer_id)
    started = chat_api(load_event("chat_start_app_conversation", authorization=f"Bearer {token}"))
    assert started.status == 201, started.body
    return started.body


@pytest.mark.parametrize("flow", sorted(HAPPY_PATHS))
def test_each_flow_completes_through_the_chat_api(chat_api, demo_bank, flow):
    customer_id, lines = HAPPY_PATHS[flow]
    conversation = _start_app_conversation(chat_api, customer_id)
    reply = {}
    for line in lines:
        event = load_event("chat_post_message", conversation["conversation_id"], f"Bearer {conversation['token']}")
        event["body"] = json.dumps({"text": line, "client_message_id": str(uuid.uuid4())})
        response = chat_api(event)
        assert response.status == 200, response.body
        reply = response.body
    assert DONE[flow] in " ".join(r["text"] for r in reply["replies"])
    assert reply["status"] == "bot"


def test_a_web_visitor_who_verified_is_recognised_in_their_next_chat(chat_api, demo_bank, function_environment):
    def start(body: dict) -> dict:
        event = load_event("chat_start_web_conversation")
        event["body"] = json.dumps(body)
        started = chat_api(event)
        assert started.status == 201, started.body
        return started.body

    def say(conversation: dict, text: str) -> str:
        event = load_event("chat_post_message", conversation["conversation_id"], f"Bearer {conversation['token']}")
        event["body"] = json.dumps({"text": text, "client_message_id": str(uuid.uuid4())})
        answer = chat_api(event)
        assert answer.status == 200, answer.body
        return " ".join(r["text"] for r in answer.body["replies"])

    first = start({"channel": "web"})
    assert "mobile number" in say(first, "what's my balance")
    say(first, "07700 900110")
    outbox = Path(function_environment["LOCAL_SMS_OUTBOX"]).read_text().splitlines()
    code = re.findall(r"\b(\d{6})\b", json.loads(outbox[-1])["text"])[0]
    assert "Here are your balances" in say(first, code)
    previous = {"conversation_id": first["conversation_id"], "token": first["token"]}
    again = start({"channel": "web", "previous": previous})
    assert "Here are your balances" in say(again, "what's my balance")  # no second code
    stranger = start({"channel": "web", "previous": {**previous, "token": "someone-elses-guess"}})
    assert "mobile number" in say(stranger, "what's my balance")
