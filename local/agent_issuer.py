"""The local stand-in for the agents' Cognito user pool: demo agents, InitiateAuth and a JWKS. Never deployed.

Its tokens have the shape of Cognito's, so the agent API verifies them with the same AgentTokenVerifier it uses
in AWS. Every agent is in the group `agents` and Chen also in `supervisors`, as in the deployed pool: groups are
roles (who may use the console, who may see the figures); skills and capacity are routing data the agent API keeps
with the agent, not in a token that lives an hour.
"""

from __future__ import annotations

import hmac
import secrets
import time
import uuid
from dataclasses import dataclass
from typing import Any

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

from adapters.agent_tokens import SUPERVISORS_GROUP

LOCAL_POOL_ID = "eu-west-1_LocalPool"
LOCAL_CLIENT_ID = "local-agent-console"
AGENT_GROUP = "agents"
TOKEN_LIFETIME_S = 3600
_ALGORITHM = "RS256"
# Fixed, so an agent keeps its `sub` across runs and ports, as a real pool's users do.
_SUB_NAMESPACE = uuid.UUID("6f1c1d3e-2b7a-5c4e-9d8f-0a1b2c3d4e5f")
_PASSWORD_FLOW = "USER_PASSWORD_AUTH"
# Cognito's AuthFlowType values: the ones InitiateAuth knows but this client does not enable, and the admin ones.
_OTHER_CLIENT_FLOWS = frozenset({"USER_SRP_AUTH", "REFRESH_TOKEN_AUTH", "REFRESH_TOKEN", "CUSTOM_AUTH", "USER_AUTH"})
_ADMIN_FLOWS = frozenset({"ADMIN_NO_SRP_AUTH", "ADMIN_USER_PASSWORD_AUTH"})
_KNOWN_FLOWS = _OTHER_CLIENT_FLOWS | _ADMIN_FLOWS | {_PASSWORD_FLOW}


@dataclass(frozen=True)
class DemoAgent:
    username: str
    password: str
    name: str
    skills: tuple[str, ...]
    capacity: int
    supervisor: bool = False

    @property
    def groups(self) -> list[str]:
        return [AGENT_GROUP, SUPERVISORS_GROUP] if self.supervisor else [AGENT_GROUP]


DEMO_AGENTS: tuple[DemoAgent, ...] = (
    DemoAgent("alice", "alice-demo-pass", "Alice Moreno", ("cards", "payments_disputes", "general"), 3),
    DemoAgent("bilal", "bilal-demo-pass", "Bilal Haddad", ("insurance_claims", "loans", "general"), 2),
    DemoAgent(
        "chen",
        "chen-demo-pass",
        "Chen Wei",
        ("cards", "payments_disputes", "insurance_claims", "loans", "general"),
        4,
        supervisor=True,
    ),
)


def _cognito_error(kind: str, message: str) -> tuple[int, dict[str, Any]]:
    return 400, {"__type": kind, "message": message}


class LocalAgentIssuer:
    def __init__(self, issuer: str) -> None:
        """`issuer` is the pool's URL; its JWKS is expected at `<issuer>/.well-known/jwks.json`, as in Cognito."""
        self.issuer = issuer
        self._key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.kid = secrets.token_urlsafe(32)
        self._agents = {agent.username: agent for agent in DEMO_AGENTS}

    def jwks(self) -> dict[str, Any]:
        public = RSAAlgorithm.to_jwk(self._key.public_key(), as_dict=True)
        return {
            "keys": [
                {
                    "kty": public["kty"],
                    "n": public["n"],
                    "e": public["e"],
                    "kid": self.kid,
                    "alg": _ALGORITHM,
                    "use": "sig",
                }
            ]
        }

    def initiate_auth(self, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        """Answers an InitiateAuth request body (the JSON of `AWSCognitoIdentityProviderService.InitiateAuth`)."""
        refusal = self._refuse_request(body)
        if refusal is not None:
            return refusal
        parameters = body.get("AuthParameters")
        if not isinstance(parameters, dict):
            parameters = {}
        username, password = parameters.get("USERNAME"), parameters.get("PASSWORD")
        if not isinstance(username, str) or not username:
            return _cognito_error("InvalidParameterException", "Missing required parameter USERNAME")
        if not isinstance(password, str):
            return _cognito_error("InvalidParameterException", "Missing required parameter PASSWORD")
        if not self._password_matches(username, password):
            # The same answer for an unknown user, as a pool that prevents user-existence errors gives.
            return _cognito_error("NotAuthorizedException", "Incorrect username or password.")
        result = {
            "AccessToken": self.issue(username),
            "IdToken": self._id_token(self._agents[username]),
            "ExpiresIn": TOKEN_LIFETIME_S,
            "TokenType": "Bearer",
        }
        return 200, {"AuthenticationResult": result, "ChallengeParameters": {}}

    def issue(self, username: str, lifetime_s: int = TOKEN_LIFETIME_S) -> str:
        """An access token for a demo agent, shaped like Cognito's."""
        agent = self._agents[username]
        now = int(time.time())
        claims = {
            "sub": self.sub_of(agent.username),
            "cognito:groups": agent.groups,
            "iss": self.issuer,
            "client_id": LOCAL_CLIENT_ID,
            "origin_jti": str(uuid.uuid4()),
            "event_id": str(uuid.uuid4()),
            "token_use": "access",
            "scope": "aws.cognito.signin.user.admin",
            "auth_time": now,
            "iat": now,
            "exp": now + lifetime_s,
            "jti": str(uuid.uuid4()),
            "username": agent.username,
        }
        return self._sign(claims)

    def sub_of(self, username: str) -> str:
        return str(uuid.uuid5(_SUB_NAMESPACE, username))

    def _refuse_request(self, body: dict[str, Any]) -> tuple[int, dict[str, Any]] | None:
        client_id, flow = body.get("ClientId"), body.get("AuthFlow")
        if client_id != LOCAL_CLIENT_ID:
            return _cognito_error("ResourceNotFoundException", f"User pool client {client_id} does not exist.")
        if flow == _PASSWORD_FLOW:
            return None
        if flow in _OTHER_CLIENT_FLOWS:
            return _cognito_error("InvalidParameterException", f"{flow} flow not enabled for this client")
        if flow in _ADMIN_FLOWS:
            return _cognito_error("InvalidParameterException", "Initiate Auth method not supported.")
        return _cognito_error(
            "InvalidParameterException",
            f"1 validation error detected: Value '{flow}' at 'authFlow' failed to satisfy constraint: "
            f"Member must satisfy enum value set: [{', '.join(sorted(_KNOWN_FLOWS))}]",
        )

    def _password_matches(self, username: str, password: str) -> bool:
        agent = self._agents.get(username)
        # Compare against something even for an unknown user, so timing does not reveal which usernames exist.
        expected = agent.password if agent else secrets.token_urlsafe(16)
        return hmac.compare_digest(password.encode(), expected.encode()) and agent is not None

    def _id_token(self, agent: DemoAgent) -> str:
        now = int(time.time())
        claims = {
            "sub": self.sub_of(agent.username),
            "cognito:groups": agent.groups,
            "iss": self.issuer,
            "aud": LOCAL_CLIENT_ID,
            "token_use": "id",
            "cognito:username": agent.username,
            "name": agent.name,
            "email": f"{agent.username}@agents.example",
            "auth_time": now,
            "iat": now,
            "exp": now + TOKEN_LIFETIME_S,
            "jti": str(uuid.uuid4()),
        }
        return self._sign(claims)

    def _sign(self, claims: dict[str, Any]) -> str:
        return jwt.encode(claims, self._key, algorithm=_ALGORITHM, headers={"kid": self.kid})
