"""Lambda entry point of Twilio's incoming-message webhook: verify, enqueue in order, answer with TwiML
when the reply is ready in time (else the processor sends it through the Messages API)."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from functools import cache
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.metrics import MetricUnit
from pydantic import ValidationError

from adapters.twilio_sms import TwilioInbound, twiml_reply
from bootstrap import SmsDependencies, build_sms_dependencies, get_settings
from channels.sms_service import InboundSms
from handlers.errors import register_error_handlers

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.typing import LambdaContext

logger = Logger()
tracer = Tracer()
metrics = Metrics()
app = APIGatewayHttpResolver()
register_error_handlers(app)
_POLL_S = 0.1
_STATUSES = {"queued", "sending", "sent", "delivered", "undelivered", "failed", "read", "accepted", "scheduled"}


@cache
def dependencies() -> SmsDependencies:
    return build_sms_dependencies(get_settings())


def _xml(texts: list[str], status: int = 200) -> Response[str]:
    return Response(status_code=status, content_type="text/xml; charset=utf-8", body=twiml_reply(texts))


@app.post("/v1/sms/twilio")
def twilio_webhook() -> Response[str]:
    deps = dependencies()
    event = app.current_event
    try:
        form, params = TwilioInbound.from_form(event.decoded_body or "")
    except ValidationError as error:
        logger.warning("malformed Twilio webhook", extra={"problems": error.error_count()})
        return Response(400, "application/json", '{"message": "Not a Twilio incoming-message webhook"}')
    query = f"?{event.raw_query_string}" if event.raw_query_string else ""
    url = f"{deps.settings.public_base_url.rstrip('/')}{event.path}{query}"
    if deps.webhook is None or not deps.webhook.verify(url, params, event.headers.get("x-twilio-signature")):
        metrics.add_metric(name="SmsSignatureRejected", unit=MetricUnit.Count, value=1)
        return Response(403, "application/json", '{"message": "Invalid X-Twilio-Signature for the public URL"}')
    try:
        inbound = InboundSms(
            provider_message_id=form.MessageSid, phone=form.From, text=form.Body, received_at=datetime.now(UTC)
        )
    except ValidationError:
        # Signed by Twilio, but from a sender we cannot text back (a short code, an alphanumeric or WhatsApp id).
        logger.warning("Twilio webhook from a sender that is not a phone number", extra={"sid": form.MessageSid})
        return Response(400, "application/json", '{"message": "The sender is not an E.164 phone number"}')
    logger.append_keys(provider_message_id=form.MessageSid)
    deps.queue.enqueue(inbound)
    return _xml(_wait_for_reply(deps, form.MessageSid))


@app.post("/v1/sms/twilio/status")
def twilio_status() -> Response[str]:
    """Twilio's delivery status callback: the agent sees a failed delivery on their message."""
    deps = dependencies()
    event = app.current_event
    params = dict(parse_qsl(event.decoded_body or "", keep_blank_values=True))
    url = f"{deps.settings.public_base_url.rstrip('/')}{event.path}"
    if deps.webhook is None or not deps.webhook.verify(url, params, event.headers.get("x-twilio-signature")):
        return Response(403, "application/json", '{"message": "Invalid X-Twilio-Signature for the public URL"}')
    sid, status = params.get("MessageSid", ""), params.get("MessageStatus", "")
    if not sid or status not in _STATUSES:
        return Response(400, "application/json", '{"message": "Needs MessageSid and a MessageStatus"}')
    deps.log.status(sid, status)
    if status in ("failed", "undelivered"):
        metrics.add_metric(name="SmsUndelivered", unit=MetricUnit.Count, value=1)
    return Response(204, "text/plain", "")


def _wait_for_reply(deps: SmsDependencies, message_sid: str) -> list[str]:
    """The processor's answer if it comes within the wait; after that, the processor sends it by API."""
    deadline = time.monotonic() + deps.settings.sms_twiml_wait_s
    while time.monotonic() < deadline:
        texts = deps.replies.take(message_sid)
        if texts is not None:
            return texts
        time.sleep(_POLL_S)
    return deps.replies.give_up(message_sid, datetime.now(UTC)) or []


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_HTTP, clear_state=True)
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return app.resolve(event, context)
