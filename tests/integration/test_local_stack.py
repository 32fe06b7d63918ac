"""The README's run command: the real local stack, driven over HTTP like a client would."""

import time
import uuid

import pytest
import requests

pytestmark = [pytest.mark.slow, pytest.mark.stack]


def test_a_short_conversation_over_http_through_the_local_stack(local_stack):
    started = requests.post(f"{local_stack.url}/v1/conversations", json={"channel": "web"}, timeout=10)
    assert started.status_code == 201
    conversation = started.json()
    headers = {"Authorization": f"Bearer {conversation['token']}"}
    url = f"{local_stack.url}/v1/conversations/{conversation['conversation_id']}/messages"

    turns = ["hello", "what time do you open on saturday", "thanks, bye"]
    answers = []
    for text in turns:
        response = requests.post(
            url, json={"text": text, "client_message_id": str(uuid.uuid4())}, headers=headers, timeout=10
        )
        assert response.status_code == 200, response.text
        answers.append(response.json()["replies"][0]["text"])
    assert "Monday to Friday" in answers[1]

    transcript = requests.get(url, headers=headers, timeout=10).json()
    assert [m["text"] for m in transcript["messages"] if m["role"] == "customer"] == turns
    assert transcript["status"] == "bot"


def test_the_local_run_serves_a_generated_openapi_document_with_every_template_route(local_stack):
    document = requests.get(f"{local_stack.url}/openapi.json", timeout=10).json()
    for route in local_stack.template.routes():
        assert route.method.lower() in document["paths"][route.path]


def test_an_unknown_route_gets_a_json_404(local_stack):
    response = requests.get(f"{local_stack.url}/v1/nothing-here", timeout=10)
    assert response.status_code == 404
    assert response.json()["message"]


def test_a_suspected_fraud_event_texts_the_customer_first_and_their_yes_is_answered(local_stack):
    phone = "+447700900105"  # C-1005, the customer of the scenario

    def texts() -> list[str]:
        outbox = requests.get(f"{local_stack.url}/local/sms/outbox", params={"phone": phone}, timeout=10).json()
        return [m["text"] for m in outbox["messages"]]

    before = len(texts())
    fired = requests.post(f"{local_stack.url}/local/events", json={"scenario": "suspected_fraud"}, timeout=30)
    assert fired.status_code == 200
    deadline = time.monotonic() + 30  # the text goes through the outbound queue and the sender function
    while len(texts()) == before and time.monotonic() < deadline:
        time.sleep(0.2)
    alert = texts()[-1]
    assert "Hotel Lisboa" in alert and "ending 6612" in alert and "YES or NO" in alert
    answer = requests.post(f"{local_stack.url}/local/sms/send", json={"from": phone, "text": "YES"}, timeout=30)
    assert answer.status_code == 200
    assert any("Thank you for confirming" in t for t in texts())
