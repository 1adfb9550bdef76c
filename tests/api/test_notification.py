"""Notifications routes."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any
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
    ("GET", "/api/notifications"),
    ("PUT", "/api/notifications"),
    ("DELETE", "/api/notifications"),
    ("GET", f"/api/notifications/{NIL}"),
    ("PUT", f"/api/notifications/{NIL}"),
    ("DELETE", f"/api/notifications/{NIL}"),
]


def make_user(api: Api, container: Container) -> Caller:
    """A second user, created through the repositories (user creation has its own routes)."""
    email = f"{uuid.uuid4().hex[:10]}@immich.cloud"
    with container.unit_of_work() as uow:
        Repositories(uow).users.create({"email": email, "name": "Other", "password": hash_password("password")})
    return api.login(email, "password")


def notify(container: Container, caller: Caller, title: str = "Hello", **values: Any) -> str:
    """A notification for the caller, stored directly."""
    with container.unit_of_work() as uow:
        item = Repositories(uow).notifications.create({"user_id": UUID(caller.id), "title": title, **values})
    return str(item.id)


@pytest.mark.parametrize(("method", "path"), ROUTES)
def test_requires_authentication(api: Api, method: str, path: str) -> None:
    response = api.request(method, path, json={"ids": []})
    assert response.status_code == 401
    assert response.json()["message"] == "Authentication required"


def test_a_key_without_the_permission_is_forbidden(api: Api) -> None:
    key = api.api_key(api.admin(), ["asset.read"])
    for method, path, permission in (
        ("GET", "/api/notifications", "notification.read"),
        ("PUT", "/api/notifications", "notification.update"),
        ("DELETE", "/api/notifications", "notification.delete"),
        ("GET", f"/api/notifications/{NIL}", "notification.read"),
        ("PUT", f"/api/notifications/{NIL}", "notification.update"),
        ("DELETE", f"/api/notifications/{NIL}", "notification.delete"),
    ):
        response = api.request(method, path, key, json={"ids": [NIL]})
        assert response.status_code == 403
        assert response.json()["message"] == f"Missing required permission: {permission}"


def test_list_shows_the_callers_notifications_newest_first(api: Api, container: Container) -> None:
    admin = api.admin()
    user = make_user(api, container)
    older = notify(container, admin, "Older", created_at=utcnow() - timedelta(hours=1))
    newer = notify(
        container, admin, "Newer", level="error", type="JobFailed", description="It broke", data={"job": "backup"}
    )
    notify(container, user, "Not mine")
    response = api.request("GET", "/api/notifications", admin)
    assert response.status_code == 200
    body = response.json()
    assert [n["id"] for n in body] == [newer, older]
    assert set(body[1]) == {"id", "createdAt", "level", "type", "title"}
    assert body[1]["level"] == "info" and body[1]["type"] == "Custom" and ISO.match(body[1]["createdAt"])
    assert body[0]["description"] == "It broke" and body[0]["data"] == {"job": "backup"}


def test_list_filters(api: Api, container: Container) -> None:
    admin = api.admin()
    info = notify(container, admin, "Info")
    error = notify(container, admin, "Error", level="error", type="JobFailed", read_at=utcnow())

    def ids(**params: str) -> list[str]:
        return [n["id"] for n in api.request("GET", "/api/notifications", admin, params=params).json()]

    assert ids(level="error") == [error]
    assert ids(type="Custom") == [info]
    assert ids(unread="true") == [info]
    assert sorted(ids(unread="false")) == sorted([info, error])
    assert ids(id=error) == [error]
    read = api.request("GET", "/api/notifications", admin, params={"unread": "true", "level": "error"}).json()
    assert read == []


def test_list_validates_the_query(api: Api) -> None:
    admin = api.admin()
    response = api.request(
        "GET", "/api/notifications", admin, params={"id": "x", "level": "loud", "type": "Other", "unread": "maybe"}
    )
    assert response.status_code == 400
    assert response.json()["message"] == [
        "id must be a UUID",
        "level must be one of the following values: success, error, warning, info",
        "type must be one of the following values: JobFailed, BackupFailed, SystemMessage, Custom",
        "unread must be a boolean value",
    ]


def test_get_one(api: Api, container: Container) -> None:
    admin = api.admin()
    item = notify(container, admin, "Hi", read_at=datetime(2025, 1, 2, 3, 4, 5, 678000, tzinfo=UTC))
    response = api.request("GET", f"/api/notifications/{item}", admin)
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"id", "createdAt", "level", "type", "title", "readAt"}
    assert body["id"] == item and body["title"] == "Hi" and body["readAt"] == "2025-01-02T03:04:05.678Z"


def test_get_update_and_delete_refuse_someone_elses_notification(api: Api, container: Container) -> None:
    admin = api.admin()
    user = make_user(api, container)
    theirs = notify(container, user)
    for method, permission in (("GET", "read"), ("PUT", "update"), ("DELETE", "delete")):
        for target in (theirs, NIL):
            response = api.request(method, f"/api/notifications/{target}", admin, json={"readAt": None})
            assert response.status_code == 400
            assert response.json()["message"] == f"Not found or no notification.{permission} access"
    assert api.request("GET", f"/api/notifications/{theirs}", user).status_code == 200


def test_update_one_marks_read_and_unread(api: Api, container: Container) -> None:
    admin = api.admin()
    item = notify(container, admin)
    path = f"/api/notifications/{item}"
    read = api.request("PUT", path, admin, json={"readAt": "2025-05-06T07:08:09.123Z"})
    assert read.status_code == 200 and read.json()["readAt"] == "2025-05-06T07:08:09.123Z"
    unchanged = api.request("PUT", path, admin, json={})
    assert unchanged.json()["readAt"] == "2025-05-06T07:08:09.123Z"
    unread = api.request("PUT", path, admin, json={"readAt": None})
    assert unread.status_code == 200 and "readAt" not in unread.json()
    bad = api.request("PUT", path, admin, json={"readAt": "yesterday"})
    assert bad.status_code == 400 and bad.json()["message"] == ["readAt must be a Date instance"]
    bad_id = api.request("PUT", "/api/notifications/nope", admin, json={})
    assert bad_id.json()["message"] == ["id must be a UUID"]


def test_update_many_checks_every_id(api: Api, container: Container) -> None:
    admin = api.admin()
    user = make_user(api, container)
    mine = [notify(container, admin), notify(container, admin)]
    theirs = notify(container, user)
    body = {"ids": [*mine, theirs], "readAt": "2025-05-06T07:08:09.000Z"}
    denied = api.request("PUT", "/api/notifications", admin, json=body)
    assert denied.status_code == 400
    assert denied.json()["message"] == "Not found or no notification.update access"
    assert api.request("GET", "/api/notifications", admin, params={"unread": "true"}).json() != []
    response = api.request("PUT", "/api/notifications", admin, json={"ids": mine, "readAt": body["readAt"]})
    assert response.status_code == 200 and response.content == b""
    assert api.request("GET", "/api/notifications", admin, params={"unread": "true"}).json() == []
    assert "readAt" not in api.request("GET", f"/api/notifications/{theirs}", user).json()
    bad = api.request("PUT", "/api/notifications", admin, json={"ids": ["x"]})
    assert bad.status_code == 400 and bad.json()["message"] == ["each value in ids must be a UUID"]


def test_delete_one(api: Api, container: Container) -> None:
    admin = api.admin()
    item = notify(container, admin)
    response = api.request("DELETE", f"/api/notifications/{item}", admin)
    assert response.status_code == 200 and response.content == b""
    assert api.request("GET", "/api/notifications", admin).json() == []
    gone = api.request("GET", f"/api/notifications/{item}", admin)
    assert gone.status_code == 400 and gone.json()["message"] == "Not found or no notification.read access"


def test_delete_many_checks_every_id(api: Api, container: Container) -> None:
    admin = api.admin()
    user = make_user(api, container)
    mine = [notify(container, admin), notify(container, admin)]
    theirs = notify(container, user)
    denied = api.request("DELETE", "/api/notifications", admin, json={"ids": [*mine, theirs]})
    assert denied.status_code == 400
    assert denied.json()["message"] == "Not found or no notification.delete access"
    assert len(api.request("GET", "/api/notifications", admin).json()) == 2
    response = api.request("DELETE", "/api/notifications", admin, json={"ids": mine})
    assert response.status_code == 200 and response.content == b""
    assert api.request("GET", "/api/notifications", admin).json() == []
    assert len(api.request("GET", "/api/notifications", user).json()) == 1
    missing = api.request("DELETE", "/api/notifications", admin, json={})
    assert missing.status_code == 400 and missing.json()["message"] == ["ids should not be empty"]
