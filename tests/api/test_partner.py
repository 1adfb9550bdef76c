"""Partners routes."""

from __future__ import annotations

import re
import uuid
from uuid import UUID

import pytest

from photonest.container import Container
from photonest.crypto import hash_password
from photonest.db.types import utcnow
from photonest.repositories import Repositories
from tests.factories import Api, Caller

ISO = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")
NIL = "00000000-0000-4000-8000-000000000000"
ROUTES = [
    ("GET", "/api/partners?direction=shared-by"),
    ("POST", f"/api/partners/{NIL}"),
    ("PUT", f"/api/partners/{NIL}"),
    ("DELETE", f"/api/partners/{NIL}"),
]
USER_FIELDS = {"id", "email", "name", "profileImagePath", "avatarColor", "profileChangedAt"}


def make_user(api: Api, container: Container, name: str = "Other") -> Caller:
    """Another user, created through the repositories (user creation has its own routes)."""
    email = f"{uuid.uuid4().hex[:10]}@immich.cloud"
    with container.unit_of_work() as uow:
        Repositories(uow).users.create({"email": email, "name": name, "password": hash_password("password")})
    return api.login(email, "password")


def partners(api: Api, caller: Caller, direction: str) -> list[dict[str, object]]:
    response = api.request("GET", "/api/partners", caller, params={"direction": direction})
    assert response.status_code == 200, response.text
    return response.json()  # type: ignore[no-any-return]


@pytest.mark.parametrize(("method", "path"), ROUTES)
def test_requires_authentication(api: Api, method: str, path: str) -> None:
    response = api.request(method, path, json={"inTimeline": True})
    assert response.status_code == 401
    assert response.json()["message"] == "Authentication required"


def test_a_key_without_the_permission_is_forbidden(api: Api) -> None:
    key = api.api_key(api.admin(), ["asset.read"])
    for method, path, permission in (
        ("GET", "/api/partners?direction=shared-by", "partner.read"),
        ("POST", f"/api/partners/{NIL}", "partner.create"),
        ("PUT", f"/api/partners/{NIL}", "partner.update"),
        ("DELETE", f"/api/partners/{NIL}", "partner.delete"),
    ):
        response = api.request(method, path, key, json={"inTimeline": True})
        assert response.status_code == 403
        assert response.json()["message"] == f"Missing required permission: {permission}"


def test_create_answers_the_partner_user(api: Api, container: Container) -> None:
    admin = api.admin()
    user = make_user(api, container, "Partner")
    response = api.request("POST", f"/api/partners/{user.id}", admin)
    assert response.status_code == 201
    body = response.json()
    assert set(body) == USER_FIELDS | {"inTimeline"}
    assert body["id"] == user.id and body["email"] == user.email and body["name"] == "Partner"
    assert body["inTimeline"] is False and body["profileImagePath"] == "" and ISO.match(body["profileChangedAt"])


def test_create_refuses_duplicates_self_and_unknown_users(api: Api, container: Container) -> None:
    admin = api.admin()
    user = make_user(api, container)
    assert api.request("POST", f"/api/partners/{user.id}", admin).status_code == 201
    for target, message in (
        (user.id, "Partner already exists"),
        (admin.id, "Cannot share with yourself"),
        (NIL, "Invalid user"),
    ):
        response = api.request("POST", f"/api/partners/{target}", admin)
        assert response.status_code == 400
        assert response.json()["message"] == message
    bad = api.request("POST", "/api/partners/not-a-uuid", admin)
    assert bad.status_code == 400 and bad.json()["message"] == ["id must be a UUID"]


def test_list_by_direction(api: Api, container: Container) -> None:
    admin = api.admin()
    alice = make_user(api, container, "Alice")
    bob = make_user(api, container, "Bob")
    api.request("POST", f"/api/partners/{alice.id}", admin)
    api.request("POST", f"/api/partners/{admin.id}", bob)
    assert [p["id"] for p in partners(api, admin, "shared-by")] == [alice.id]
    assert [p["id"] for p in partners(api, admin, "shared-with")] == [bob.id]
    assert [p["id"] for p in partners(api, alice, "shared-with")] == [admin.id]
    assert partners(api, alice, "shared-by") == []
    (shared_with,) = partners(api, admin, "shared-with")
    assert set(shared_with) == USER_FIELDS | {"inTimeline"} and shared_with["name"] == "Bob"


def test_list_leaves_out_deleted_users(api: Api, container: Container) -> None:
    admin = api.admin()
    user = make_user(api, container)
    api.request("POST", f"/api/partners/{user.id}", admin)
    with container.unit_of_work() as uow:
        Repositories(uow).users.update(UUID(user.id), {"deleted_at": utcnow()})
    assert partners(api, admin, "shared-by") == []


def test_list_validates_the_direction(api: Api) -> None:
    admin = api.admin()
    response = api.request("GET", "/api/partners", admin, params={"direction": "sideways"})
    assert response.status_code == 400
    assert response.json()["message"] == ["direction must be one of the following values: shared-by, shared-with"]
    assert api.request("GET", "/api/partners", admin).status_code == 400


def test_update_is_for_the_receiving_side(api: Api, container: Container) -> None:
    admin = api.admin()
    user = make_user(api, container, "Receiver")
    api.request("POST", f"/api/partners/{user.id}", admin)
    response = api.request("PUT", f"/api/partners/{admin.id}", user, json={"inTimeline": True})
    assert response.status_code == 200
    body = response.json()
    assert set(body) == USER_FIELDS | {"inTimeline"}
    assert body["id"] == admin.id and body["inTimeline"] is True
    assert partners(api, user, "shared-with")[0]["inTimeline"] is True
    assert partners(api, admin, "shared-by")[0]["inTimeline"] is True


def test_update_refuses_the_sharing_side_and_strangers(api: Api, container: Container) -> None:
    admin = api.admin()
    user = make_user(api, container)
    api.request("POST", f"/api/partners/{user.id}", admin)
    for target in (user.id, NIL):
        response = api.request("PUT", f"/api/partners/{target}", admin, json={"inTimeline": True})
        assert response.status_code == 400
        assert response.json()["message"] == "Not found or no partner.update access"
    invalid = api.request("PUT", f"/api/partners/{admin.id}", user, json={"inTimeline": "maybe"})
    assert invalid.status_code == 400 and invalid.json()["message"] == ["inTimeline must be a boolean value"]


def test_remove_stops_sharing(api: Api, container: Container) -> None:
    admin = api.admin()
    user = make_user(api, container)
    api.request("POST", f"/api/partners/{user.id}", admin)
    response = api.request("DELETE", f"/api/partners/{user.id}", admin)
    assert response.status_code == 200 and response.content == b""
    assert partners(api, admin, "shared-by") == [] and partners(api, user, "shared-with") == []
    again = api.request("DELETE", f"/api/partners/{user.id}", admin)
    assert again.status_code == 400 and again.json()["message"] == "Partner not found"


def test_remove_cannot_end_a_partnership_someone_else_shares(api: Api, container: Container) -> None:
    admin = api.admin()
    user = make_user(api, container)
    api.request("POST", f"/api/partners/{admin.id}", user)
    response = api.request("DELETE", f"/api/partners/{user.id}", admin)
    assert response.status_code == 400 and response.json()["message"] == "Partner not found"
    assert len(partners(api, admin, "shared-with")) == 1
