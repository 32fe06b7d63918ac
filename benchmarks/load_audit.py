"""The audit after a load run (benchmarks/load.py): what DynamoDB kept, against what the load sent.

Scans ConversationsTable and HandoffsTable and checks:
- every customer message the load sent is stored exactly once (one that never got an answer, at most once), in
  the order sent, and every transcript is numbered 1..last_seq with no gap or repeat;
- every SMS text that was answered got, by TwiML, the answer stored right after it (answered in order, once);
- every handoff was claimed by one agent at most and answered once; a conversation the bot owns has no open
  handoff, one an agent owns has its handoff claimed, one in the queue has it waiting (and the other way round);
  each agent holds as many handoffs as its count says; no handoff of the load is left open.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field, fields
from typing import TYPE_CHECKING, Any

from boto3.dynamodb.types import TypeDeserializer

from channels.sms import render_sms
from core.models import QuickReply, Reply

if TYPE_CHECKING:
    from benchmarks.load import LoadReport, Sent
    from local.stack import LocalStack

_OPEN = {"waiting", "callback", "claimed"}
_STATUS_OF_OPEN_HANDOFF = {"waiting": "queued", "callback": "queued", "claimed": "agent"}


@dataclass
class Audit:
    conversations: int = 0
    customer_messages: int = 0
    handoffs: int = 0
    answered_twice: int = 0
    missing_conversations: list[str] = field(default_factory=list)
    lost: list[str] = field(default_factory=list)
    duplicated: list[str] = field(default_factory=list)
    reordered: list[str] = field(default_factory=list)
    numbering: list[str] = field(default_factory=list)
    answer_order: list[str] = field(default_factory=list)
    claimed_twice: list[str] = field(default_factory=list)
    agent_replies: list[str] = field(default_factory=list)
    inconsistent: list[str] = field(default_factory=list)
    agent_counts: list[str] = field(default_factory=list)
    unresolved: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.answered_twice == 0 and not any(self._problems().values())

    def _problems(self) -> dict[str, list[str]]:
        return {f.name: getattr(self, f.name) for f in fields(self) if isinstance(getattr(self, f.name), list)}

    def as_dict(self) -> dict[str, Any]:
        counts = {name: len(found) for name, found in self._problems().items()}
        totals = {"conversations": self.conversations, "customer_messages": self.customer_messages}
        return {"ok": self.ok, **totals, "handoffs": self.handoffs, "answered_twice": self.answered_twice, **counts}

    def findings(self) -> list[str]:
        lines = [f"audit: {self.customer_messages} customer messages in {self.conversations} conversations, "
                 f"{self.handoffs} handoffs: {'OK' if self.ok else 'FAILED'}"]  # fmt: skip
        for name, found in self._problems().items():
            if found:
                lines.append(f"  {name} ({len(found)}): " + "; ".join(found[:5]))
        return lines


@dataclass
class Tables:
    conversations: dict[str, dict[str, Any]]  # conversation id -> META
    messages: dict[str, list[dict[str, Any]]]  # conversation id -> transcript lines by seq
    handoffs: dict[str, dict[str, Any]]  # handoff id -> META
    agents: list[dict[str, Any]]

    @classmethod
    def scan(cls, stack: LocalStack) -> Tables:
        client = stack.client("dynamodb")
        conversations, messages = {}, defaultdict(list)
        for item in _scan(client, "ConversationsTable"):
            if item["pk"].startswith("CONV#") and item["sk"] == "META":
                conversations[item["conversation_id"]] = item
            elif item["pk"].startswith("CONV#") and item["sk"].startswith("MSG#"):
                messages[item["pk"][5:]].extend(item["messages"])
        handoff_items = _scan(client, "HandoffsTable")
        return cls(
            conversations,
            {cid: sorted(found, key=lambda m: int(m["seq"])) for cid, found in messages.items()},
            {i["handoff_id"]: i for i in handoff_items if i["pk"].startswith("HANDOFF#")},
            [i for i in handoff_items if i["pk"].startswith("AGENT#")],
        )


def audit(tables: Tables, report: LoadReport) -> Audit:
    """What the tables hold against what the load sent (scan them with `Tables.scan(stack)`)."""
    result = Audit(conversations=len(report.conversations), handoffs=len(tables.handoffs))
    by_phone = defaultdict(list)
    for conversation in tables.conversations.values():
        if conversation.get("phone"):
            by_phone[conversation["phone"]].append(conversation["conversation_id"])
    mine = set()
    for sent in report.conversations:
        result.answered_twice += sent.answered_twice
        ids = by_phone.get(sent.phone, []) if sent.phone else [sent.conversation_id]
        if len(ids) != 1 or ids[0] not in tables.conversations:
            result.missing_conversations.append(f"{sent.scenario} {sent.phone or sent.conversation_id}: {ids}")
            continue
        mine.add(ids[0])
        _check_messages(result, sent, tables.messages.get(ids[0], []), tables.conversations[ids[0]])
    _check_handoffs(result, report, tables, mine)
    return result


def _check_messages(result: Audit, sent: Sent, messages: list[dict[str, Any]], meta: dict[str, Any]) -> None:
    where = f"{sent.scenario} {meta['conversation_id']}"
    seqs = [int(m["seq"]) for m in messages]
    if seqs != list(range(1, len(seqs) + 1)) or int(meta["last_seq"]) != len(seqs):
        result.numbering.append(f"{where}: seq {seqs} with last_seq {meta['last_seq']}")
    stored = [m.get("client_message_id") for m in messages if m["role"] == "customer"]
    result.customer_messages += len(stored)
    counts = Counter(stored)
    for message_id in sent.message_ids:
        if counts[message_id] == 0 and message_id in sent.answered:
            result.lost.append(f"{where}: {message_id}")
        elif counts[message_id] > 1:
            result.duplicated.append(f"{where}: {message_id} x{counts[message_id]}")
    unexpected = set(stored) - set(sent.message_ids)
    result.duplicated.extend(f"{where}: unexpected customer message {u}" for u in unexpected)
    in_order = [m for m in dict.fromkeys(stored) if m in set(sent.message_ids)]
    if in_order != [m for m in sent.message_ids if m in counts]:
        result.reordered.append(f"{where}: stored {in_order}, sent {sent.message_ids}")
    for sid, answer in sent.sms_replies.items():
        if list(answer) != _stored_answer(messages, sid):
            result.answer_order.append(f"{where}: {sid} got {answer!r}")


def _stored_answer(messages: list[dict[str, Any]], message_id: str) -> list[str]:
    """The text the customer's SMS turn was answered with, rendered from the bot replies stored with it."""
    asked = next((m for m in messages if m.get("client_message_id") == message_id), None)
    if asked is None:
        return []
    replies = tuple(
        Reply(text=m["text"], quick_replies=tuple(QuickReply(**q) for q in m.get("quick_replies") or ()))
        for m in messages
        if m["role"] == "bot" and int(m["seq"]) > int(asked["seq"]) and m["created_at"] == asked["created_at"]
    )
    return [render_sms(replies).text] if replies else []


def _check_handoffs(result: Audit, report: LoadReport, tables: Tables, mine: set[str]) -> None:
    taken = Counter(h.handoff_id for h in report.handled)
    result.claimed_twice.extend(f"{h} won by {n} agents" for h, n in taken.items() if n > 1)
    for conversation_id, handled in Counter(h.conversation_id for h in report.handled).items():
        agent_messages = [m for m in tables.messages.get(conversation_id, []) if m["role"] == "agent"]
        if sum(m["text"] == report.agent_reply for m in agent_messages) != handled:
            result.agent_replies.append(f"{conversation_id}: {len(agent_messages)} agent messages, {handled} handoffs")
    open_handoffs = defaultdict(list)
    for handoff in tables.handoffs.values():
        if handoff["status"] in _OPEN:
            open_handoffs[handoff["conversation_id"]].append(handoff)
            if handoff["conversation_id"] in mine:
                result.unresolved.append(f"{handoff['handoff_id']} {handoff['status']}")
    for conversation in tables.conversations.values():
        _check_owner(result, conversation, tables.handoffs, open_handoffs[conversation["conversation_id"]])
    held = Counter(h.get("agent_id") for h in tables.handoffs.values() if h["status"] == "claimed")
    for agent in tables.agents:
        if int(agent.get("active", 0)) != held[agent["agent_id"]]:
            result.agent_counts.append(
                f"{agent['username']}: active {agent.get('active')}, holds {held[agent['agent_id']]}"
            )


def _check_owner(
    result: Audit, conversation: dict[str, Any], handoffs: dict[str, dict[str, Any]], open_ones: list[dict[str, Any]]
) -> None:
    """Bot-owned: no open handoff. Queued or agent-owned: exactly its own handoff open, waiting or claimed."""
    status, conversation_id = conversation["status"], conversation["conversation_id"]
    handoff = handoffs.get(conversation.get("handoff_id") or "")
    expected = [handoff] if status in ("queued", "agent") and handoff else []
    fits = handoff is not None and _STATUS_OF_OPEN_HANDOFF.get(handoff["status"]) == status
    if open_ones != expected or (expected and not fits) or (status in ("queued", "agent") and not expected):
        found = [f"{h['handoff_id']} {h['status']}" for h in open_ones]
        result.inconsistent.append(f"conversation {conversation_id} {status}, open handoffs {found}")


def _scan(client: Any, table: str) -> list[dict[str, Any]]:
    deserialize = TypeDeserializer().deserialize
    items: list[dict[str, Any]] = []
    for page in client.get_paginator("scan").paginate(TableName=table):
        items.extend({k: deserialize(v) for k, v in item.items()} for item in page["Items"])
    return items
