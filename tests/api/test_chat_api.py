import re

import boto3
import pytest

from adapters.app_tokens import AppTokenVerifier
from local.stack import LOCAL_APP_TOKEN_SECRET
from tests.api.conftest import load_event


def _post(chat_api, conversation, name="chat_post_message", token=None):
    bearer = f"Bearer {token or conversation['token']}"
    return chat_api(load_event(name, conversation["conversation_id"], bearer))


def test_starting_a_web_conversation_returns_an_id_a_token_and_the_welcome(web_conversation):
    assert re.fullmatch(r"[0-9a-f-]{36}", web_conversation["conversation_id"])
    assert len(web_conversation["token"]) >= 40
    assert web_conversation["status"] == "bot"
    assert web_conversation["replies"][0]["quick_replies"]


def test_a_message_gets_the_bots_answer(chat_api, web_conversation):
    response = _post(chat_api, web_conversation)
    assert response.status == 200
    assert response.body["status"] == "bot"
    assert "Saturday" in response.body["replies"][0]["text"]


def test_a_repeated_client_message_id_returns_the_first_answer_once(chat_api, web_conversation, fake_nlu):
    before = len(fake_nlu.nlu.received)
    first = _post(chat_api, web_conversation)
    second = _post(chat_api, web_conversation)
    assert second.body == first.body
    assert len(fake_nlu.nlu.received) == before + 1
    transcript = chat_api(
        load_event("chat_list_messages", web_conversation["conversation_id"], f"Bearer {web_conversation['token']}")
    )
    customer_lines = [m for m in transcript.body["messages"] if m["role"] == "customer"]
    assert len(customer_lines) == 1


def test_the_transcript_after_a_cursor_holds_only_newer_messages(chat_api, web_conversation):
    _post(chat_api, web_conversation)
    transcript = chat_api(
        load_event("chat_list_messages", web_conversation["conversation_id"], f"Bearer {web_conversation['token']}")
    )
    assert transcript.status == 200
    assert [m["seq"] for m in transcript.body["messages"]] == [2, 3]
    assert [m["role"] for m in transcript.body["messages"]] == ["customer", "bot"]
    assert transcript.body["cursor"] == "3"


def test_a_card_number_is_masked_in_what_is_stored_and_sent_to_the_nlu(
    chat_api, web_conversation, fake_nlu, dynamodb_endpoint
):
    _post(chat_api, web_conversation, "chat_post_message_with_card_number")
    assert fake_nlu.nlu.received[-1] == "I lost my card [card ending 4242], cvv [cvv]"
    items = boto3.client("dynamodb", endpoint_url=dynamodb_endpoint).query(
        TableName="ConversationsTable",
        KeyConditionExpression="pk = :pk",
        ExpressionAttributeValues={":pk": {"S": f"CONV#{web_conversation['conversation_id']}"}},
    )["Items"]
    assert items and not any("4242 4242" in str(item) or "123" in str(item.get("text")) for item in items)


@pytest.mark.parametrize(
    ("event", "status", "message"),
    [
        ("chat_post_message_malformed_json", 400, "not valid JSON"),
    ],
)
def test_malformed_input_gets_a_clear_4xx(chat_api, web_conversation, event, status, message):
    response = _post(chat_api, web_conversation, event)
    assert response.status == status
    assert message in response.body["message"]


@pytest.mark.parametrize(
    ("body", "problem"),
    [
        ('{"text": "   ", "client_message_id": "a"}', "body.text"),
        ('{"text": "' + "x" * 2001 + '", "client_message_id": "a"}', "body.text"),
        ('{"text": "hi"}', "body.client_message_id"),
        ('{"text": "hi", "client_message_id": "has spaces"}', "body.client_message_id"),
        ('{"text": 5, "client_message_id": "a"}', "body.text"),
        ('["not", "an", "object"]', "body"),
    ],
)
def test_invalid_message_bodies_get_422_naming_the_field(chat_api, web_conversation, body, problem):
    event = load_event("chat_post_message", web_conversation["conversation_id"], f"Bearer {web_conversation['token']}")
    event["body"] = body
    response = chat_api(event)
    assert response.status == 422
    assert problem in response.body["message"]


def test_a_wrong_or_missing_token_gets_401(chat_api, web_conversation):
    assert _post(chat_api, web_conversation, token="someone-elses-token").status == 401
    event = load_event("chat_post_message", web_conversation["conversation_id"])
    del event["headers"]["authorization"]
    assert chat_api(event).status == 401


def test_an_unknown_conversation_gets_404(chat_api, web_conversation):
    event = load_event(
        "chat_post_message", "00000000-0000-4000-8000-000000000000", f"Bearer {web_conversation['token']}"
    )
    response = chat_api(event)
    assert response.status == 404
    assert "does not exist" in response.body["message"]


def test_an_app_conversation_needs_a_valid_signed_customer_token(chat_api):
    assert chat_api(load_event("chat_start_app_conversation")).status == 401
    forged = AppTokenVerifier("a-different-signing-key-of-enough-length-000").issue("cust-001")
    assert chat_api(load_event("chat_start_app_conversation", authorization=f"Bearer {forged}")).status == 401
    valid = AppTokenVerifier(LOCAL_APP_TOKEN_SECRET).issue("cust-001")
    response = chat_api(load_event("chat_start_app_conversation", authorization=f"Bearer {valid}"))
    assert response.status == 201


def test_an_expired_app_token_is_refused(chat_api):
    expired = AppTokenVerifier(LOCAL_APP_TOKEN_SECRET).issue("cust-001", lifetime_s=-10)
    response = chat_api(load_event("chat_start_app_conversation", authorization=f"Bearer {expired}"))
    assert response.status == 401
    assert "expired" in response.body["message"]


def test_an_unknown_channel_is_refused(chat_api):
    event = load_event("chat_start_web_conversation")
    event["body"] = '{"channel": "fax"}'
    assert chat_api(event).status == 422


@pytest.mark.parametrize(
    "content_type", ["multipart/form-data", "application/x-www-form-urlencoded", "text/plain", "application/xml"]
)
def test_a_body_that_is_not_json_gets_415_not_a_server_error(chat_api, content_type):
    import base64

    event = load_event("chat_start_web_conversation")
    event["headers"]["content-type"] = content_type
    event["body"] = base64.b64encode(b'{"channel": "web"}').decode()
    event["isBase64Encoded"] = True
    response = chat_api(event)
    assert response.status == 415
    assert "application/json" in response.body["message"]
