"""Handoffs against a DynamoDB endpoint: the claim race, capacity, queue order, the context pack, call counts."""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import boto3
import pytest
from botocore.config import Config

from adapters.demo_bank import DemoBank
from adapters.demo_bank_seed import seed_demo_bank
from adapters.dynamodb_conversations import DynamoConversationStore
from adapters.dynamodb_handoffs import DynamoHandoffStore
from bootstrap import load_flow_files
from core.agent_desk import AgentDesk
from core.context_pack import ContextPackBuilder
from core.conversation import Conversations
from core.errors import AgentAtCapacity, HandoffAlreadyClaimed
from core.handoff import AgentProfile, HandoffStatus, Skill
from core.models import AuthLevel, Channel, ConversationStatus, Customer
from local.dynamodb import DynamoDBEndpoint
from local.tables import create_tables
from tests.fakes import KeywordNlu, make_engine, make_intake

REGION = "ap-southeast-2"  # this module's own moto store: it changes demo customers and agents
CLAIMANTS = 50
ROUNDS = 10
PAN = re.compile(r"\b(?:\d[ -]?){13,19}\b")


class Counter:
    """Counts DynamoDB API calls made through a client (botocore's before-call event)."""

    def __init__(self, client) -> None:
        self.calls: list[str] = []
        client.meta.events.register("before-call.dynamodb", lambda model, **_: self.calls.append(model.name))

    def during(self, action) -> list[str]:
        self.calls.clear()
        action()
        return list(self.calls)


@pytest.fixture(scope="module")
def client() -> Iterator:
    endpoint = DynamoDBEndpoint().start()
    client = boto3.client(
        "dynamodb", endpoint_url=endpoint.url, region_name=REGION,
        aws_access_key_id="test", aws_secret_access_key="test", config=Config(max_pool_connections=CLAIMANTS),
    )  # fmt: skip
    create_tables(client)
    seed_demo_bank(
        DemoBank(client, "DemoBankTable", clock=lambda: datetime.now(UTC)), "DemoBankTable", datetime.now(UTC)
    )
    yield client
    endpoint.stop()


@pytest.fixture(scope="module")
def world(client):
    bank = DemoBank(client, "DemoBankTable", clock=lambda: datetime.now(UTC))
    store = DynamoConversationStore(client, "ConversationsTable", timedelta(days=1))
    handoffs = DynamoHandoffStore(client, "HandoffsTable", store)
    conversations = Conversations(
        store=store, nlu=KeywordNlu(), engine=make_engine(bank), intake=make_intake(handoffs, bank)
    )
    desk = AgentDesk(handoffs=handoffs, conversations=store)
    titles = {name: flow.description for name, flow in load_flow_files().items()}
    packs = ContextPackBuilder(store, bank, titles)
    return conversations, desk, packs, handoffs


def _agent(handoffs, agent_id: str, capacity: int = 20, skills=tuple(Skill)) -> AgentProfile:
    handoffs.add_agent(AgentProfile(agent_id=agent_id, username=agent_id, name=f"Agent {agent_id}",
                                    skills=skills, capacity=capacity))  # fmt: skip
    return handoffs.agent(agent_id)


def _queued(conversations, text="talk to a person", customer: str | None = None) -> str:
    who = Customer(customer_id=customer, auth_level=AuthLevel.VERIFIED) if customer else None
    started = conversations.start(Channel.WEB, "en", who)
    conversations.handle_message(started.conversation.conversation_id, started.token, text, "m1")
    conversation = conversations.store.get(started.conversation.conversation_id)
    assert conversation.status is ConversationStatus.QUEUED
    return conversation.handoff_id


@pytest.mark.slow
def test_of_fifty_agents_claiming_one_handoff_exactly_one_wins_every_time(world):
    conversations, desk, _, handoffs = world
    agents = [_agent(handoffs, f"racer-{i}") for i in range(CLAIMANTS)]
    for _ in range(ROUNDS):
        handoff_id = _queued(conversations)
        start = threading.Barrier(CLAIMANTS)

        def claim(agent, handoff_id=handoff_id, start=start):
            start.wait()
            try:
                return desk.claim(agent, handoff_id).agent_id
            except HandoffAlreadyClaimed:
                return None

        with ThreadPoolExecutor(CLAIMANTS) as pool:
            winners = [w for w in pool.map(claim, agents) if w]
        assert len(winners) == 1
        stored = handoffs.get(handoff_id)
        assert (stored.status, stored.agent_id) == (HandoffStatus.CLAIMED, winners[0])
        assert sum(handoffs.agent(a.agent_id).active for a in agents) == 1
        desk.resolve(handoffs.agent(winners[0]), handoff_id, "resolved")
    assert sum(handoffs.agent(a.agent_id).active for a in agents) == 0


def test_an_agent_claiming_many_at_once_never_exceeds_capacity(world):
    conversations, desk, _, handoffs = world
    agent = _agent(handoffs, "busy", capacity=2)
    handoff_ids = [_queued(conversations) for _ in range(6)]
    start = threading.Barrier(len(handoff_ids))

    def claim(handoff_id):
        start.wait()
        try:
            desk.claim(agent, handoff_id)
            return True
        except AgentAtCapacity:
            return False

    with ThreadPoolExecutor(len(handoff_ids)) as pool:
        assert sum(pool.map(claim, handoff_ids)) == 2
    assert handoffs.agent("busy").active == 2
    for handoff_id in handoff_ids:  # leave the queue clean for the ordering test
        handoff = handoffs.get(handoff_id)
        if handoff.status is HandoffStatus.CLAIMED:
            desk.resolve(handoffs.agent("busy"), handoff_id, "resolved")
        else:
            desk.claim(_agent(handoffs, "sweeper"), handoff_id)
            desk.resolve(handoffs.agent("sweeper"), handoff_id, "duplicate")


def test_the_queue_lists_a_skill_by_priority_then_age_through_the_index(world):
    conversations, desk, _, handoffs = world
    normal = _queued(conversations, "talk to a person", customer="C-1001")
    complaint = _queued(conversations, "I want to make a complaint", customer="C-1002")
    vulnerable = _queued(conversations, "talk to a person", customer="C-1009")
    general = [h.handoff_id for h in desk.queue(_agent(handoffs, "reader"), Skill.GENERAL, HandoffStatus.WAITING)]
    assert [h for h in general if h in (normal, complaint, vulnerable)] == [complaint, vulnerable, normal]
    cards_only = _agent(handoffs, "cards-only", skills=(Skill.CARDS,))
    assert desk.queue(cards_only, None, HandoffStatus.WAITING) == [] or all(
        h.skill is Skill.CARDS for h in desk.queue(cards_only, None, HandoffStatus.WAITING)
    )


PII_MESSAGES = (
    "my card is 4111 1111 1111 1111 exp 12/27 cvv 123",
    "card number 5500-0000-0000-0004 please help",
    "it's 378282246310005 and my email is jane.doe@example.com",
    "call me on +44 7700 900123, my NI number is JG 12 34 56 C",
    "IBAN GB82 WEST 1234 5698 7654 32, card 6011000990139424",
    "4242424242424242 stolen!!! this is ridiculous",
)


def test_the_context_pack_has_the_whole_story_and_no_card_number(world, client):
    conversations, desk, packs, handoffs = world
    started = conversations.start(Channel.APP, "en", Customer(customer_id="C-1005", auth_level=AuthLevel.VERIFIED))
    cid, token = started.conversation.conversation_id, started.token
    conversations.handle_message(cid, token, "why was my card declined", "d1")
    for i, text in enumerate(PII_MESSAGES):
        conversations.handle_message(cid, token, text, f"p{i}")
    conversations.handle_message(cid, token, "I want to talk to a person", "h1")
    handoff_id = conversations.store.get(cid).handoff_id
    agent = _agent(handoffs, "reader-2")
    pack = packs.build(desk.handoff(agent, handoff_id), agent.name)
    dumped = pack.model_dump_json()
    assert not PAN.search(dumped.replace("\\n", " ")), PAN.search(dumped)
    assert "jane.doe@example.com" not in dumped, dumped[max(0, dumped.find("jane") - 300) : dumped.find("jane") + 50]
    assert "JG 12 34 56 C" not in dumped
    assert pack.customer and pack.customer.customer_id == "C-1005" and pack.customer.verification == "verified"
    assert [step.intent for step in pack.intents][:1] == ["card_declined"]
    assert all(0 <= step.confidence <= 1 for step in pack.intents)
    assert len(pack.sentiment) == len(PII_MESSAGES) + 2
    assert pack.handoff.reason == "customer_asked" and "Last request understood: lost stolen card" in pack.summary
    assert any("Declined" in line for line in pack.evidence), (
        pack.handoff.skill,
        pack.flow,
        pack.evidence,
        [m.text for m in pack.transcript],
    )
    assert any(s.title == "Explain the decline" for s in pack.suggestions)
    assert pack.transcript[0].role == "bot" and pack.transcript[-1].text


def test_each_agent_action_costs_a_few_dynamodb_calls(world, client):
    conversations, desk, _, handoffs = world
    counter = Counter(client)
    handoff_id = _queued(conversations)
    agent = _agent(handoffs, "counted")
    costs = {
        "claim": counter.during(lambda: desk.claim(agent, handoff_id)),
        "reply": counter.during(lambda: desk.send(agent, handoff_id, "Hello!", "c1")),
        "resolve": counter.during(lambda: desk.resolve(agent, handoff_id, "resolved")),
    }
    for action, calls in costs.items():
        assert calls.count("TransactWriteItems") == 1, (action, calls)
        assert len(calls) <= 5, (action, calls)
    print({action: len(calls) for action, calls in costs.items()})


def test_an_agent_resolution_is_stored_with_time_to_agent_handle_time_and_a_rating_question(world):
    conversations, desk, _, handoffs = world
    agent = _agent(handoffs, "outcome-agent")
    handoff_id = _queued(conversations, customer="C-1003")
    desk.claim(agent, handoff_id)
    desk.send(agent, handoff_id, "Let me sort that out for you.", "a1")
    desk.resolve(agent, handoff_id, "resolved")
    conversation_id = handoffs.get(handoff_id).conversation_id
    [outcome] = [o for o in conversations.store.outcomes(datetime.now(UTC).date()).outcomes
                 if o.conversation_id == conversation_id]  # fmt: skip
    service = outcome.service
    assert (service.resolution, service.handoff_reason, service.csat_asked) == ("agent", "customer_asked", True)
    assert service.handoff_at <= service.agent_joined_at <= service.resolved_at
    last = conversations.store.list_messages(conversation_id, 0, 50)[-1]
    assert "rate this conversation" in last.text and [q.title for q in last.quick_replies] == ["1", "2", "3", "4", "5"]


def test_measured_queue_waits_are_summed_per_skill_over_the_window(world):
    handoffs = world[3]
    start = datetime(2026, 11, 24, 9, 55, tzinfo=UTC)
    for minutes, seconds in ((0, 40.0), (10, 50.5), (10, 70.0), (65, 90.0)):  # three ten-minute buckets
        handoffs.record_queue_wait(Skill.INSURANCE_CLAIMS, seconds, start + timedelta(minutes=minutes))
    handoffs.record_queue_wait(Skill.LOANS, 500.0, start)
    assert handoffs.queue_waits(Skill.INSURANCE_CLAIMS, since=start) == (4, 250.5)
    assert handoffs.queue_waits(Skill.INSURANCE_CLAIMS, since=start + timedelta(minutes=10)) == (3, 210.5)
    assert handoffs.queue_waits(Skill.INSURANCE_CLAIMS, since=start + timedelta(hours=2)) == (0, 0.0)
