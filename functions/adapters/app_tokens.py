"""Verifies the signed customer tokens the mobile app presents (HS256 JWTs)."""

from __future__ import annotations

import time

import jwt

from core.errors import InvalidAppToken
from core.models import AuthLevel, Customer

APP_TOKEN_AUDIENCE = "contact-centre"
APP_TOKEN_ISSUER = "mobile-app"


class AppTokenVerifier:
    def __init__(self, signing_key: str) -> None:
        self._key = signing_key

    def verify(self, token: str) -> Customer:
        try:
            claims = jwt.decode(
                token,
                self._key,
                algorithms=["HS256"],
                audience=APP_TOKEN_AUDIENCE,
                issuer=APP_TOKEN_ISSUER,
                options={"require": ["sub", "exp", "iat"]},
            )
        except jwt.ExpiredSignatureError as error:
            raise InvalidAppToken("it has expired") from error
        except jwt.InvalidTokenError as error:
            raise InvalidAppToken("signature, audience or claims are wrong") from error
        return Customer(customer_id=str(claims["sub"]), auth_level=AuthLevel.VERIFIED)

    def issue(self, customer_id: str, lifetime_s: int = 3600) -> str:
        """What the app's backend does at login; used by the local run and tests."""
        now = int(time.time())
        claims = {
            "sub": customer_id,
            "aud": APP_TOKEN_AUDIENCE,
            "iss": APP_TOKEN_ISSUER,
            "iat": now,
            "exp": now + lifetime_s,
        }
        return jwt.encode(claims, self._key, algorithm="HS256")
