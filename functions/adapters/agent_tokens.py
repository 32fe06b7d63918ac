"""Verifies the access tokens agents get from the Cognito user pool (RS256, keys from the pool's JWKS).

In AWS, API Gateway's JWT authorizer has already checked the token; the handler checks it again with this code so
the local run (no authorizer, a local issuer instead of Cognito) and the cloud accept exactly the same tokens.
"""

from __future__ import annotations

import json

import jwt
from pydantic import ValidationError

from core.errors import AgentSignInUnavailable, InvalidAgentToken
from core.models import Frozen

_ALGORITHM = "RS256"
# Every claim a Cognito access token always carries that we rely on; `aud` is absent from access tokens.
_REQUIRED_CLAIMS = ["sub", "iss", "exp", "iat", "token_use", "client_id", "username"]
# Cognito answers in milliseconds; an outage should become a 503 well inside API Gateway's 30 s limit.
_JWKS_TIMEOUT_S = 5
# The user pool group whose members may read the contact centre's figures (a role, so it belongs in the token).
SUPERVISORS_GROUP = "supervisors"


class AgentIdentity(Frozen):
    agent_id: str  # the user pool's `sub`
    username: str
    groups: tuple[str, ...] = ()

    @property
    def supervisor(self) -> bool:
        return SUPERVISORS_GROUP in self.groups


class AgentTokenVerifier:
    def __init__(self, issuer: str, client_id: str, jwks_url: str | None = None, leeway_s: int = 30) -> None:
        self._issuer = issuer
        self._client_id = client_id
        self._leeway_s = leeway_s
        # The key cache keeps known kids without refetching; unknown kids refetch at most once per cooldown.
        self._jwks = jwt.PyJWKClient(
            jwks_url or f"{issuer}/.well-known/jwks.json", cache_keys=True, timeout=_JWKS_TIMEOUT_S
        )

    def verify(self, token: str) -> AgentIdentity:
        key = self._signing_key(_key_id(token))
        try:
            claims = jwt.decode(
                token,
                key,
                algorithms=[_ALGORITHM],
                issuer=self._issuer,
                leeway=self._leeway_s,
                options={"require": _REQUIRED_CLAIMS},
            )
        except jwt.ExpiredSignatureError as error:
            raise InvalidAgentToken("it has expired") from error
        except jwt.InvalidTokenError as error:
            raise InvalidAgentToken("signature, issuer or claims are wrong") from error
        # An id token of the same pool is signed by the same key: only token_use tells them apart.
        if claims["token_use"] != "access":
            raise InvalidAgentToken("it is not an access token")
        if claims["client_id"] != self._client_id:
            raise InvalidAgentToken("it was issued to another app client")
        try:
            return AgentIdentity(
                agent_id=claims["sub"], username=claims["username"], groups=claims.get("cognito:groups", ())
            )
        except ValidationError as error:
            raise InvalidAgentToken("its claims have the wrong shape") from error

    def _signing_key(self, kid: str) -> jwt.PyJWK:
        try:
            return self._jwks.get_signing_key(kid)
        except (jwt.PyJWKClientConnectionError, jwt.PyJWKSetError, json.JSONDecodeError) as error:
            raise AgentSignInUnavailable("the user pool's signing keys could not be fetched") from error
        except jwt.PyJWKClientError as error:
            # Also covers a key set without usable signing keys, which the library does not tell apart.
            raise InvalidAgentToken("it was not signed by a key of this user pool") from error


def _key_id(token: str) -> str:
    try:
        header = jwt.get_unverified_header(token)
    except jwt.InvalidTokenError as error:
        raise InvalidAgentToken("it is not a JWT") from error
    # Refusing every other algorithm before any key lookup shuts out `none` and HS256-signed-with-the-public-key,
    # and keeps customer app tokens (HS256) from costing a JWKS fetch.
    if header.get("alg") != _ALGORITHM:
        raise InvalidAgentToken("it is not signed with RS256")
    kid = header.get("kid")
    if not isinstance(kid, str) or not kid:
        raise InvalidAgentToken("it names no signing key")
    return kid
