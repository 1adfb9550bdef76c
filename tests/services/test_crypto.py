"""Token and password helpers."""

from __future__ import annotations

import base64
import hashlib

import bcrypt
import pytest

from photonest import crypto


def test_tokens_are_word_characters_and_stored_as_base64_sha256() -> None:
    token = crypto.random_token()
    assert token.isalnum() and 32 <= len(token) <= 43
    assert crypto.hash_token(token) == base64.b64encode(hashlib.sha256(token.encode()).digest()).decode()


def test_passwords_are_bcrypt_with_ten_rounds(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(crypto, "BCRYPT_ROUNDS", 10)
    hashed = crypto.hash_password("secret")
    assert hashed.startswith("$2b$10$")
    assert crypto.check_password("secret", hashed) and not crypto.check_password("other", hashed)


def test_unknown_user_still_costs_a_bcrypt_comparison(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[bytes] = []
    real = bcrypt.checkpw

    def counting(password: bytes, hashed: bytes) -> bool:
        calls.append(hashed)
        return real(password, hashed)

    monkeypatch.setattr(bcrypt, "checkpw", counting)
    assert crypto.check_password("password", None) is False
    assert crypto.check_password("password", "") is False
    assert len(calls) == 2 and all(h.startswith(b"$2b$10$") for h in calls)
