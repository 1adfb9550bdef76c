"""Plain helpers that create users, sessions and keys through the HTTP API."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from fastapi.testclient import TestClient

from photonest.container import Container
from photonest.crypto import hash_password, hash_token, random_token
from photonest.repositories import Repositories

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


def make_user(container: Container, api: Api, email: str = "user1@immich.cloud", **values: Any) -> Caller:
    """A non-admin user created directly in the database, logged in."""
    with container.unit_of_work() as uow:
        row = {"email": email, "name": "User 1", "password": hash_password("password"), "is_admin": False, **values}
        Repositories(uow).users.create(row)
    return api.login(email, "password")


def make_api_key(container: Container, caller: Caller, permissions: list[str]) -> dict[str, str]:
    """Headers for an API key of the caller, created directly in the database."""
    secret = random_token()
    with container.unit_of_work() as uow:
        values = {"name": "key", "key": hash_token(secret), "user_id": UUID(caller.id), "permissions": permissions}
        Repositories(uow).api_keys.create(values)
    return {"x-api-key": secret}


def set_metadata(container: Container, key: str, value: Any) -> None:
    """Store a system metadata value directly in the database."""
    with container.unit_of_work() as uow:
        Repositories(uow).system_metadata.set(key, value)


def make_asset(container: Container, owner: Caller | str, **values: Any) -> Any:
    """An asset row (no file on disk unless `original_path` points at one), returned as a record."""
    import hashlib
    import uuid as uuid_module
    from datetime import UTC, datetime

    owner_id = UUID(owner.id if isinstance(owner, Caller) else owner)
    asset_id = values.pop("id", uuid_module.uuid4())
    when = values.pop("when", datetime(2024, 6, 1, 12, 0, tzinfo=UTC))
    row = {
        "id": asset_id,
        "owner_id": owner_id,
        "device_asset_id": f"device-{asset_id}",
        "device_id": "test",
        "type": "IMAGE",
        "original_path": f"/nonexistent/{asset_id}.jpg",
        "original_file_name": f"{asset_id}.jpg",
        "file_created_at": when,
        "file_modified_at": when,
        "local_date_time": when,
        "checksum": hashlib.sha1(str(asset_id).encode()).digest(),
        **values,
    }
    with container.unit_of_work() as uow:
        return Repositories(uow).assets.create(row)
