"""The composition root: the one place real adapters are made, once per cold start."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Literal

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
from adapters.dynamodb_outreach import DynamoOutreachLedger
from adapters.dynamodb_sms import DynamoDeliveryLog, DynamoPhoneDirectory, DynamoSmsReplies
from adapters.dynamodb_timeline import DynamoTimeline
from adapters.end_user_messaging import EndUserMessagingSender
from adapters.nlu_lambda import LambdaNluClient
from adapters.service_metrics_emf import emit_milestones
from adapters.sms_outbox import SmsOutbox
from adapters.sqs_sms_queue import SqsOutboundQueue, SqsSmsQueue
from adapters.twilio_sms import TwilioSender, TwilioWebhookVerifier
from channels.sms_service import QueuedSender, SmsInbox, SmsNotifier, SmsOutreach, SmsSender, SmsService
from core.agent_desk import AgentDesk
from core.business_hours import BusinessCalendar
from core.context_pack import ContextPackBuilder
from core.conversation import Conversations
from core.dialogue import DialoguePolicy, ResponseCatalogue
from core.engine import FlowEngine
from core.flows import Flow, load_flows
from core.handoff_intake import HandoffIntake
from core.operations import Operations
from core.prediction import PredictorModel
from core.proactive import ProactiveService, QuietHours, load_rules
from core.reason_offers import ReasonOffers
from core.step_up import StepUp
from core.supervision import Supervision
from core.verification import Verifier

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

FLOWS_DIR = Path(__file__).parent / "flows"
PROACTIVE_RULES = Path(__file__).parent / "proactive" / "rules.yml"
PREDICTOR_FILE = Path(__file__).parent / "prediction_model.json"  # trained by `make predict-train`


class Settings(BaseSettings):
    """Read from the environment that template.yaml (or the local run) gives each function."""

    conversations_table: str
    demo_bank_table: str = "DemoBankTable"
    conversation_retention_days: int = 90
    nlu_function_name: str = "NluFunction"
    nlu_timeout_s: float = 2.5
    app_token_secret_arn: str | None = None
    # Local development only: the documented signing key, used when no secret ARN is configured.
    app_token_secret: SecretStr | None = None
    # Local development only: where every SMS is "sent" (a JSON-lines file the SMS simulator reads).
    local_sms_outbox: Path | None = None
    sms_provider: Literal["local", "twilio", "end_user_messaging"] = "local"
    sms_queue_url: str = ""
    # Where texts wait for the sender function; empty: send synchronously (tests without queues).
    sms_outbound_queue_url: str = ""
    sms_max_send_attempts: int = 6  # the outbound queue's maxReceiveCount in template.yaml
    sms_max_segments: int = 3
    sms_twiml_wait_s: float = 4.0  # how long the Twilio webhook waits to answer with TwiML
    idempotency_table: str = "IdempotencyTable"
    # The URL Twilio signs: behind API Gateway the handler sees another host and stage, so it is configured.
    public_base_url: str = ""
    twilio_secret_arn: str | None = None  # JSON {"account_sid", "auth_token", "from_number"}
    twilio_auth_token: SecretStr | None = None  # local run only: the simulator signs with it
    sms_origination_identity: str = ""  # End User Messaging: phone number or pool id
    sms_configuration_set: str | None = None
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
    # Proactive service: when no text goes out (unless a rule must), and how many a customer gets a day.
    quiet_hours: QuietHours = Field(default_factory=QuietHours)
    proactive_daily_limit: int = 2


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
class SmsDependencies:
    queue: SqsSmsQueue
    replies: DynamoSmsReplies
    log: DynamoDeliveryLog
    webhook: TwilioWebhookVerifier | None  # None when Twilio is not the provider
    settings: Settings


@dataclass(frozen=True)
class SmsSending:
    provider: SmsSender
    log: DynamoDeliveryLog
    backoff: Callable[[str, int], None]  # (receipt handle, seconds until the next try)
    max_attempts: int


@dataclass(frozen=True)
class AgentDependencies:
    desk: AgentDesk
    packs: ContextPackBuilder
    tokens: AgentTokenVerifier
    supervision: Supervision


RESPONSES_FILE = FLOWS_DIR / "responses.yml"


def load_catalogue(path: Path = RESPONSES_FILE) -> ResponseCatalogue:
    return ResponseCatalogue.model_validate(yaml.safe_load(path.read_text()))


@cache
def load_predictor(path: Path = PREDICTOR_FILE) -> PredictorModel:
    return PredictorModel.load(path)


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
    # total_max_attempts counts the first try: 3 tries keep a throttled call well inside a 10 s function.
    retries = Config(retries={"mode": "standard", "total_max_attempts": 3}, connect_timeout=2, read_timeout=5)
    return boto3.client("dynamodb", config=retries)


def _stores(settings: Settings, dynamodb: DynamoDBClient) -> tuple[DynamoConversationStore, DynamoHandoffStore]:
    conversations = DynamoConversationStore(
        dynamodb,
        settings.conversations_table,
        timedelta(days=settings.conversation_retention_days),
        settings.handoffs_table,
    )
    return conversations, DynamoHandoffStore(dynamodb, settings.handoffs_table, conversations)


def _sms_sender(settings: Settings) -> SmsSender:
    """The SMS provider is configuration; the core never knows which one sends."""
    if settings.sms_provider == "twilio":
        credentials = _twilio_credentials(settings)
        status_url = (
            f"{settings.public_base_url.rstrip('/')}/v1/sms/twilio/status" if settings.public_base_url else None
        )
        return TwilioSender(
            credentials["account_sid"],
            credentials["auth_token"],
            credentials["from_number"],
            status_callback=status_url,
        )
    if settings.sms_provider == "end_user_messaging":
        timeouts = Config(connect_timeout=2, read_timeout=5, retries={"mode": "standard", "total_max_attempts": 2})
        client = boto3.client("pinpoint-sms-voice-v2", config=timeouts)
        return EndUserMessagingSender(client, settings.sms_origination_identity, settings.sms_configuration_set)
    if settings.local_sms_outbox is None:
        raise RuntimeError("Configure SMS_PROVIDER (twilio | end_user_messaging) or LOCAL_SMS_OUTBOX (local run)")
    return SmsOutbox(settings.local_sms_outbox)


def _outbound(settings: Settings) -> SmsSender:
    """What every function but the sender uses to text: the outbound queue (retried until sent)."""
    if not settings.sms_outbound_queue_url:
        return _sms_sender(settings)
    return QueuedSender(SqsOutboundQueue(boto3.client("sqs"), settings.sms_outbound_queue_url), _utc_now)


def build_sms_sending(settings: Settings) -> SmsSending:
    """The sender function: the provider itself, the delivery log, and the queue's backoff."""
    sqs = boto3.client("sqs")

    def backoff(receipt_handle: str, seconds: int) -> None:
        sqs.change_message_visibility(
            QueueUrl=settings.sms_outbound_queue_url, ReceiptHandle=receipt_handle, VisibilityTimeout=seconds
        )

    log = DynamoDeliveryLog(_dynamodb(), settings.conversations_table)
    return SmsSending(_sms_sender(settings), log, backoff, settings.sms_max_send_attempts)


def _twilio_credentials(settings: Settings) -> dict[str, str]:
    if settings.twilio_secret_arn:
        from aws_lambda_powertools.utilities import parameters

        secret = parameters.get_secret(settings.twilio_secret_arn, transform="json", max_age=3600)
        return {k: str(v) for k, v in dict(secret).items()}
    if settings.twilio_auth_token:
        return {"account_sid": "", "auth_token": settings.twilio_auth_token.get_secret_value(), "from_number": ""}
    raise RuntimeError("Configure TWILIO_SECRET_ARN (cloud) or TWILIO_AUTH_TOKEN (local)")


def _conversations(settings: Settings, dynamodb: DynamoDBClient, sender: SmsSender) -> tuple[Conversations, str]:
    nlu_config = Config(
        # Two tries of nlu_timeout_s each stay inside the chat function's 10 s, so a hung model gets the honest
        # "I can't understand right now" rather than a gateway timeout.
        retries={"mode": "standard", "total_max_attempts": 2},
        connect_timeout=1,
        read_timeout=settings.nlu_timeout_s,
    )
    store, handoffs = _stores(settings, dynamodb)
    nlu = LambdaNluClient(boto3.client("lambda", config=nlu_config), settings.nlu_function_name)
    policy = DialoguePolicy(
        confidence_threshold=settings.confidence_threshold, max_low_confidence_turns=settings.max_low_confidence_turns
    )
    bank = DemoBank(dynamodb, settings.demo_bank_table, clock=_utc_now)
    app_key = _app_token_key(settings)
    code_key = hashlib.sha256(b"one-time-codes:" + app_key.encode()).digest()
    verifier = Verifier(DynamoCodeStore(dynamodb, settings.conversations_table), sender, code_key)
    engine = FlowEngine(
        flows=load_flow_files(),
        catalogue=load_catalogue(),
        operations=Operations(bank),
        policy=policy,
        step_up=StepUp(verifier, bank),
    )
    intake = HandoffIntake(
        store=handoffs,
        bank=bank,
        calendar=settings.business_calendar,
        seconds_per_position=settings.queue_seconds_per_position,
    )
    offers = ReasonOffers(
        timeline=DynamoTimeline(dynamodb, settings.conversations_table),
        model=load_predictor(),
        flows=engine.flows,
        titles=engine.catalogue.intent_titles,
    )
    conversations = Conversations(
        store=store, nlu=nlu, engine=engine, intake=intake, offers=offers, observe=emit_milestones
    )
    conversations.feed = _proactive(settings, dynamodb, conversations, sender, bank)
    return conversations, app_key


def _proactive(
    settings: Settings, dynamodb: DynamoDBClient, conversations: Conversations, sender: SmsSender, bank: DemoBank
) -> ProactiveService:
    directory = DynamoPhoneDirectory(dynamodb, settings.conversations_table)
    outreach = SmsOutreach(conversations, directory, sender, settings.sms_max_segments)
    return ProactiveService(
        rules=load_rules(PROACTIVE_RULES),
        bank=bank,
        ledger=DynamoOutreachLedger(dynamodb, settings.conversations_table),
        starter=outreach,
        consent=outreach,
        quiet=settings.quiet_hours,
        daily_limit=settings.proactive_daily_limit,
        clock=_utc_now,
    )


def build_proactive(settings: Settings) -> ProactiveService:
    """Customer events and the deferred-texts schedule: contact the customer first when a rule says so."""
    conversations, _ = _conversations(settings, _dynamodb(), _outbound(settings))
    assert isinstance(conversations.feed, ProactiveService)
    return conversations.feed


def build_chat_dependencies(settings: Settings) -> ChatDependencies:
    conversations, app_key = _conversations(settings, _dynamodb(), _outbound(settings))
    return ChatDependencies(conversations=conversations, app_tokens=AppTokenVerifier(app_key))


def _sms_service(settings: Settings, dynamodb: DynamoDBClient, conversations: Conversations) -> SmsService:
    bank = DemoBank(dynamodb, settings.demo_bank_table, clock=_utc_now)
    directory = DynamoPhoneDirectory(dynamodb, settings.conversations_table)
    return SmsService(conversations, directory, bank, max_segments=settings.sms_max_segments)


def _twilio_is_provider(settings: Settings) -> bool:
    return settings.sms_provider == "twilio" or (settings.sms_provider == "local" and bool(settings.twilio_auth_token))


def build_sms_dependencies(settings: Settings) -> SmsDependencies:
    """The SMS edges (Twilio webhook, End User Messaging via SNS): verify, enqueue in order, hand over replies."""
    dynamodb = _dynamodb()
    replies = DynamoSmsReplies(dynamodb, settings.conversations_table)
    twilio = _twilio_is_provider(settings)
    webhook = TwilioWebhookVerifier(_twilio_credentials(settings)["auth_token"]) if twilio else None
    queue = SqsSmsQueue(boto3.client("sqs"), settings.sms_queue_url)
    log = DynamoDeliveryLog(dynamodb, settings.conversations_table)
    return SmsDependencies(queue=queue, replies=replies, log=log, webhook=webhook, settings=settings)


def build_sms_inbox(settings: Settings) -> SmsInbox:
    """The SMS processor: answers each text with the same core as web and app, and delivers the answer once."""
    dynamodb = _dynamodb()
    sender = _outbound(settings)
    conversations, _ = _conversations(settings, dynamodb, sender)
    replies = DynamoSmsReplies(dynamodb, settings.conversations_table) if _twilio_is_provider(settings) else None
    return SmsInbox(_sms_service(settings, dynamodb, conversations), sender, replies)


def build_agent_dependencies(settings: Settings) -> AgentDependencies:
    if not (settings.agent_token_issuer and settings.agent_client_id):
        raise RuntimeError("Configure AGENT_TOKEN_ISSUER and AGENT_CLIENT_ID (the agents' user pool)")
    dynamodb = _dynamodb()
    store, handoffs = _stores(settings, dynamodb)
    directory = DynamoPhoneDirectory(dynamodb, settings.conversations_table)
    desk = AgentDesk(
        handoffs=handoffs,
        conversations=store,
        lease=timedelta(seconds=settings.agent_lease_s),
        max_wait=timedelta(seconds=settings.handoff_max_wait_s),
        seconds_per_position=settings.queue_seconds_per_position,
        notify=SmsNotifier(directory, _outbound(settings), settings.sms_max_segments),
        observe=emit_milestones,
    )
    bank = DemoBank(dynamodb, settings.demo_bank_table, clock=_utc_now)
    titles = {name: flow.description for name, flow in load_flow_files().items()}
    tokens = AgentTokenVerifier(settings.agent_token_issuer, settings.agent_client_id, settings.agent_jwks_url)
    packs = ContextPackBuilder(store, bank, titles)
    return AgentDependencies(desk=desk, packs=packs, tokens=tokens, supervision=Supervision(store, handoffs))


def build_timeline(settings: Settings) -> DynamoTimeline:
    return DynamoTimeline(_dynamodb(), settings.conversations_table)
