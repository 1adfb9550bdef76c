"""System Metadata routes: admin onboarding, reverse-geocoding and version-check state."""

from __future__ import annotations

from typing import Any
from uuid import UUID

import pytest

from photonest.container import Container
from photonest.crypto import hash_password, hash_token, random_token
from photonest.repositories import Repositories
from tests.factories import Api, Caller


def make_user(container: Container, api: Api, email: str = "user1@immich.cloud") -> Caller:
    """A non-admin user created in the database, logged in."""
    with container.unit_of_work() as uow:
        values = {"email": email, "name": "User 1", "password": hash_password("password"), "is_admin": False}
        Repositories(uow).users.create(values)
    return api.login(email, "password")


def make_api_key(container: Container, caller: Caller, permissions: list[str]) -> dict[str, str]:
    secret = random_token()
    with container.unit_of_work() as uow:
        values = {"name": "key", "key": hash_token(secret), "user_id": UUID(caller.id), "permissions": permissions}
        Repositories(uow).api_keys.create(values)
    return {"x-api-key": secret}


def set_metadata(container: Container, key: str, value: Any) -> None:
    with container.unit_of_work() as uow:
        Repositories(uow).system_metadata.set(key, value)


def test_admin_onboarding_is_stored(api: Api, container: Container) -> None:
    admin = api.admin()
    assert api.request("GET", "/api/system-metadata/admin-onboarding", admin).json() == {"isOnboarded": False}
    response = api.request("POST", "/api/system-metadata/admin-onboarding", admin, json={"isOnboarded": True})
    assert response.status_code == 204 and response.content == b""
    assert api.request("GET", "/api/system-metadata/admin-onboarding", admin).json() == {"isOnboarded": True}
    assert api.request("GET", "/api/server/config").json()["isOnboarded"] is True
    with container.unit_of_work() as uow:
        assert Repositories(uow).system_metadata.get("admin-onboarding") == {"isOnboarded": True}


def test_admin_onboarding_body_is_validated(api: Api) -> None:
    admin = api.admin()
    response = api.request("POST", "/api/system-metadata/admin-onboarding", admin, json={"isOnboarded": "perhaps"})
    assert response.status_code == 400
    assert response.json()["message"] == ["isOnboarded must be a boolean value"]


def test_reverse_geocoding_state(api: Api, container: Container) -> None:
    admin = api.admin()
    path = "/api/system-metadata/reverse-geocoding-state"
    assert api.request("GET", path, admin).json() == {"lastUpdate": None, "lastImportFileName": None}
    state = {"lastUpdate": "2025-05-01T00:00:00.000Z", "lastImportFileName": "cities500.txt"}
    set_metadata(container, "reverse-geocoding-state", state)
    assert api.request("GET", path, admin).json() == state


def test_version_check_state(api: Api, container: Container) -> None:
    admin = api.admin()
    path = "/api/system-metadata/version-check-state"
    assert api.request("GET", path, admin).json() == {"checkedAt": None, "releaseVersion": None}
    set_metadata(
        container, "version-check-state", {"checkedAt": "2025-05-28T10:00:00.000Z", "releaseVersion": "v1.135.0"}
    )
    assert api.request("GET", path, admin).json() == {
        "checkedAt": "2025-05-28T10:00:00.000Z",
        "releaseVersion": "v1.135.0",
    }


ROUTES = [
    ("GET", "/admin-onboarding", "systemMetadata.read"),
    ("POST", "/admin-onboarding", "systemMetadata.update"),
    ("GET", "/reverse-geocoding-state", "systemMetadata.read"),
    ("GET", "/version-check-state", "systemMetadata.read"),
]


@pytest.mark.parametrize(("method", "path", "permission"), ROUTES)
def test_routes_need_an_admin_and_the_permission(
    api: Api, container: Container, method: str, path: str, permission: str
) -> None:
    url, body = f"/api/system-metadata{path}", {"isOnboarded": True}
    response = api.request(method, url, json=body)
    assert response.status_code == 401 and response.json()["message"] == "Authentication required"
    admin = api.admin()
    response = api.request(method, url, make_user(container, api), json=body)
    assert response.status_code == 403 and response.json()["message"] == "Forbidden"
    response = api.request(method, url, make_api_key(container, admin, ["systemConfig.read"]), json=body)
    assert response.status_code == 403
    assert response.json()["message"] == f"Missing required permission: {permission}"
    response = api.request(method, url, make_api_key(container, admin, [permission]), json=body)
    assert response.status_code in (200, 204)
