"""Plain helpers that create users, sessions and keys through the HTTP API."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Any

from fastapi.testclient import TestClient

_counter = itertools.count(1)


@dataclass(frozen=True)
class Caller:
    """A logged-in user: their id, email, password and session token."""

    id: str
    email: str
    password: str
    token: str
    is_admin: bool = False

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


class Api:
    """A test client with shortcuts for the common set-up steps."""

    def __init__(self, client: TestClient) -> None:
        self.client = client

    def request(self, method: str, path: str, caller: Caller | dict[str, str] | None = None, **kwargs: Any) -> Any:
        headers = dict(kwargs.pop("headers", {}) or {})
        if isinstance(caller, Caller):
            headers.update(caller.headers)
        elif caller:
            headers.update(caller)
        self.client.cookies.clear()
        return self.client.request(method, path, headers=headers, **kwargs)

    def admin(self, email: str = "admin@immich.cloud", password: str = "password") -> Caller:
        """Sign up the admin and log in."""
        response = self.request(
            "POST", "/api/auth/admin-sign-up", json={"email": email, "password": password, "name": "Immich Admin"}
        )
        assert response.status_code == 201, response.text
        return self.login(email, password)

    def login(self, email: str, password: str, headers: dict[str, str] | None = None) -> Caller:
        response = self.request("POST", "/api/auth/login", json={"email": email, "password": password}, headers=headers)
        assert response.status_code == 201, response.text
        body = response.json()
        return Caller(body["userId"], email, password, body["accessToken"], body["isAdmin"])

    def user(self, admin: Caller, name: str | None = None, **extra: Any) -> Caller:
        """Create a user as the admin and log in as them."""
        n = next(_counter)
        email = extra.pop("email", f"user{n}@immich.cloud")
        body = {"email": email, "password": "password", "name": name or f"User {n}", **extra}
        response = self.request("POST", "/api/admin/users", admin, json=body)
        assert response.status_code == 201, response.text
        return self.login(email, "password")

    def api_key(self, caller: Caller, permissions: list[str]) -> dict[str, str]:
        """Headers for a new API key of the caller with these permissions."""
        response = self.request("POST", "/api/api-keys", caller, json={"name": "key", "permissions": permissions})
        assert response.status_code == 201, response.text
        return {"x-api-key": response.json()["secret"]}
