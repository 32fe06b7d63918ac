import base64

from local.gateway import http_api_event
from local.template import Route

ROUTE = Route("POST", "/v1/conversations/{conversation_id}/messages", "ChatApiFunction")


def test_routes_match_their_placeholders_and_nothing_else():
    assert ROUTE.match("POST", "/v1/conversations/abc/messages") == {"conversation_id": "abc"}
    assert ROUTE.match("GET", "/v1/conversations/abc/messages") is None
    assert ROUTE.match("POST", "/v1/conversations/a/b/messages") is None


def test_a_form_body_reaches_the_handler_base64_encoded_as_api_gateway_sends_it():
    body = b"From=%2B447700900123&Body=hello"
    headers = {"content-type": "application/x-www-form-urlencoded"}
    event = http_api_event(ROUTE, "POST", "/v1/sms?x=1", headers, body, {}, "127.0.0.1")
    assert event["isBase64Encoded"] is True
    assert base64.b64decode(event["body"]) == body
    assert event["queryStringParameters"] == {"x": "1"}


def test_a_json_body_is_passed_as_text():
    event = http_api_event(
        ROUTE, "POST", "/v1/c/1/messages", {"content-type": "application/json"}, b'{"a":1}', {}, "1.2.3.4"
    )
    assert (event["isBase64Encoded"], event["body"]) == (False, '{"a":1}')
    assert event["requestContext"]["http"]["sourceIp"] == "1.2.3.4"
