"""Words a contact-centre manager reads instead of codes: flow descriptions, intent titles, handoff reasons."""

from __future__ import annotations

from pathlib import Path

import yaml

FLOWS_DIR = Path(__file__).resolve().parent.parent / "functions" / "flows"
# The same words as the agent console (web/agent/dom.js).
HANDOFF_REASONS = {
    "customer_asked": "Asked for a person",
    "low_confidence": "Not understood",
    "flow_gave_up": "Bot couldn't finish",
    "negative_sentiment": "Frustrated",
    "complaint": "Complaint",
    "sensitive_change": "Sensitive change",
    "business_rule": "Above the bot's limits",
    "nlu_unavailable": "NLU unavailable",
    "backend_unavailable": "Systems unavailable",
}
CHANNELS = {"web": "Web chat", "app": "App", "sms": "SMS"}


def humanise(code: str) -> str:
    text = code.replace("_", " ").strip()
    return text[:1].upper() + text[1:] if text else "Unknown"


def reason_titles(flows_dir: Path = FLOWS_DIR) -> dict[str, str]:
    """Contact reasons are flow names or intents: a flow's description, else the intent's button title."""
    titles: dict[str, str] = {}
    responses = flows_dir / "responses.yml"
    if responses.exists():
        titles |= yaml.safe_load(responses.read_text()).get("intent_titles", {})
    for path in sorted(flows_dir.glob("*.yml")):
        if path != responses:
            flows = yaml.safe_load(path.read_text()).get("flows", {})
            titles |= {name: flow["description"] for name, flow in flows.items() if flow.get("description")}
    return titles


class Labels:
    def __init__(self, reasons: dict[str, str]) -> None:
        self._reasons = reasons | {"unknown": "No reason given", "other": "Something else"}

    def reason(self, code: str) -> str:
        return self._reasons.get(code) or humanise(code)

    def handoff(self, code: str) -> str:
        return HANDOFF_REASONS.get(code) or humanise(code)

    def channel(self, code: str) -> str:
        return CHANNELS.get(code) or humanise(code)
