"""The local run's stand-in for an SMS provider: the simulator page texts the bot through here.

`send` does what Twilio does with a text to our number: it posts the signed form webhook to the
gateway (so signature checks, base64 bodies and TwiML answers are exercised for real) and delivers
any TwiML answer to the phone, i.e. appends it to the local outbox where every outbound text lands.
A `message_sid` in the request re-posts a text Twilio already sent, as Twilio does when it retries a webhook.
"""

from __future__ import annotations

import json
import re
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode
from xml.etree import ElementTree

import requests
from twilio.request_validator import RequestValidator

from adapters.demo_bank_seed import DEMO_CUSTOMERS
from adapters.sms_outbox import SmsOutbox

if TYPE_CHECKING:
    from local.gateway import LocalRequest

# Documented local credentials; the cloud reads Twilio's from TwilioSecret.
LOCAL_TWILIO_AUTH_TOKEN = "local-twilio-auth-token-not-for-production"
LOCAL_ACCOUNT_SID = "AC" + "0" * 32
SERVICE_NUMBER = "+447700900000"
UNKNOWN_NUMBER = "+447700900999"
_MESSAGE_SID = re.compile(r"^SM[0-9a-f]{32}$")
_SEND_USAGE = 'Send {"from": "+4477...", "text": "...", "message_sid"?: "SM<32 hex>"}'


@dataclass
class SmsSimulator:
    gateway_url: str
    outbox_path: Path

    def routes(self) -> dict[str, Any]:
        return {
            "GET /local/sms/numbers": lambda _: (200, self.numbers()),
            "POST /local/sms/send": self.send,
            "GET /local/sms/outbox": lambda request: (200, self.outbox(request.query)),
        }

    def numbers(self) -> dict[str, Any]:
        known = [{"phone": c.phone, "label": f"{c.name} ({c.customer_id})"} for c in DEMO_CUSTOMERS]
        return {
            "numbers": [*known, {"phone": UNKNOWN_NUMBER, "label": "Unknown number"}],
            "service_number": SERVICE_NUMBER,
        }

    def send(self, request: LocalRequest) -> tuple[int, dict[str, Any]]:
        try:
            body = json.loads(request.body or b"{}")
            phone, text = str(body["from"]), str(body["text"])
            sid = str(body.get("message_sid") or "SM" + uuid.uuid4().hex)
        except (ValueError, KeyError, TypeError, AttributeError):
            return 400, {"message": _SEND_USAGE}
        if not _MESSAGE_SID.match(sid):
            return 400, {"message": _SEND_USAGE}
        form = {"MessageSid": sid, "SmsSid": sid, "AccountSid": LOCAL_ACCOUNT_SID, "From": phone,
                "To": SERVICE_NUMBER, "Body": text, "NumMedia": "0", "NumSegments": "1"}  # fmt: skip
        url = f"{self.gateway_url}/v1/sms/twilio"
        signature = RequestValidator(LOCAL_TWILIO_AUTH_TOKEN).compute_signature(url, form)
        answer = requests.post(
            url,
            data=urlencode(form),
            headers={"Content-Type": "application/x-www-form-urlencoded", "X-Twilio-Signature": signature},
            timeout=30,
        )
        if answer.status_code != 200:
            return answer.status_code, {"status": answer.status_code, "message": answer.text[:200]}
        outbox = SmsOutbox(self.outbox_path)
        replies = [message.text or "" for message in ElementTree.fromstring(answer.content).iter("Message")]
        for reply in replies:
            outbox.send(phone, reply)
        return 200, {"status": 200, "message_sid": sid, "replies": replies}

    def outbox(self, query: dict[str, str]) -> dict[str, Any]:
        phone, after = query.get("phone", ""), int(query.get("after", "0") or 0)
        lines = self.outbox_path.read_text().splitlines() if self.outbox_path.exists() else []
        mine = [json.loads(line) for line in lines if line.strip()]
        mine = [m for m in mine if m.get("to") == phone]
        messages = [
            {"n": n, "to": m["to"], "text": m["text"], "at": m["at"]} for n, m in enumerate(mine, 1) if n > after
        ]
        return {"messages": messages, "cursor": messages[-1]["n"] if messages else after}
