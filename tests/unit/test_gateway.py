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


def test_any_http_method_gets_a_json_answer_not_an_html_501():
    import json
    import threading
    from http.client import HTTPConnection

    from local.gateway import Gateway

    gateway = Gateway(("127.0.0.1", 0), [ROUTE], lambda name, event: {"statusCode": 204}, dict)
    threading.Thread(target=gateway.serve_forever, daemon=True).start()
    try:
        for method in ("TRACE", "PATCH", "OPTIONS", "DELETE"):
            connection = HTTPConnection("127.0.0.1", gateway.server_address[1], timeout=5)
            connection.request(method, "/v1/conversations/abc/messages")
            response = connection.getresponse()
            assert response.status == 404
            assert "No route" in json.loads(response.read())["message"]
    finally:
        gateway.shutdown()
        gateway.server_close()
