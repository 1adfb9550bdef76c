"""API Keys routes."""

from __future__ import annotations

import re
import uuid
from typing import Any

import pytest
from sqlalchemy import select

from photonest.container import Container
from photonest.crypto import hash_password, hash_token
from photonest.db.tables import api_key
from photonest.repositories import Repositories
from tests.factories import Api, Caller

ISO = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")
NIL = "00000000-0000-4000-8000-000000000000"
ROUTES = [
    ("GET", "/api/api-keys"),
    ("POST", "/api/api-keys"),
    ("GET", "/api/api-keys/me"),
    ("GET", f"/api/api-keys/{NIL}"),
    ("PUT", f"/api/api-keys/{NIL}"),
    ("DELETE", f"/api/api-keys/{NIL}"),
]


def make_user(api: Api, container: Container) -> Caller:
    """A second user, created through the repositories (user creation has its own routes)."""
    email = f"{uuid.uuid4().hex[:10]}@immich.cloud"
    with container.unit_of_work() as uow:
        Repositories(uow).users.create({"email": email, "name": "Other", "password": hash_password("password")})
    return api.login(email, "password")


def create_key(api: Api, caller: Caller | dict[str, str], permissions: list[str], name: str = "key") -> Any:
    response = api.request("POST", "/api/api-keys", caller, json={"name": name, "permissions": permissions})
    assert response.status_code == 201, response.text
    return response.json()


@pytest.mark.parametrize(("method", "path"), ROUTES)
def test_requires_authentication(api: Api, method: str, path: str) -> None:
    response = api.request(method, path, json={"name": "x", "permissions": ["all"]})
    assert response.status_code == 401
    assert response.json()["message"] == "Authentication required"


def test_create_returns_the_secret_once_and_stores_only_its_hash(api: Api, container: Container) -> None:
    admin = api.admin()
    response = api.request("POST", "/api/api-keys", admin, json={"permissions": ["all"]})
    assert response.status_code == 201
    body = response.json()
    assert set(body) == {"secret", "apiKey"}
    assert set(body["apiKey"]) == {"id", "name", "createdAt", "updatedAt", "permissions"}
    assert body["apiKey"]["name"] == "API Key" and body["apiKey"]["permissions"] == ["all"]
    assert ISO.match(body["apiKey"]["createdAt"]) and ISO.match(body["apiKey"]["updatedAt"])
    with container.engine.connect() as conn:
        stored = conn.execute(select(api_key.c.key)).scalar_one()
    assert stored == hash_token(body["secret"]) and stored != body["secret"]
    listed = api.request("GET", "/api/api-keys", {"x-api-key": body["secret"]})
    assert listed.status_code == 200 and listed.json() == [body["apiKey"]]


def test_create_validates_permissions(api: Api) -> None:
    admin = api.admin()
    empty = api.request("POST", "/api/api-keys", admin, json={"name": "k", "permissions": []})
    assert empty.status_code == 400
    assert empty.json()["message"] == ["permissions must contain at least 1 elements"]
    wrong = api.request("POST", "/api/api-keys", admin, json={"name": "k", "permissions": ["asset.read", "nope"]})
    assert wrong.status_code == 400
    (message,) = wrong.json()["message"]
    assert message.startswith("each value in permissions must be one of the following values: all, activity.create,")
    name = api.request("POST", "/api/api-keys", admin, json={"name": 5, "permissions": ["all"]})
    assert name.json()["message"] == ["name must be a string"]


def test_an_api_key_cannot_grant_permissions_it_lacks(api: Api) -> None:
    admin = api.admin()
    creator = {"x-api-key": create_key(api, admin, ["apiKey.create"])["secret"]}
    for permissions in (["all"], ["apiKey.read"], ["apiKey.create", "asset.read"]):
        response = api.request("POST", "/api/api-keys", creator, json={"name": "k", "permissions": permissions})
        assert response.status_code == 400
        assert response.json()["message"] == "Cannot grant permissions you do not have"
    allowed = api.request("POST", "/api/api-keys", creator, json={"name": "k", "permissions": ["apiKey.create"]})
    assert allowed.status_code == 201
    everything = {"x-api-key": create_key(api, admin, ["all"])["secret"]}
    assert create_key(api, everything, ["asset.read", "album.read"])["apiKey"]["permissions"] == [
        "asset.read",
        "album.read",
    ]


def test_a_key_without_the_permission_is_forbidden(api: Api) -> None:
    admin = api.admin()
    key = {"x-api-key": create_key(api, admin, ["asset.read"])["secret"]}
    for method, path, permission in (
        ("GET", "/api/api-keys", "apiKey.read"),
        ("POST", "/api/api-keys", "apiKey.create"),
        ("GET", f"/api/api-keys/{NIL}", "apiKey.read"),
        ("PUT", f"/api/api-keys/{NIL}", "apiKey.update"),
        ("DELETE", f"/api/api-keys/{NIL}", "apiKey.delete"),
    ):
        response = api.request(method, path, key, json={"name": "k"})
        assert response.status_code == 403
        assert response.json()["message"] == f"Missing required permission: {permission}"


def test_list_shows_only_the_callers_keys(api: Api, container: Container) -> None:
    admin = api.admin()
    user = make_user(api, container)
    mine = create_key(api, admin, ["all"], "mine")["apiKey"]
    create_key(api, user, ["all"], "theirs")
    assert api.request("GET", "/api/api-keys", admin).json() == [mine]


def test_get_update_and_delete_refuse_someone_elses_key(api: Api, container: Container) -> None:
    admin = api.admin()
    user = make_user(api, container)
    theirs = create_key(api, user, ["all"])["apiKey"]["id"]
    for method, path in (("GET", theirs), ("PUT", theirs), ("DELETE", theirs), ("GET", NIL)):
        response = api.request(method, f"/api/api-keys/{path}", admin, json={"name": "stolen"})
        assert response.status_code == 400
        assert response.json()["message"] == "API Key not found"
    assert api.request("GET", f"/api/api-keys/{theirs}", user).json()["name"] == "key"


def test_get_one(api: Api) -> None:
    admin = api.admin()
    created = create_key(api, admin, ["asset.read"])["apiKey"]
    response = api.request("GET", f"/api/api-keys/{created['id']}", admin)
    assert response.status_code == 200 and response.json() == created
    bad = api.request("GET", "/api/api-keys/not-a-uuid", admin)
    assert bad.status_code == 400 and bad.json()["message"] == ["id must be a UUID"]


def test_update_renames_and_rescopes(api: Api) -> None:
    admin = api.admin()
    created = create_key(api, admin, ["all"])["apiKey"]
    path = f"/api/api-keys/{created['id']}"
    renamed = api.request("PUT", path, admin, json={"name": "new name"})
    assert renamed.status_code == 200
    assert renamed.json()["name"] == "new name" and renamed.json()["permissions"] == ["all"]
    scoped = api.request("PUT", path, admin, json={"name": "n", "permissions": ["activity.read", "activity.create"]})
    assert scoped.json()["permissions"] == ["activity.read", "activity.create"]
    missing = api.request("PUT", path, admin, json={})
    assert missing.status_code == 400 and missing.json()["message"] == ["name should not be empty"]


def test_a_key_cannot_widen_its_own_permissions(api: Api) -> None:
    admin = api.admin()
    created = create_key(api, admin, ["apiKey.update", "apiKey.read"])
    key = {"x-api-key": created["secret"]}
    path = f"/api/api-keys/{created['apiKey']['id']}"
    response = api.request("PUT", path, key, json={"name": "k", "permissions": ["all"]})
    assert response.status_code == 400
    assert response.json()["message"] == "Cannot grant permissions you do not have"
    assert api.request("GET", path, key).json()["permissions"] == ["apiKey.update", "apiKey.read"]
    narrowed = api.request("PUT", path, key, json={"name": "k", "permissions": ["apiKey.read"]})
    assert narrowed.status_code == 200 and narrowed.json()["permissions"] == ["apiKey.read"]


def test_delete_revokes_the_key(api: Api) -> None:
    admin = api.admin()
    created = create_key(api, admin, ["all"])
    response = api.request("DELETE", f"/api/api-keys/{created['apiKey']['id']}", admin)
    assert response.status_code == 204 and response.content == b""
    revoked = api.request("GET", "/api/api-keys", {"x-api-key": created["secret"]})
    assert revoked.status_code == 401 and revoked.json()["message"] == "Invalid API key"


def test_me_answers_the_calling_key(api: Api) -> None:
    admin = api.admin()
    created = create_key(api, admin, ["asset.read"])
    response = api.request("GET", "/api/api-keys/me", {"x-api-key": created["secret"]})
    assert response.status_code == 200 and response.json() == created["apiKey"]
    by_session = api.request("GET", "/api/api-keys/me", admin)
    assert by_session.status_code == 403
    assert by_session.json()["message"] == "Not authenticated with an API Key"
