"""The demo agents at work while the simulation runs: each takes the next waiting handoff it can claim, answers the
customer and resolves it (local/clients.py's AgentClient.take_next), signed in as the console signs in."""

from __future__ import annotations

import sys
import threading
from dataclasses import dataclass, field

import requests

from local.agent_issuer import DEMO_AGENTS, LOCAL_CLIENT_ID, DemoAgent
from local.clients import TIMEOUT_S, AgentClient

REPLY = "Thanks for waiting. I've looked into this and sorted it out for you; it's all on your record now."
IDLE_S = 0.5


def sign_in(base_url: str, agent: DemoAgent) -> str:
    """An access token from the local user pool, by Cognito's InitiateAuth (USER_PASSWORD_AUTH), as the console."""
    answer = requests.post(
        f"{base_url}/local/cognito/",
        json={
            "AuthFlow": "USER_PASSWORD_AUTH",
            "ClientId": LOCAL_CLIENT_ID,
            "AuthParameters": {"USERNAME": agent.username, "PASSWORD": agent.password},
        },
        headers={"X-Amz-Target": "AWSCognitoIdentityProviderService.InitiateAuth"},
        timeout=TIMEOUT_S,
    )
    answer.raise_for_status()
    return str(answer.json()["AuthenticationResult"]["AccessToken"])


@dataclass
class AgentDesk:
    base_url: str
    handled: int = 0
    errors: int = 0
    _stop: threading.Event = field(default_factory=threading.Event)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _threads: list[threading.Thread] = field(default_factory=list)

    def __enter__(self) -> AgentDesk:
        for agent in DEMO_AGENTS:
            thread = threading.Thread(target=self._work, args=(agent,), name=f"agent-{agent.username}", daemon=True)
            thread.start()
            self._threads.append(thread)
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=2 * TIMEOUT_S)

    def _work(self, agent: DemoAgent) -> None:
        client = AgentClient(self.base_url, sign_in(self.base_url, agent))
        while not self._stop.is_set():
            try:
                done = client.take_next(REPLY)
            except requests.RequestException as error:
                # A reply or resolve can lose a race (the customer stopped waiting); a token expires after an hour.
                answer = error.response.text[:200] if error.response is not None else ""
                print(f"agent {agent.username}: {error!r} {answer}", file=sys.stderr)
                with self._lock:
                    self.errors += 1
                client = AgentClient(self.base_url, sign_in(self.base_url, agent))
                continue
            if done is None:
                self._stop.wait(IDLE_S)
                continue
            with self._lock:
                self.handled += 1
