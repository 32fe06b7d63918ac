"""The composition root: the one place real adapters are made, once per cold start."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

import boto3
import yaml
from botocore.config import Config
from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings

from adapters.agent_tokens import AgentTokenVerifier
from adapters.app_tokens import AppTokenVerifier
from adapters.demo_bank import DemoBank
from adapters.dynamodb_codes import DynamoCodeStore
from adapters.dynamodb_conversations import DynamoConversationStore
from adapters.dynamodb_handoffs import DynamoHandoffStore
from adapters.nlu_lambda import LambdaNluClient
from adapters.sms_outbox import SmsOutbox
from core.agent_desk import AgentDesk
from core.business_hours import BusinessCalendar
from core.context_pack import ContextPackBuilder
from core.conversation import Conversations
from core.dialogue import DialoguePolicy, ResponseCatalogue
from core.engine import FlowEngine
from core.flows import Flow, load_flows
from core.handoff_intake import HandoffIntake
from core.operations import Operations
from core.step_up import StepUp
from core.verification import Verifier

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

FLOWS_DIR = Path(__file__).parent / "flows"


class Settings(BaseSettings):
    """Read from the environment that template.yaml (or the local run) gives each function."""

    conversations_table: str
    demo_bank_table: str = "DemoBankTable"
    conversation_retention_days: int = 90
    nlu_function_name: str = "NluFunction"
    nlu_timeout_s: float = 3.0
    app_token_secret_arn: str | None = None
    # Local development only: the documented signing key, used when no secret ARN is configured.
    app_token_secret: SecretStr | None = None
    # Local development only: where one-time codes are "texted" (the SMS channel brings real providers).
    local_sms_outbox: Path | None = None
    confidence_threshold: float = 0.5
    max_low_confidence_turns: int = 2
    handoffs_table: str = "HandoffsTable"
    # When agents work (JSON: {"timezone": ..., "hours": {"mon": ["08:00", "20:00"], ...}, "holidays": [...]}).
    business_calendar: BusinessCalendar = Field(default_factory=BusinessCalendar)
    queue_seconds_per_position: int = 180
    handoff_max_wait_s: int = 600  # then a waiting customer is offered a callback
    agent_lease_s: int = 300  # an agent silent this long loses the claim
    # The agents' user pool (Cognito in the cloud; the local run's issuer locally).
    agent_token_issuer: str = ""
    agent_client_id: str = ""
    agent_jwks_url: str | None = None


def _utc_now() -> datetime:
    return datetime.now(UTC)


@cache
def get_settings() -> Settings:
    return Settings()


@dataclass(frozen=True)
class ChatDependencies:
    conversations: Conversations
    app_tokens: AppTokenVerifier


@dataclass(frozen=True)
class AgentDependencies:
    desk: AgentDesk
    packs: ContextPackBuilder
    tokens: AgentTokenVerifier


RESPONSES_FILE = FLOWS_DIR / "responses.yml"


def load_catalogue(path: Path = RESPONSES_FILE) -> ResponseCatalogue:
    return ResponseCatalogue.model_validate(yaml.safe_load(path.read_text()))


def load_flow_files(directory: Path = FLOWS_DIR) -> dict[str, Flow]:
    return load_flows(p for p in directory.glob("*.yml") if p != RESPONSES_FILE)


def _app_token_key(settings: Settings) -> str:
    if settings.app_token_secret_arn:
        from aws_lambda_powertools.utilities import parameters

        return str(parameters.get_secret(settings.app_token_secret_arn, max_age=3600))
    if settings.app_token_secret:
        return settings.app_token_secret.get_secret_value()
    raise RuntimeError("Configure APP_TOKEN_SECRET_ARN (cloud) or APP_TOKEN_SECRET (local)")


def _dynamodb() -> DynamoDBClient:
    retries = Config(retries={"mode": "standard", "max_attempts": 3}, connect_timeout=2, read_timeout=5)
    return boto3.client("dynamodb", config=retries)


def _stores(settings: Settings, dynamodb: DynamoDBClient) -> tuple[DynamoConversationStore, DynamoHandoffStore]:
    conversations = DynamoConversationStore(
        dynamodb,
        settings.conversations_table,
        timedelta(days=settings.conversation_retention_days),
        settings.handoffs_table,
    )
    return conversations, DynamoHandoffStore(dynamodb, settings.handoffs_table, conversations)


def build_chat_dependencies(settings: Settings) -> ChatDependencies:
    nlu_config = Config(
        retries={"mode": "standard", "max_attempts": 2}, connect_timeout=1, read_timeout=settings.nlu_timeout_s
    )
    dynamodb = _dynamodb()
    store, handoffs = _stores(settings, dynamodb)
    nlu = LambdaNluClient(boto3.client("lambda", config=nlu_config), settings.nlu_function_name)
    policy = DialoguePolicy(
        confidence_threshold=settings.confidence_threshold, max_low_confidence_turns=settings.max_low_confidence_turns
    )
    bank = DemoBank(dynamodb, settings.demo_bank_table, clock=_utc_now)
    app_key = _app_token_key(settings)
    step_up = None
    if settings.local_sms_outbox:
        code_key = hashlib.sha256(b"one-time-codes:" + app_key.encode()).digest()
        verifier = Verifier(
            DynamoCodeStore(dynamodb, settings.conversations_table), SmsOutbox(settings.local_sms_outbox), code_key
        )
        step_up = StepUp(verifier, bank)
    engine = FlowEngine(
        flows=load_flow_files(),
        catalogue=load_catalogue(),
        operations=Operations(bank),
        policy=policy,
        step_up=step_up,
    )
    intake = HandoffIntake(
        store=handoffs,
        bank=bank,
        calendar=settings.business_calendar,
        seconds_per_position=settings.queue_seconds_per_position,
    )
    conversations = Conversations(store=store, nlu=nlu, engine=engine, intake=intake)
    return ChatDependencies(conversations=conversations, app_tokens=AppTokenVerifier(app_key))


def build_agent_dependencies(settings: Settings) -> AgentDependencies:
    if not (settings.agent_token_issuer and settings.agent_client_id):
        raise RuntimeError("Configure AGENT_TOKEN_ISSUER and AGENT_CLIENT_ID (the agents' user pool)")
    dynamodb = _dynamodb()
    store, handoffs = _stores(settings, dynamodb)
    desk = AgentDesk(
        handoffs=handoffs,
        conversations=store,
        lease=timedelta(seconds=settings.agent_lease_s),
        max_wait=timedelta(seconds=settings.handoff_max_wait_s),
    )
    bank = DemoBank(dynamodb, settings.demo_bank_table, clock=_utc_now)
    titles = {name: flow.description for name, flow in load_flow_files().items()}
    tokens = AgentTokenVerifier(settings.agent_token_issuer, settings.agent_client_id, settings.agent_jwks_url)
    return AgentDependencies(desk=desk, packs=ContextPackBuilder(store, bank, titles), tokens=tokens)
