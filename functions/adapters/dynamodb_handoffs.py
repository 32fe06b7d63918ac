"""Handoffs and agent profiles in DynamoDB (HandoffsTable in template.yaml).

Keys:
    HANDOFF#<id> / META       the handoff, with its version for optimistic locking
    AGENT#<id>   / PROFILE    an agent: skills, capacity, and `active`, the handoffs they hold now
    QUEUEWAIT#<skill> / <10-minute bucket>   `samples` and `seconds`: measured waits per place (core.queue_wait)
Sparse index attributes, derived from the status on every write, so an index lists only what it should:
    queue: qpk QUEUE#<skill>    qsk <priority>#<enqueued_at>#<id>   waiting, served by priority then age
           qpk CALLBACK#<skill> qsk <enqueued_at>#<id>              callback requests
           qpk CLAIMED#<skill>  qsk <lease_expires_at>#<id>         claims, by lease expiry (the sweeper)
    agent: apk AGENT#<agent id> ask <claimed_at>#<id>               an agent's claims
"""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from adapters.dynamodb_errors import any_throttled, call, raise_if_throttled
from adapters.dynamodb_items import from_item, to_item
from core.errors import AgentAtCapacity, ConcurrentUpdate, DuplicateMessage, HandoffChanged, ServiceBusy
from core.handoff import AgentProfile, Handoff, HandoffChange, HandoffStatus, Skill

if TYPE_CHECKING:
    from datetime import datetime

    from mypy_boto3_dynamodb import DynamoDBClient

    from adapters.dynamodb_conversations import DynamoConversationStore

CLOSED_RETENTION = timedelta(days=400)  # closed handoffs stay for reporting, then expire
QUEUE_WAIT_RETENTION = timedelta(days=1)  # estimates read the last hours only


def _wait_bucket(moment: datetime) -> str:
    """Ten-minute buckets: a window's query reads a dozen small items, and concurrent claims add to one."""
    return f"{moment:%Y-%m-%dT%H}:{moment.minute // 10}0"


def _handoff_key(handoff_id: str) -> dict[str, Any]:
    return {"pk": {"S": f"HANDOFF#{handoff_id}"}, "sk": {"S": "META"}}


def _agent_key(agent_id: str) -> dict[str, Any]:
    return {"pk": {"S": f"AGENT#{agent_id}"}, "sk": {"S": "PROFILE"}}


def _index_keys(handoff: Handoff) -> dict[str, Any]:
    suffix = f"{handoff.handoff_id}"
    if handoff.status is HandoffStatus.WAITING:
        return {
            "qpk": f"QUEUE#{handoff.skill}",
            "qsk": f"{handoff.priority:d}#{handoff.enqueued_at.isoformat()}#{suffix}",
        }
    if handoff.status is HandoffStatus.CALLBACK:
        return {"qpk": f"CALLBACK#{handoff.skill}", "qsk": f"{handoff.enqueued_at.isoformat()}#{suffix}"}
    if handoff.status is HandoffStatus.CLAIMED and handoff.lease_expires_at and handoff.claimed_at:
        return {
            "qpk": f"CLAIMED#{handoff.skill}",
            "qsk": f"{handoff.lease_expires_at.isoformat()}#{suffix}",
            "apk": f"AGENT#{handoff.agent_id}",
            "ask": f"{handoff.claimed_at.isoformat()}#{suffix}",
        }
    closed = handoff.closed_at or handoff.enqueued_at
    return {"expires_at": int((closed + CLOSED_RETENTION).timestamp())}


def handoff_put(table: str, handoff: Handoff, expected_version: int | None) -> dict[str, Any]:
    """A Put of this handoff version; it fails if someone else wrote the handoff since we read it."""
    item = to_item(handoff, pk=f"HANDOFF#{handoff.handoff_id}", sk="META", **_index_keys(handoff))
    put: dict[str, Any] = {"TableName": table, "Item": item}
    if expected_version is None:
        put["ConditionExpression"] = "attribute_not_exists(pk)"
    else:
        # Two agents claiming, or a customer cancelling while an agent claims: only the first write wins.
        put["ConditionExpression"] = "#version = :read_version"
        put["ExpressionAttributeNames"] = {"#version": "version"}
        put["ExpressionAttributeValues"] = {":read_version": {"N": str(expected_version)}}
    return {"Put": put}


class DynamoHandoffStore:
    def __init__(self, client: DynamoDBClient, table_name: str, conversations: DynamoConversationStore) -> None:
        self._client = client
        self._table = table_name
        self._conversations = conversations

    def get(self, handoff_id: str) -> Handoff | None:
        response = self._call(
            self._client.get_item, TableName=self._table, Key=_handoff_key(handoff_id), ConsistentRead=True
        )
        item = response.get("Item")
        return Handoff.model_validate(from_item(item)) if item else None

    def waiting(self, skill: Skill, limit: int) -> list[Handoff]:
        return self._query_queue(f"QUEUE#{skill}", limit)

    def callbacks(self, skill: Skill, limit: int) -> list[Handoff]:
        return self._query_queue(f"CALLBACK#{skill}", limit)

    def claims_expiring_before(self, skill: Skill, moment: datetime, limit: int) -> list[Handoff]:
        return self._query_queue(f"CLAIMED#{skill}", limit, below=moment.isoformat())

    def claimed_by(self, agent_id: str, limit: int) -> list[Handoff]:
        response = self._call(
            self._client.query,
            TableName=self._table,
            IndexName="agent",
            KeyConditionExpression="apk = :agent",
            ExpressionAttributeValues={":agent": {"S": f"AGENT#{agent_id}"}},
            Limit=limit,
        )
        return [Handoff.model_validate(from_item(item)) for item in response.get("Items", [])]

    def waiting_ahead(self, handoff: Handoff) -> int:
        """How many waiting handoffs of the same skill are served before this one."""
        mine = _index_keys(handoff).get("qsk", "")
        response = self._call(
            self._client.query,
            TableName=self._table,
            IndexName="queue",
            KeyConditionExpression="qpk = :queue AND qsk < :mine",
            ExpressionAttributeValues={":queue": {"S": f"QUEUE#{handoff.skill}"}, ":mine": {"S": mine}},
            Select="COUNT",
        )
        return int(response.get("Count", 0))

    def record_queue_wait(self, skill: Skill, seconds_per_place: float, at: datetime) -> None:
        # ADD commutes, so claims measured at once never conflict; it sits outside the claim's transaction
        # because two transactions touching one item would cancel each other.
        self._call(
            self._client.update_item,
            TableName=self._table,
            Key={"pk": {"S": f"QUEUEWAIT#{skill}"}, "sk": {"S": _wait_bucket(at)}},
            UpdateExpression="ADD samples :one, #seconds :seconds SET expires_at = :expires",
            ExpressionAttributeNames={"#seconds": "seconds"},
            ExpressionAttributeValues={
                ":one": {"N": "1"},
                ":seconds": {"N": f"{seconds_per_place:.3f}"},
                ":expires": {"N": str(int((at + QUEUE_WAIT_RETENTION).timestamp()))},
            },
        )

    def queue_waits(self, skill: Skill, since: datetime) -> tuple[int, float]:
        response = self._call(
            self._client.query,
            TableName=self._table,
            KeyConditionExpression="pk = :skill AND sk >= :since",
            ExpressionAttributeValues={":skill": {"S": f"QUEUEWAIT#{skill}"}, ":since": {"S": _wait_bucket(since)}},
        )
        items = response.get("Items", [])
        return sum(int(i["samples"]["N"]) for i in items), sum(float(i["seconds"]["N"]) for i in items)

    def agent(self, agent_id: str) -> AgentProfile | None:
        response = self._call(self._client.get_item, TableName=self._table, Key=_agent_key(agent_id))
        item = response.get("Item")
        return AgentProfile.model_validate(from_item(item)) if item else None

    def add_agent(self, profile: AgentProfile) -> None:
        """Create the profile if it is new; an existing agent keeps the count of handoffs they hold."""
        item = to_item(profile, pk=f"AGENT#{profile.agent_id}", sk="PROFILE")
        try:
            self._client.put_item(TableName=self._table, Item=item, ConditionExpression="attribute_not_exists(pk)")
        except self._client.exceptions.ConditionalCheckFailedException:
            pass

    def apply(self, change: HandoffChange) -> None:
        """Write one transition of a handoff, with its conversation, messages and agents, atomically."""
        actions: list[dict[str, Any]] = [handoff_put(self._table, change.after, change.before.version)]
        roles = ["handoff"]
        if change.conversation_after is not None and change.conversation_before is not None:
            writes = self._conversations.conversation_writes(change.conversation_before, change.conversation_after)
            actions += writes
            roles += ["conversation", *["outcome"] * (len(writes) - 1)]
            if change.messages:
                actions.append(self._conversations.messages_put(change.after.conversation_id, change.messages))
                roles.append("messages")
        for agent_id, delta in change.agent_deltas:
            actions.append(self._agent_update(agent_id, delta))
            roles.append("agent+" if delta > 0 else "agent-")
        if change.receipt is not None:
            key, outcome = change.receipt
            now = change.messages[0].created_at if change.messages else change.after.enqueued_at
            actions.append(self._conversations.receipt_put(change.after.conversation_id, key, outcome, now))
            roles.append("receipt")
        self._transact(actions, roles, change.after)

    def _agent_update(self, agent_id: str, delta: int) -> dict[str, Any]:
        update: dict[str, Any] = {
            "TableName": self._table,
            "Key": _agent_key(agent_id),
            "UpdateExpression": "ADD #active :delta",
            "ExpressionAttributeNames": {"#active": "active"},
            "ExpressionAttributeValues": {":delta": {"N": str(delta)}},
        }
        if delta > 0:
            # An agent at capacity cannot take one more, however many claims they send at once.
            update["ConditionExpression"] = "attribute_exists(pk) AND #active < #capacity"
            update["ExpressionAttributeNames"] |= {"#capacity": "capacity"}
        return {"Update": update}

    def _transact(self, actions: list[dict[str, Any]], roles: list[str], handoff: Handoff) -> None:
        try:
            self._client.transact_write_items(TransactItems=actions)  # type: ignore[arg-type]
        except self._client.exceptions.TransactionCanceledException as error:
            reasons = [r.get("Code", "None") for r in error.response.get("CancellationReasons", [])]
            if any_throttled(reasons):
                raise ServiceBusy("The handoff queue") from error
            failed = {role for role, code in zip(roles, reasons, strict=False) if code == "ConditionalCheckFailed"}
            if "handoff" in failed:
                raise HandoffChanged(handoff.handoff_id) from error
            if "conversation" in failed:
                raise ConcurrentUpdate(handoff.conversation_id) from error
            if "agent+" in failed:
                raise AgentAtCapacity() from error
            if "receipt" in failed:
                raise DuplicateMessage("agent message") from error
            raise HandoffChanged(handoff.handoff_id) from error
        except ClientError as error:
            raise_if_throttled(error, "The handoff queue")
            raise

    def _query_queue(self, partition: str, limit: int, below: str | None = None) -> list[Handoff]:
        condition = "qpk = :queue" + (" AND qsk < :below" if below else "")
        values: dict[str, Any] = {":queue": {"S": partition}}
        if below:
            values[":below"] = {"S": below}
        response = self._call(
            self._client.query,
            TableName=self._table,
            IndexName="queue",
            KeyConditionExpression=condition,
            ExpressionAttributeValues=values,
            Limit=limit,
        )
        return [Handoff.model_validate(from_item(item)) for item in response.get("Items", [])]

    def _call(self, operation: Any, **kwargs: Any) -> dict[str, Any]:
        return call("The handoff queue", operation, **kwargs)
