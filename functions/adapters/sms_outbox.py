"""The local run's SMS sink: outbound texts are appended to a JSON-lines file, never sent to a provider."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pathlib import Path


class SmsOutbox:
    def __init__(self, path: Path) -> None:
        self._path = path

    def send(self, phone: str, text: str) -> str:
        message_id = f"LOCAL{uuid.uuid4().hex}"
        self._path.parent.mkdir(parents=True, exist_ok=True)
        line = json.dumps({"id": message_id, "to": phone, "text": text, "at": datetime.now(UTC).isoformat()})
        with self._path.open("a") as outbox:
            outbox.write(line + "\n")
        return message_id
