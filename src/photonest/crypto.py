"""Tokens, hashing and password checks as upstream's crypto repository does them."""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets

import bcrypt

BCRYPT_ROUNDS = 10
# A real hash of a random password, compared against when an email is unknown so that login takes as long.
_DUMMY_HASH = bcrypt.hashpw(secrets.token_bytes(16), bcrypt.gensalt(BCRYPT_ROUNDS))


def random_token() -> str:
    """32 random bytes, base64 without the non-word characters (what sessions and API keys use)."""
    return re.sub(r"\W", "", base64.b64encode(secrets.token_bytes(32)).decode())


def hash_token(token: str) -> str:
    """base64(sha256(token)): the form in which tokens and keys are stored."""
    return base64.b64encode(hashlib.sha256(token.encode()).digest()).decode()


def hash_password(password: str) -> str:
    return bcrypt.hashpw(password.encode()[:72], bcrypt.gensalt(BCRYPT_ROUNDS)).decode()


def check_password(password: str, hashed: str | None) -> bool:
    """Compare a password with a bcrypt hash; an empty hash never matches but costs the same time."""
    if not hashed:
        bcrypt.checkpw(password.encode()[:72], _DUMMY_HASH)
        return False
    try:
        return bcrypt.checkpw(password.encode()[:72], hashed.encode())
    except ValueError:
        return False


def random_bytes(size: int) -> bytes:
    return secrets.token_bytes(size)


def sign(secret: bytes, message: str) -> str:
    """base64url(HMAC-SHA256(secret, message)) without padding."""
    digest = hmac.new(secret, message.encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def same_secret(given: str, expected: str) -> bool:
    """Compare two secrets in time independent of where they differ."""
    return hmac.compare_digest(given.encode(), expected.encode())
