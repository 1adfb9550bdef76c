"""Sessions routes and the expired-session clean-up."""

from __future__ import annotations

import re
import uuid
from datetime import timedelta
from uuid import UUID

import pytest

from photonest.container import Container
from photonest.crypto import hash_password, hash_token
from photonest.db.types import utcnow
from photonest.events.bus import ClientEvent
from photonest.repositories import Repositories
from photonest.services.session import SessionService
from tests.factories import Api, Caller

ISO = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")
NIL = "00000000-0000-4000-8000-000000000000"
ROUTES = [
    ("GET", "/api/sessions"),
    ("POST", "/api/sessions"),
    ("DELETE", "/api/sessions"),
    ("DELETE", f"/api/sessions/{NIL}"),
    ("POST", f"/api/sessions/{NIL}/lock"),
]


def make_user(api: Api, container: Container) -> Caller:
    """A second user, created through the repositories (user creation has its own routes)."""
    email = f"{uuid.uuid4().hex[:10]}@immich.cloud"
    with container.unit_of_work() as uow:
        Repositories(uow).users.create({"email": email, "name": "Other", "password": hash_password("password")})
    return api.login(email, "password")


def session_id(api: Api, caller: Caller) -> str:
    """The id of the caller's own session."""
    (current,) = [s for s in api.request("GET", "/api/sessions", caller).json() if s["current"]]
    return str(current["id"])


@pytest.fixture
def events(container: Container) -> list[ClientEvent]:
    received: list[ClientEvent] = []
    container.bus.subscribe(received.append)
    return received


@pytest.mark.parametrize(("method", "path"), ROUTES)
def test_requires_authentication(api: Api, method: str, path: str) -> None:
    response = api.request(method, path, json={})
    assert response.status_code == 401
    assert response.json()["message"] == "Authentication required"


def test_a_key_without_the_permission_is_forbidden(api: Api) -> None:
    key = api.api_key(api.admin(), ["asset.read"])
    for method, path, permission in (
        ("GET", "/api/sessions", "session.read"),
        ("POST", "/api/sessions", "session.create"),
        ("DELETE", "/api/sessions", "session.delete"),
        ("DELETE", f"/api/sessions/{NIL}", "session.delete"),
        ("POST", f"/api/sessions/{NIL}/lock", "session.lock"),
    ):
        response = api.request(method, path, key, json={})
        assert response.status_code == 403
        assert response.json()["message"] == f"Missing required permission: {permission}"


def test_list_marks_the_current_session(api: Api) -> None:
    admin = api.admin()
    other = api.login(admin.email, admin.password)
    response = api.request("GET", "/api/sessions", admin, headers={"user-agent": "curl/8.0"})
    assert response.status_code == 200
    sessions = response.json()
    assert len(sessions) == 2
    current = [s for s in sessions if s["current"]]
    assert len(current) == 1
    assert set(current[0]) == {"id", "createdAt", "updatedAt", "current", "deviceOS", "deviceType"}
    assert ISO.match(current[0]["createdAt"]) and ISO.match(current[0]["updatedAt"])
    assert session_id(api, other) != current[0]["id"]


def test_create_needs_a_session_token(api: Api) -> None:
    key = api.api_key(api.admin(), ["all"])
    response = api.request("POST", "/api/sessions", key, json={})
    assert response.status_code == 400
    assert response.json()["message"] == "This endpoint can only be used with a session token"


def test_create_makes_a_child_session_with_its_own_token(api: Api, container: Container) -> None:
    admin = api.admin()
    body = {"duration": 3600, "deviceType": "Chromecast", "deviceOS": "Cast"}
    response = api.request("POST", "/api/sessions", admin, json=body)
    assert response.status_code == 201
    created = response.json()
    assert set(created) == {"id", "createdAt", "updatedAt", "expiresAt", "current", "deviceOS", "deviceType", "token"}
    assert created["current"] is False and created["deviceType"] == "Chromecast" and created["deviceOS"] == "Cast"
    assert ISO.match(created["expiresAt"])
    child = Caller(admin.id, admin.email, admin.password, created["token"])
    assert api.request("POST", "/api/auth/validateToken", child).status_code == 200
    with container.unit_of_work() as uow:
        stored = Repositories(uow).sessions.get(UUID(created["id"]))
    assert stored is not None and str(stored.parent_id) == session_id(api, admin)
    plain = api.request("POST", "/api/sessions", admin, json={}).json()
    assert "expiresAt" not in plain and plain["deviceType"] == "" and plain["deviceOS"] == ""


def test_create_validates_the_duration(api: Api) -> None:
    admin = api.admin()
    zero = api.request("POST", "/api/sessions", admin, json={"duration": 0})
    assert zero.status_code == 400 and zero.json()["message"] == ["duration must not be less than 1"]
    fraction = api.request("POST", "/api/sessions", admin, json={"duration": 1.5})
    assert fraction.json()["message"] == ["duration must be an integer number"]
    device = api.request("POST", "/api/sessions", admin, json={"deviceType": 5})
    assert device.json()["message"] == ["deviceType must be a string"]


def test_delete_all_keeps_only_the_current_session(api: Api, events: list[ClientEvent]) -> None:
    admin = api.admin()
    others = [api.login(admin.email, admin.password) for _ in range(3)]
    other_ids = {session_id(api, o) for o in others}
    response = api.request("DELETE", "/api/sessions", admin)
    assert response.status_code == 204 and response.content == b""
    assert [s["current"] for s in api.request("GET", "/api/sessions", admin).json()] == [True]
    for other in others:
        assert api.request("POST", "/api/auth/validateToken", other).status_code == 401
    deleted = [e for e in events if e.name == "on_session_delete"]
    assert {e.room for e in deleted} == other_ids
    assert all(e.payload == (e.room,) for e in deleted)


def test_delete_one_logs_that_device_out(api: Api, events: list[ClientEvent]) -> None:
    admin = api.admin()
    device = api.login(admin.email, admin.password)
    device_id = session_id(api, device)
    child = api.request("POST", "/api/sessions", device, json={}).json()
    response = api.request("DELETE", f"/api/sessions/{device_id}", admin)
    assert response.status_code == 204 and response.content == b""
    invalid = api.request("POST", "/api/auth/validateToken", device)
    assert invalid.status_code == 401 and invalid.json()["message"] == "Invalid user token"
    assert api.request("POST", "/api/auth/validateToken", {"x-immich-user-token": child["token"]}).status_code == 401
    assert [(e.name, e.room) for e in events] == [
        ("on_session_delete", device_id),
        ("on_session_delete", child["id"]),
    ]


def test_delete_refuses_someone_elses_or_an_unknown_session(
    api: Api, container: Container, events: list[ClientEvent]
) -> None:
    admin = api.admin()
    user = make_user(api, container)
    for target in (session_id(api, user), NIL):
        response = api.request("DELETE", f"/api/sessions/{target}", admin)
        assert response.status_code == 400
        assert response.json()["message"] == "Not found or no authDevice.delete access"
    assert api.request("POST", "/api/auth/validateToken", user).status_code == 200
    assert events == []
    bad = api.request("DELETE", "/api/sessions/not-a-uuid", admin)
    assert bad.status_code == 400 and bad.json()["message"] == ["id must be a UUID"]


def test_lock_clears_the_pin_unlock(api: Api, container: Container) -> None:
    admin = api.admin()
    device = api.login(admin.email, admin.password)
    device_id = UUID(session_id(api, device))
    with container.unit_of_work() as uow:
        Repositories(uow).sessions.update(device_id, {"pin_expires_at": utcnow() + timedelta(minutes=10)})
    assert api.request("GET", "/api/auth/status", device).json()["isElevated"] is True
    response = api.request("POST", f"/api/sessions/{device_id}/lock", admin)
    assert response.status_code == 204 and response.content == b""
    assert api.request("GET", "/api/auth/status", device).json()["isElevated"] is False


def test_lock_refuses_someone_elses_session(api: Api, container: Container) -> None:
    admin = api.admin()
    user = make_user(api, container)
    response = api.request("POST", f"/api/sessions/{session_id(api, user)}/lock", admin)
    assert response.status_code == 400
    assert response.json()["message"] == "Not found or no session.lock access"


def test_clean_expired_deletes_only_expired_sessions(api: Api, container: Container, events: list[ClientEvent]) -> None:
    admin = api.admin()
    with container.unit_of_work() as uow:
        repos = Repositories(uow)
        expired = repos.sessions.create(
            {"token": hash_token("old"), "user_id": UUID(admin.id), "expires_at": utcnow() - timedelta(seconds=1)}
        )
        repos.sessions.create(
            {"token": hash_token("new"), "user_id": UUID(admin.id), "expires_at": utcnow() + timedelta(hours=1)}
        )
    with container.unit_of_work() as uow:
        SessionService(container.context(uow)).clean_expired()
    with container.unit_of_work() as uow:
        remaining = Repositories(uow).sessions.list_by_user(UUID(admin.id))
    assert expired.id not in {s.id for s in remaining} and len(remaining) == 2
    assert [(e.name, e.room) for e in events] == [("on_session_delete", str(expired.id))]
