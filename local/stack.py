"""The whole system on one machine: DynamoDB endpoint, NLU Invoke endpoint, gateway and web pages."""

from __future__ import annotations

import importlib
import json
import os
import subprocess
import sys
import threading
from contextlib import ExitStack, closing
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import boto3

from adapters.demo_bank import DemoBank
from adapters.demo_bank_seed import seed_demo_bank
from adapters.dynamodb_conversations import DynamoConversationStore
from adapters.dynamodb_handoffs import DynamoHandoffStore
from core.business_hours import WEEKDAYS
from core.handoff import AgentProfile, Skill
from local.agent_issuer import DEMO_AGENTS, LOCAL_CLIENT_ID, LOCAL_POOL_ID, LocalAgentIssuer
from local.dynamodb import DynamoDBEndpoint
from local.functions import FunctionPool
from local.gateway import Gateway, LocalRequest, LocalRoute
from local.queues import QueuePoller, create_queues
from local.scenarios import SCENARIOS, eventbridge_event, scenario_events
from local.sms_simulator import LOCAL_TWILIO_AUTH_TOKEN, SmsSimulator
from local.tables import create_tables
from local.template import ROOT, Template
from local.usage import UsageMeter

NLU_DIR = ROOT / "nlu"
# Documented development key for app customer tokens; the cloud reads its key from Secrets Manager.
LOCAL_APP_TOKEN_SECRET = "local-development-app-token-key-not-for-production"
LOCAL_REGION = "eu-west-1"
LOCAL_CREDENTIAL = "local"  # moto accepts any key; the functions and the tools use this one


@dataclass
class StackConfig:
    host: str = "127.0.0.1"
    port: int = 8000
    dynamodb_endpoint: str | None = None  # any DynamoDB-compatible endpoint; None starts moto
    nlu_model: Path = NLU_DIR / "models" / "nlu"  # the unpacked archive
    workers_per_function: int = 2
    # The embedded moto keeps one store per region in this process: tests give the stack its own.
    region: str = LOCAL_REGION
    log_dir: Path = ROOT / ".local" / "logs"
    schedule_speedup: float = 1.0  # <1 runs scheduled functions more often (tests)
    extra_environment: dict[str, str] = field(default_factory=dict)


class LocalStack:
    def __init__(self, config: StackConfig | None = None) -> None:
        self.config = config or StackConfig()
        self.template = Template.load()
        self._exit = ExitStack()
        self.dynamodb_endpoint = ""
        self.nlu_endpoint = ""
        self.url = ""
        self.agent_issuer: LocalAgentIssuer
        self._pools: dict[str, FunctionPool] = {}
        self.usage = UsageMeter()  # what AWS would bill (benchmarks/cost.py, GET /local/usage)

    def __enter__(self) -> LocalStack:
        try:
            self.start()
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(self, *_: object) -> None:
        self.stop()

    def start(self) -> None:
        self.config.log_dir.mkdir(parents=True, exist_ok=True)
        self.dynamodb_endpoint = self.config.dynamodb_endpoint or self._start_moto()
        pools = self._pools
        gateway = Gateway(
            (self.config.host, self.config.port),
            self.template.routes(),
            lambda name, event: pools[name].invoke(event),
            self.openapi,
            usage=self.usage,
        )
        self._exit.callback(gateway.server_close)
        self.url = f"http://{self.config.host}:{gateway.server_address[1]}"
        self.agent_issuer = LocalAgentIssuer(f"{self.url}/local/cognito/{LOCAL_POOL_ID}")
        gateway.local_routes = self._local_routes()
        environment = self.function_environment()
        dynamodb = self.client("dynamodb")
        create_tables(dynamodb)
        seed_demo_bank(dynamodb, "DemoBankTable", datetime.now(UTC))
        seed_demo_agents(dynamodb, self.agent_issuer)
        sqs = self.client("sqs")
        queues = create_queues(sqs, self.template)
        environment |= {
            "AWS_ENDPOINT_URL_SQS": self.dynamodb_endpoint,
            "SMS_QUEUE_URL": queues["SmsInboundQueue"],
            "SMS_OUTBOUND_QUEUE_URL": queues["SmsOutboundQueue"],
        }
        self.nlu_endpoint = self._start_nlu()
        environment["AWS_ENDPOINT_URL_LAMBDA"] = self.nlu_endpoint
        for name, function in self.template.zip_functions().items():
            log = self.config.log_dir / f"{name}.log"
            pool = FunctionPool(function, environment, self.config.workers_per_function, log, self.usage)
            pools[name] = self._exit.enter_context(closing(pool))
        for pool in pools.values():
            pool.warm()
        threading.Thread(target=gateway.serve_forever, name="gateway", daemon=True).start()
        self._exit.callback(gateway.shutdown)
        for name, period in self.template.schedules().items():
            self._start_schedule(pools[name], period * self.config.schedule_speedup)
        for name, queue in self.template.queue_consumers().items():
            poller = QueuePoller(sqs, queues[queue], pools[name].invoke).start()
            self._exit.callback(poller.stop)

    def _start_schedule(self, pool: FunctionPool, period_s: float) -> None:
        """EventBridge Scheduler, locally: invoke the function every period until the stack stops."""
        stopped = threading.Event()
        self._exit.callback(stopped.set)

        def run() -> None:
            while not stopped.wait(period_s):
                try:
                    pool.invoke({"source": "aws.scheduler", "detail-type": "Scheduled Event", "detail": {}})
                except Exception as error:  # noqa: BLE001 - a failed run is logged and retried next period
                    print(f"scheduled function failed: {error!r}", file=sys.stderr)

        threading.Thread(target=run, name="schedule", daemon=True).start()

    def _fire_scenario(self, request: LocalRequest) -> tuple[int, dict[str, Any]]:
        """What the core systems would publish for a scenario, delivered as EventBridge delivers it."""
        wanted = _scenario_request(_json(request.body))
        if wanted is None:
            return 400, {"message": f"Send {{'scenario': one of {sorted(SCENARIOS)}, 'customer'?: 'C-1001'}}"}
        bank = DemoBank(self.client("dynamodb"), "DemoBankTable", clock=lambda: datetime.now(UTC))
        events = scenario_events(wanted[0], bank, wanted[1])
        for event in events:
            self._pools["CustomerEventsFunction"].invoke(eventbridge_event(event))
        return 200, {"events": [e.model_dump(mode="json") for e in events]}

    def publish(self, event: dict[str, Any]) -> Any:
        """Delivers one EventBridge event to CustomerEventsFunction, as the bus's rule does (the simulator uses it
        in-process, or over POST /local/customer-events); returns what the function answered."""
        return self._pools["CustomerEventsFunction"].invoke(event)

    def client(self, service: str) -> Any:
        """A boto3 client of this run's DynamoDB/SQS endpoint (tools and tests read the tables with it)."""
        return local_client(service, self.dynamodb_endpoint, self.config.region)

    def _local_routes(self) -> dict[str, LocalRoute]:
        issuer = self.agent_issuer
        pool_path = f"/local/cognito/{LOCAL_POOL_ID}"
        return {
            "GET /local/app-token": lambda request: (200, _app_login(request.query)),
            f"GET {pool_path}/.well-known/jwks.json": lambda _: (200, issuer.jwks()),
            # Cognito's InitiateAuth (POST with X-Amz-Target), so the console signs in the same way in the cloud.
            "POST /local/cognito/": lambda request: issuer.initiate_auth(_json(request.body)),
            "GET /agent/config.json": lambda _: (
                200,
                {"cognito_endpoint": "/local/cognito/", "client_id": LOCAL_CLIENT_ID},
            ),
            **SmsSimulator(self.url, self.sms_outbox).routes(),
            "GET /local/events": lambda _: (200, {"scenarios": {k: c for k, (c, _) in SCENARIOS.items()}}),
            "POST /local/events": self._fire_scenario,
            "POST /local/customer-events": lambda request: (200, self.publish(_json(request.body))),
        }

    @property
    def sms_outbox(self) -> Path:
        """Every text the local run 'sends' (one-time codes now, all SMS with the SMS channel)."""
        return self.config.log_dir.parent / "sms-outbox.jsonl"

    def stop(self) -> None:
        self._exit.close()

    def function_environment(self) -> dict[str, str]:
        return {
            "AWS_ENDPOINT_URL_DYNAMODB": self.dynamodb_endpoint,
            "AWS_DEFAULT_REGION": self.config.region,
            "AWS_REGION": self.config.region,
            "AWS_ACCESS_KEY_ID": LOCAL_CREDENTIAL,
            "AWS_SECRET_ACCESS_KEY": LOCAL_CREDENTIAL,
            "APP_TOKEN_SECRET": LOCAL_APP_TOKEN_SECRET,
            "POWERTOOLS_TRACE_DISABLED": "true",
            "LOCAL_SMS_OUTBOX": str(self.sms_outbox),
            "SMS_PROVIDER": "local",
            "TWILIO_AUTH_TOKEN": LOCAL_TWILIO_AUTH_TOKEN,
            "PUBLIC_BASE_URL": self.url,  # what the simulator signs, as Twilio signs the public URL
            "AGENT_TOKEN_ISSUER": self.agent_issuer.issuer,
            "AGENT_CLIENT_ID": LOCAL_CLIENT_ID,
            # Agents are "always at work" locally, so the demo reaches one at any hour (tests set other calendars).
            "BUSINESS_CALENDAR": json.dumps(
                {"timezone": "UTC", "hours": dict.fromkeys(WEEKDAYS, ["00:00", "23:59:59"])}
            ),
            **self.config.extra_environment,
        }

    def openapi(self) -> dict[str, Any]:
        """One OpenAPI document for every function's routes, generated from the handlers' own resolvers."""
        document: dict[str, Any] = {
            "openapi": "3.1.0",
            "info": {"title": "Contact-centre chatbot API", "version": "1"},
            "paths": {},
            "components": {"schemas": {}},
        }
        for function in self.template.zip_functions().values():
            if str(function.code_dir) not in sys.path:
                sys.path.insert(0, str(function.code_dir))
            app = getattr(importlib.import_module(function.module), "app", None)
            if app is None:  # functions fed by queues, topics and schedules have no routes
                continue
            part = json.loads(app.get_openapi_json_schema())
            document["paths"].update(part.get("paths", {}))
            document["components"]["schemas"].update(part.get("components", {}).get("schemas", {}))
        return document

    def _start_moto(self) -> str:
        endpoint = DynamoDBEndpoint(self.config.host, usage=self.usage).start()
        self._exit.callback(endpoint.stop)
        return endpoint.url

    def _start_nlu(self) -> str:
        python = NLU_DIR / ".venv" / "bin" / "python"
        log = (self.config.log_dir / "NluFunction.log").open("a")
        self._exit.callback(log.close)
        process = subprocess.Popen(
            [str(python), "local_invoke.py", "--host", self.config.host, "--port", "0"],
            cwd=NLU_DIR,
            env={**os.environ, "NLU_MODEL_PATH": str(self.config.nlu_model), "HF_HUB_OFFLINE": "1"},
            stdout=subprocess.PIPE,
            stderr=log,
            text=True,
        )
        self._exit.callback(_terminate, process)
        assert process.stdout is not None
        for line in process.stdout:
            if line.startswith('{"ready"'):
                return f"http://{self.config.host}:{json.loads(line)['port']}"
        raise RuntimeError(
            f"The NLU endpoint exited with {process.wait()}; see {self.config.log_dir / 'NluFunction.log'}"
        )


def local_client(service: str, endpoint: str, region: str) -> Any:
    """A boto3 client of a local run's endpoint: the embedded moto server answers every service, with the
    local credentials the functions get too."""
    return boto3.client(
        service,
        endpoint_url=endpoint,
        region_name=region,
        aws_access_key_id=LOCAL_CREDENTIAL,
        aws_secret_access_key=LOCAL_CREDENTIAL,
    )


def _app_login(query: dict[str, str]) -> dict[str, Any]:
    """What the mobile app's backend hands a signed-in customer: a signed app token (demo customers only)."""
    from adapters.app_tokens import AppTokenVerifier

    customer = query.get("customer", "")
    if not customer.startswith("C-"):
        return {"message": "Pass ?customer=C-1001 (one of the demo customers in the README)"}
    return {"token": AppTokenVerifier(LOCAL_APP_TOKEN_SECRET).issue(customer)}


def _scenario_request(body: dict[str, Any]) -> tuple[str, str | None] | None:
    scenario, customer = body.get("scenario"), body.get("customer")
    if scenario not in SCENARIOS or (customer is not None and not str(customer).startswith("C-")):
        return None
    return str(scenario), (str(customer) if customer else None)


def _json(body: bytes) -> dict[str, Any]:
    try:
        parsed = json.loads(body or b"{}")
    except ValueError:
        return {}
    return parsed if isinstance(parsed, dict) else {}


def seed_demo_agents(dynamodb: Any, issuer: LocalAgentIssuer, table: str = "HandoffsTable") -> None:
    """The demo agents' profiles, keyed by the subject their tokens carry."""
    store = DynamoHandoffStore(dynamodb, table, DynamoConversationStore(dynamodb, "ConversationsTable", timedelta(1)))
    for agent in DEMO_AGENTS:
        store.add_agent(
            AgentProfile(
                agent_id=issuer.sub_of(agent.username),
                username=agent.username,
                name=agent.name,
                skills=tuple(Skill(s) for s in agent.skills),
                capacity=agent.capacity,
            )
        )


def _terminate(process: subprocess.Popen[str]) -> None:
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
