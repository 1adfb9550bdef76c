"""Users (admin) routes."""

from __future__ import annotations

import re
import uuid
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import insert, update

from photonest.container import Container
from photonest.db.tables import asset, user
from photonest.db.types import utcnow
from photonest.events.bus import ClientEvent
from photonest.services.user_admin import UserAdminService, sanitize_storage_label
from photonest.storage.files import remove_file, remove_tree
from tests.factories import Api, Caller

ISO = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")
NIL = "00000000-0000-4000-8000-000000000000"

ADMIN_ROUTES = [
    ("GET", "/api/admin/users", "admin.user.read"),
    ("POST", "/api/admin/users", "admin.user.create"),
    ("GET", f"/api/admin/users/{NIL}", "admin.user.read"),
    ("PUT", f"/api/admin/users/{NIL}", "admin.user.update"),
    ("DELETE", f"/api/admin/users/{NIL}", "admin.user.delete"),
    ("GET", f"/api/admin/users/{NIL}/preferences", "admin.user.read"),
    ("PUT", f"/api/admin/users/{NIL}/preferences", "admin.user.update"),
    ("POST", f"/api/admin/users/{NIL}/restore", "admin.user.delete"),
    ("GET", f"/api/admin/users/{NIL}/statistics", "admin.user.read"),
]
IDS = [f"{method} {path}" for method, path, _ in ADMIN_ROUTES]


def create(api: Api, admin: Caller, **body: Any) -> Any:
    payload = {"email": "user@immich.cloud", "password": "password", "name": "User", **body}
    return api.request("POST", "/api/admin/users", admin, json=payload)


def user_files(media: Path, user_id: str, label: str | None = None) -> list[Path]:
    """One file in each of the user's folders."""
    folders = ["upload", "profile", "thumbs", "encoded-video"]
    paths = [media / folder / user_id / "ab" / "file.bin" for folder in folders]
    paths.append(media / "library" / (label or user_id) / "2024" / "file.jpg")
    for path in paths:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b"x")
    return paths


def add_asset(container: Container, owner_id: str, **values: Any) -> None:
    now = utcnow()
    row = {
        "id": uuid.uuid4(),
        "device_asset_id": "device-asset",
        "owner_id": uuid.UUID(owner_id),
        "device_id": "device",
        "type": "IMAGE",
        "original_path": f"/tmp/{uuid.uuid4()}.jpg",
        "file_created_at": now,
        "file_modified_at": now,
        "local_date_time": now,
        "checksum": uuid.uuid4().bytes,
        "original_file_name": "a.jpg",
        **values,
    }
    with container.engine.begin() as conn:
        conn.execute(insert(asset).values(**row))


def mark_deleted_days_ago(container: Container, user_id: str, days: int) -> None:
    with container.engine.begin() as conn:
        statement = update(user).where(user.c.id == uuid.UUID(user_id))
        conn.execute(statement.values(deleted_at=utcnow() - timedelta(days=days), status="deleted"))


@pytest.mark.parametrize(("method", "path", "permission"), ADMIN_ROUTES, ids=IDS)
def test_routes_require_authentication(api: Api, method: str, path: str, permission: str) -> None:
    response = api.request(method, path, json={})
    assert response.status_code == 401 and response.json()["message"] == "Authentication required"


@pytest.mark.parametrize(("method", "path", "permission"), ADMIN_ROUTES, ids=IDS)
def test_routes_forbid_non_admins(api: Api, method: str, path: str, permission: str) -> None:
    user = api.user(api.admin())
    response = api.request(method, path, user, json={})
    assert response.status_code == 403 and response.json()["message"] == "Forbidden"


@pytest.mark.parametrize(("method", "path", "permission"), ADMIN_ROUTES, ids=IDS)
def test_api_keys_need_the_admin_user_permission(api: Api, method: str, path: str, permission: str) -> None:
    admin = api.admin()
    response = api.request(method, path, api.api_key(admin, ["activity.read"]), json={})
    assert response.status_code == 403
    assert response.json()["message"] == f"Missing required permission: {permission}"
    allowed = api.request(method, path, api.api_key(admin, [permission]), json={})
    assert allowed.status_code != 403


def test_create_user(api: Api) -> None:
    admin = api.admin()
    response = create(api, admin, quotaSizeInBytes=1024, storageLabel="my.label", avatarColor="red")
    assert response.status_code == 201
    body = response.json()
    assert body == {
        "id": body["id"],
        "email": "user@immich.cloud",
        "name": "User",
        "profileImagePath": "",
        "avatarColor": "red",
        "profileChangedAt": body["profileChangedAt"],
        "storageLabel": "mylabel",
        "shouldChangePassword": True,
        "isAdmin": False,
        "createdAt": body["createdAt"],
        "deletedAt": None,
        "updatedAt": body["updatedAt"],
        "oauthId": "",
        "quotaSizeInBytes": 1024,
        "quotaUsageInBytes": 0,
        "status": "active",
        "license": None,
    }
    assert ISO.match(body["createdAt"]) and ISO.match(body["profileChangedAt"])
    login = api.login("user@immich.cloud", "password")
    assert login.id == body["id"]


def test_create_user_without_change_password_and_label(api: Api) -> None:
    admin = api.admin()
    body = create(api, admin, shouldChangePassword=False, storageLabel=None).json()
    assert body["shouldChangePassword"] is False and body["storageLabel"] is None


def test_create_user_rejects_duplicates(api: Api) -> None:
    admin = api.admin()
    create(api, admin, storageLabel="label")
    email = create(api, admin, email="USER@immich.cloud")
    assert email.status_code == 400 and email.json()["message"] == "User exists"
    label = create(api, admin, email="other@immich.cloud", storageLabel="label")
    assert label.status_code == 400 and label.json()["message"] == "Storage label already in use by another account"


def test_create_user_validates_the_body(api: Api) -> None:
    admin = api.admin()
    response = api.request(
        "POST",
        "/api/admin/users",
        admin,
        json={"email": "not-an-email", "name": "", "quotaSizeInBytes": -1, "shouldChangePassword": "maybe"},
    )
    assert response.status_code == 400
    assert sorted(response.json()["message"]) == [
        "email must be an email",
        "name should not be empty",
        "password should not be empty",
        "quotaSizeInBytes must not be less than 0",
        "shouldChangePassword must be a boolean value",
    ]


def test_search_users_admin(api: Api) -> None:
    admin = api.admin()
    kept = api.user(admin)
    gone = api.user(admin)
    api.request("DELETE", f"/api/admin/users/{gone.id}", admin, json={})

    active = api.request("GET", "/api/admin/users", admin)
    assert active.status_code == 200
    assert [u["id"] for u in active.json()] == [admin.id, kept.id]
    everyone = api.request("GET", "/api/admin/users", admin, params={"withDeleted": "true"}).json()
    assert [u["id"] for u in everyone] == [admin.id, kept.id, gone.id]
    assert everyone[2]["status"] == "deleted" and ISO.match(everyone[2]["deletedAt"])
    assert [u["id"] for u in api.request("GET", "/api/admin/users", admin, params={"withDeleted": "false"}).json()] == [
        admin.id,
        kept.id,
    ]
    one = api.request("GET", "/api/admin/users", admin, params={"id": kept.id}).json()
    assert [u["id"] for u in one] == [kept.id]


def test_search_users_admin_validates_the_query(api: Api) -> None:
    admin = api.admin()
    response = api.request("GET", "/api/admin/users", admin, params={"withDeleted": "maybe", "id": "x"})
    assert response.status_code == 400
    assert sorted(response.json()["message"]) == ["id must be a UUID", "withDeleted must be a boolean value"]


def test_get_user_admin_includes_deleted_users(api: Api) -> None:
    admin = api.admin()
    user = api.user(admin)
    assert api.request("GET", f"/api/admin/users/{user.id}", admin).json()["email"] == user.email
    api.request("DELETE", f"/api/admin/users/{user.id}", admin, json={})
    assert api.request("GET", f"/api/admin/users/{user.id}", admin).json()["status"] == "deleted"
    unknown = api.request("GET", f"/api/admin/users/{NIL}", admin)
    assert unknown.status_code == 400 and unknown.json()["message"] == "User not found"
    malformed = api.request("GET", "/api/admin/users/nope", admin)
    assert malformed.status_code == 400 and malformed.json()["message"] == ["id must be a UUID"]


def test_update_user_admin(api: Api) -> None:
    admin = api.admin()
    user = api.user(admin)
    body = {
        "name": "Changed",
        "email": "changed@immich.cloud",
        "quotaSizeInBytes": 2048,
        "storageLabel": "lab/el",
        "shouldChangePassword": False,
        "avatarColor": "amber",
        "password": "other-password",
    }
    response = api.request("PUT", f"/api/admin/users/{user.id}", admin, json=body)
    assert response.status_code == 200
    answer = response.json()
    assert (answer["name"], answer["email"], answer["quotaSizeInBytes"], answer["storageLabel"]) == (
        "Changed",
        "changed@immich.cloud",
        2048,
        "label",
    )
    assert answer["shouldChangePassword"] is False and answer["avatarColor"] == "amber"
    api.login("changed@immich.cloud", "other-password")

    cleared = api.request(
        "PUT", f"/api/admin/users/{user.id}", admin, json={"storageLabel": "", "quotaSizeInBytes": None}
    ).json()
    assert cleared["storageLabel"] is None and cleared["quotaSizeInBytes"] is None and cleared["name"] == "Changed"


def test_update_user_admin_rejects_duplicates(api: Api) -> None:
    admin = api.admin()
    user = api.user(admin)
    email = api.request("PUT", f"/api/admin/users/{user.id}", admin, json={"email": admin.email})
    assert email.status_code == 400 and email.json()["message"] == "Email already in use by another account"
    label = api.request("PUT", f"/api/admin/users/{user.id}", admin, json={"storageLabel": "admin"})
    assert label.status_code == 400 and label.json()["message"] == "Storage label already in use by another account"
    own = api.request("PUT", f"/api/admin/users/{admin.id}", admin, json={"storageLabel": "admin"})
    assert own.status_code == 200


def test_update_user_admin_sets_and_clears_the_pin_code(api: Api) -> None:
    admin = api.admin()
    user = api.user(admin)
    invalid = api.request("PUT", f"/api/admin/users/{user.id}", admin, json={"pinCode": "12ab56"})
    assert invalid.status_code == 400 and invalid.json()["message"] == ["pinCode must be a 6-digit numeric string"]
    assert api.request("PUT", f"/api/admin/users/{user.id}", admin, json={"pinCode": "123456"}).status_code == 200
    assert api.request("GET", "/api/auth/status", user).json()["pinCode"] is True
    assert api.request("PUT", f"/api/admin/users/{user.id}", admin, json={"pinCode": ""}).status_code == 200
    assert api.request("GET", "/api/auth/status", user).json()["pinCode"] is False


def test_update_user_admin_validates_the_body(api: Api) -> None:
    admin = api.admin()
    response = api.request(
        "PUT", f"/api/admin/users/{admin.id}", admin, json={"name": None, "email": "x", "quotaSizeInBytes": 1.5}
    )
    assert response.status_code == 400
    assert sorted(response.json()["message"]) == [
        "email must be an email",
        "name must be a string",
        "quotaSizeInBytes must be an integer number",
    ]


def test_update_unknown_user_admin(api: Api) -> None:
    admin = api.admin()
    response = api.request("PUT", f"/api/admin/users/{NIL}", admin, json={"name": "x"})
    assert response.status_code == 400 and response.json()["message"] == "User not found"


def test_delete_soft_deletes_and_locks_the_user_out(api: Api) -> None:
    admin = api.admin()
    user = api.user(admin)
    key = api.api_key(user, ["all"])
    response = api.request("DELETE", f"/api/admin/users/{user.id}", admin, json={"force": False})
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "deleted" and ISO.match(body["deletedAt"]) and body["id"] == user.id
    assert api.request("GET", "/api/users/me", user).status_code == 401
    assert api.request("GET", "/api/users/me", key).status_code == 401
    login = api.request("POST", "/api/auth/login", json={"email": user.email, "password": "password"})
    assert login.status_code == 401
    again = api.request("DELETE", f"/api/admin/users/{user.id}", admin, json={})
    assert again.status_code == 400 and again.json()["message"] == "User not found"


def test_delete_needs_no_body(api: Api) -> None:
    admin = api.admin()
    user = api.user(admin)
    response = api.request("DELETE", f"/api/admin/users/{user.id}", admin)
    assert response.status_code == 200 and response.json()["status"] == "deleted"


def test_the_admin_cannot_be_deleted(api: Api) -> None:
    admin = api.admin()
    response = api.request("DELETE", f"/api/admin/users/{admin.id}", admin, json={})
    assert response.status_code == 403
    assert response.json() == {
        "message": "Cannot delete admin user",
        "error": "Forbidden",
        "statusCode": 403,
        "correlationId": response.json()["correlationId"],
    }


def test_restore_user_admin(api: Api) -> None:
    admin = api.admin()
    user = api.user(admin)
    api.request("DELETE", f"/api/admin/users/{user.id}", admin, json={})
    response = api.request("POST", f"/api/admin/users/{user.id}/restore", admin)
    assert response.status_code == 200
    assert response.json()["status"] == "active" and response.json()["deletedAt"] is None
    api.login(user.email, "password")
    unknown = api.request("POST", f"/api/admin/users/{NIL}/restore", admin)
    assert unknown.status_code == 400 and unknown.json()["message"] == "User not found"


def test_force_delete_removes_the_user_and_their_files(api: Api, container: Container, media: Path) -> None:
    events: list[ClientEvent] = []
    container.bus.subscribe(events.append)
    admin = api.admin()
    user = api.user(admin, storageLabel="someone")
    kept = api.user(admin)
    files = user_files(media, user.id, "someone")
    other_files = user_files(media, kept.id)

    response = api.request("DELETE", f"/api/admin/users/{user.id}", admin, json={"force": True})
    assert response.status_code == 200
    assert response.json()["status"] == "removing" and response.json()["deletedAt"]
    assert not any(path.exists() for path in files)
    assert not (media / "upload" / user.id).exists() and not (media / "library" / "someone").exists()
    assert all(path.exists() for path in other_files)
    assert (media / "upload").is_dir() and (media / "library").is_dir()
    with_deleted = api.request("GET", "/api/admin/users", admin, params={"withDeleted": "true"}).json()
    assert user.id not in [u["id"] for u in with_deleted]
    assert [(e.name, e.room, e.payload) for e in events if e.name == "on_user_delete"] == [
        ("on_user_delete", None, (user.id,))
    ]


def test_purge_removes_users_deleted_longer_ago_than_the_delay(api: Api, container: Container, media: Path) -> None:
    admin = api.admin()
    old = api.user(admin)
    recent = api.user(admin)
    files = user_files(media, old.id)
    for caller in (old, recent):
        api.request("DELETE", f"/api/admin/users/{caller.id}", admin, json={})
    mark_deleted_days_ago(container, old.id, 8)
    mark_deleted_days_ago(container, recent.id, 6)

    with container.unit_of_work() as uow:
        UserAdminService(container.context(uow)).purge_deleted_users()

    everyone = [u["id"] for u in api.request("GET", "/api/admin/users", admin, params={"withDeleted": "true"}).json()]
    assert everyone == [admin.id, recent.id]
    assert not any(path.exists() for path in files)


def test_user_statistics_admin(api: Api, container: Container) -> None:
    admin = api.admin()
    user = api.user(admin)
    empty = api.request("GET", f"/api/admin/users/{user.id}/statistics", admin)
    assert empty.status_code == 200 and empty.json() == {"images": 0, "videos": 0, "total": 0}
    add_asset(container, user.id)
    add_asset(container, user.id, type="VIDEO", is_favorite=True)
    add_asset(container, user.id, visibility="archive")
    add_asset(container, user.id, visibility="hidden")
    add_asset(container, user.id, deleted_at=utcnow())
    add_asset(container, admin.id)

    def stats(**params: str) -> Any:
        return api.request("GET", f"/api/admin/users/{user.id}/statistics", admin, params=params).json()

    assert stats() == {"images": 2, "videos": 1, "total": 3}
    assert stats(isFavorite="true") == {"images": 0, "videos": 1, "total": 1}
    assert stats(isTrashed="true") == {"images": 1, "videos": 0, "total": 1}
    assert stats(visibility="hidden") == {"images": 1, "videos": 0, "total": 1}
    bad = api.request("GET", f"/api/admin/users/{user.id}/statistics", admin, params={"visibility": "gone"})
    assert bad.status_code == 400
    assert bad.json()["message"] == [
        "visibility must be one of the following values: archive, timeline, hidden, locked"
    ]


def test_user_preferences_admin(api: Api) -> None:
    admin = api.admin()
    user = api.user(admin)
    response = api.request("GET", f"/api/admin/users/{user.id}/preferences", admin)
    assert response.status_code == 200 and response.json()["memories"] == {"enabled": True}
    changed = api.request(
        "PUT", f"/api/admin/users/{user.id}/preferences", admin, json={"emailNotifications": {"enabled": False}}
    )
    assert changed.status_code == 200
    assert changed.json()["emailNotifications"] == {"enabled": False, "albumInvite": True, "albumUpdate": True}
    assert api.request("GET", "/api/users/me/preferences", user).json()["emailNotifications"]["enabled"] is False

    api.request("DELETE", f"/api/admin/users/{user.id}", admin, json={})
    assert api.request("GET", f"/api/admin/users/{user.id}/preferences", admin).status_code == 200
    refused = api.request("PUT", f"/api/admin/users/{user.id}/preferences", admin, json={})
    assert refused.status_code == 400 and refused.json()["message"] == "User not found"


@pytest.mark.parametrize(
    ("label", "expected"),
    [("my.label", "mylabel"), ("a/b\\c:d*e?f", "abcdef"), ("con", None), ("name ", "name"), ("...", None)],
)
def test_storage_labels_are_sanitised_like_upstream(label: str, expected: str | None) -> None:
    assert sanitize_storage_label(label) == expected


def test_folder_removal_stays_inside_the_media_location(tmp_path: Path) -> None:
    root = tmp_path / "media"
    outside = tmp_path / "outside"
    (root / "upload" / "u1").mkdir(parents=True)
    outside.mkdir()
    (outside / "keep.txt").write_text("x")
    (root / "upload" / "link").symlink_to(outside)

    assert not remove_tree(root, root)
    assert not remove_tree(outside, root)
    assert not remove_tree(root / "upload" / ".." / "..", root)
    assert remove_tree(root / "upload" / "link", root)
    assert (outside / "keep.txt").exists() and not (root / "upload" / "link").exists()
    assert remove_tree(root / "upload" / "u1", root) and not (root / "upload" / "u1").exists()
    assert not remove_file(outside / "keep.txt", root) and (outside / "keep.txt").exists()
