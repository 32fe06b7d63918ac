"""Conversation tokens: opaque bearer secrets, stored only as a hash."""

import hashlib
import hmac
import secrets


def new_conversation_token() -> tuple[str, str]:
    """Return (token for the client, hash to store)."""
    token = secrets.token_urlsafe(32)
    return token, hash_token(token)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def token_matches(token: str | None, token_hash: str) -> bool:
    return token is not None and hmac.compare_digest(hash_token(token), token_hash)
