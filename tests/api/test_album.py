"""/albums: create, list, read, change, delete, fill and share albums; statistics; access and validation."""

from __future__ import annotations

import base64
import secrets
import uuid
from datetime import timedelta
from typing import Any
from uuid import UUID

import pytest
from sqlalchemy import insert, select

from photonest.container import Container
from photonest.db.tables import album, job, shared_link
from photonest.records import Auth, AuthSharedLink
from photonest.repositories import Repositories
from photonest.services.album import AlbumService
from tests.api.test_timeline import JUNE, add_asset
from tests.factories import Api, Caller

ALBUM_KEYS = {
    "albumName", "albumThumbnailAssetId", "albumUsers", "assetCount", "assets", "createdAt", "description",
    "hasSharedLink", "id", "isActivityEnabled", "order", "owner", "ownerId", "shared", "updatedAt",
}  # fmt: skip
DATE_KEYS = {"startDate", "endDate"}


@pytest.fixture
def admin(api: Api) -> Caller:
    return api.admin()


@pytest.fixture
def user(api: Api, admin: Caller) -> Caller:
    return api.user(admin, name="Owner")


@pytest.fixture
def other(api: Api, admin: Caller) -> Caller:
    return api.user(admin, name="Other")


@pytest.fixture
def third(api: Api, admin: Caller) -> Caller:
    return api.user(admin, name="Third")


def create(api: Api, caller: Caller, **body: Any) -> Any:
    response = api.request("POST", "/api/albums", caller, json={"albumName": "Trip", **body})
    assert response.status_code == 201, response.text
    return response.json()


def share(api: Api, caller: Caller, album_id: str, *users: Caller, role: str = "editor") -> Any:
    body = {"albumUsers": [{"userId": u.id, "role": role} for u in users]}
    response = api.request("PUT", f"/api/albums/{album_id}/users", caller, json=body)
    assert response.status_code == 200, response.text
    return response.json()


def add_link(container: Container, owner: Caller, album_id: str, **values: Any) -> str:
    """An album shared link row; its key as clients send it (base64url)."""
    key = secrets.token_bytes(50)
    row = {"user_id": UUID(owner.id), "key": key, "type": "ALBUM", "album_id": UUID(album_id), **values}
    with container.unit_of_work() as uow:
        uow.connection.execute(insert(shared_link).values(**row))
    return base64.urlsafe_b64encode(key).decode().rstrip("=")


def get(api: Api, caller: Caller, album_id: str, **params: Any) -> Any:
    response = api.request("GET", f"/api/albums/{album_id}", caller, params=params)
    assert response.status_code == 200, response.text
    return response.json()


def put_assets(api: Api, caller: Caller, album_id: str, *ids: UUID | str) -> Any:
    response = api.request("PUT", f"/api/albums/{album_id}/assets", caller, json={"ids": [str(i) for i in ids]})
    assert response.status_code == 200, response.text
    return response.json()


def delete_assets(api: Api, caller: Caller, album_id: str, *ids: UUID | str) -> Any:
    response = api.request("DELETE", f"/api/albums/{album_id}/assets", caller, json={"ids": [str(i) for i in ids]})
    assert response.status_code == 200, response.text
    return response.json()


def names(body: list[dict[str, Any]]) -> list[str]:
    return [a["albumName"] for a in body]


def thumbnail_of(container: Container, album_id: str) -> UUID | None:
    with container.unit_of_work() as uow:
        query = select(album.c.album_thumbnail_asset_id).where(album.c.id == UUID(album_id))
        value: UUID | None = uow.connection.execute(query).scalar()
        return value


def jobs_named(container: Container, name: str) -> list[dict[str, Any]]:
    with container.engine.connect() as conn:
        return [dict(r._mapping) for r in conn.execute(select(job).where(job.c.name == name).order_by(job.c.id))]


# --- authentication and validation ---


def test_album_id_must_be_a_uuid(api: Api, user: Caller) -> None:
    response = api.request("GET", "/api/albums/nope", user)
    assert response.status_code == 400
    assert response.json()["message"] == ["id must be a UUID"]


def test_user_id_must_be_a_uuid_or_me(api: Api, user: Caller) -> None:
    created = create(api, user)
    response = api.request("DELETE", f"/api/albums/{created['id']}/user/nope", user)
    assert response.status_code == 400
    assert response.json()["message"] == "Validation failed (uuid v 4 is expected)"


def test_create_validates_the_body(api: Api, user: Caller) -> None:
    response = api.request("POST", "/api/albums", user, json={"assetIds": ["nope"]})
    assert response.status_code == 400
    messages = response.json()["message"]
    assert "albumName must be a string" in messages
    assert "each value in assetIds must be a UUID" in messages


def test_add_users_needs_at_least_one_user(api: Api, user: Caller) -> None:
    created = create(api, user)
    response = api.request("PUT", f"/api/albums/{created['id']}/users", user, json={"albumUsers": []})
    assert response.status_code == 400
    assert response.json()["message"] == ["albumUsers must contain at least 1 elements"]


# --- create ---


def test_create_answers_the_album_with_its_assets(api: Api, container: Container, user: Caller) -> None:
    older = add_asset(container, user, when=JUNE, exif={"make": "Canon"})
    newer = add_asset(container, user, when=JUNE + timedelta(days=3))
    body = create(api, user, description="Summer", assetIds=[str(older), str(newer)])
    assert set(body) == ALBUM_KEYS | DATE_KEYS
    assert body["ownerId"] == user.id and body["owner"]["name"] == "Owner"
    assert body["albumName"] == "Trip" and body["description"] == "Summer"
    assert body["albumThumbnailAssetId"] == str(older)
    assert body["albumUsers"] == [] and body["shared"] is False and body["hasSharedLink"] is False
    assert body["isActivityEnabled"] is True and body["order"] == "desc"
    assert body["assetCount"] == 2
    assert [a["id"] for a in body["assets"]] == [str(newer), str(older)]
    assert body["assets"][1]["exifInfo"]["make"] == "Canon"
    assert body["startDate"] == "2024-06-01T12:00:00.000Z" and body["endDate"] == "2024-06-04T12:00:00.000Z"


def test_create_leaves_out_assets_the_caller_may_not_share(
    api: Api, container: Container, user: Caller, other: Caller
) -> None:
    mine = add_asset(container, user)
    theirs = add_asset(container, other)
    body = create(api, user, assetIds=[str(theirs), str(mine)])
    assert [a["id"] for a in body["assets"]] == [str(mine)]
    assert body["albumThumbnailAssetId"] == str(mine)


def test_create_without_assets_has_no_dates_and_no_thumbnail(api: Api, user: Caller) -> None:
    body = create(api, user)
    assert set(body) == ALBUM_KEYS
    assert body["albumThumbnailAssetId"] is None and body["assetCount"] == 0 and body["description"] == ""


def test_create_shares_with_users_and_invites_them(api: Api, container: Container, user: Caller, other: Caller) -> None:
    body = create(api, user, albumUsers=[{"userId": other.id, "role": "viewer"}])
    assert [(m["user"]["id"], m["role"]) for m in body["albumUsers"]] == [(other.id, "viewer")]
    assert body["shared"] is True
    invites = jobs_named(container, "notify-album-invite")
    assert [j["data"] for j in invites] == [{"id": body["id"], "recipientId": other.id}]
    assert invites[0]["queue"] == "notifications"


def test_create_refuses_the_owner_as_member(api: Api, user: Caller) -> None:
    response = api.request(
        "POST", "/api/albums", user, json={"albumName": "A", "albumUsers": [{"userId": user.id, "role": "editor"}]}
    )
    assert response.status_code == 400
    assert response.json()["message"] == "Cannot share album with owner"


def test_create_refuses_an_unknown_user(api: Api, user: Caller) -> None:
    body = {"albumName": "A", "albumUsers": [{"userId": str(uuid.uuid4()), "role": "editor"}]}
    response = api.request("POST", "/api/albums", user, json=body)
    assert response.status_code == 400
    assert response.json()["message"] == "User not found"


# --- list and statistics ---


@pytest.fixture
def albums(api: Api, container: Container, user: Caller, other: Caller) -> dict[str, str]:
    """`user`'s private, member and linked albums; `other`'s album shared with `user` and a private one."""
    made = {
        "private": create(api, user, albumName="private")["id"],
        "members": create(api, user, albumName="members")["id"],
        "linked": create(api, user, albumName="linked")["id"],
        "theirs": create(api, other, albumName="theirs")["id"],
        "their private": create(api, other, albumName="their private")["id"],
    }
    share(api, user, made["members"], other)
    add_link(container, user, made["linked"])
    share(api, other, made["theirs"], user)
    return made


def test_list_without_filter_answers_owned_albums_newest_first(api: Api, user: Caller, albums: dict[str, str]) -> None:
    response = api.request("GET", "/api/albums", user)
    assert response.status_code == 200
    assert names(response.json()) == ["linked", "members", "private"]


def test_list_shared_answers_shared_owned_and_received_albums(api: Api, user: Caller, albums: dict[str, str]) -> None:
    response = api.request("GET", "/api/albums", user, params={"shared": "true"})
    body = response.json()
    assert names(body) == ["theirs", "linked", "members"]
    assert all(a["shared"] for a in body)
    assert [a["hasSharedLink"] for a in body] == [False, True, False]


def test_list_not_shared_answers_private_albums(api: Api, user: Caller, albums: dict[str, str]) -> None:
    response = api.request("GET", "/api/albums", user, params={"shared": "false"})
    assert names(response.json()) == ["private"]


def test_list_by_asset_answers_albums_the_caller_can_see_holding_it(
    api: Api, container: Container, user: Caller, other: Caller, albums: dict[str, str]
) -> None:
    asset_id = add_asset(container, other)
    put_assets(api, other, albums["theirs"], asset_id)
    put_assets(api, other, albums["their private"], asset_id)
    response = api.request("GET", "/api/albums", user, params={"assetId": str(asset_id), "shared": "false"})
    assert names(response.json()) == ["theirs"]


def test_list_counts_only_untrashed_assets(api: Api, container: Container, user: Caller) -> None:
    kept = add_asset(container, user, when=JUNE)
    trashed = add_asset(container, user, when=JUNE + timedelta(days=9), deleted_at=JUNE, status="trashed")
    created = create(api, user, assetIds=[str(kept), str(trashed)])
    [body] = api.request("GET", "/api/albums", user).json()
    assert body["id"] == created["id"]
    assert body["assetCount"] == 1 and body["assets"] == []
    assert body["startDate"] == body["endDate"] == "2024-06-01T12:00:00.000Z"
    assert body["lastModifiedAssetTimestamp"].endswith("Z")


def test_list_replaces_a_trashed_thumbnail(api: Api, container: Container, user: Caller) -> None:
    older = add_asset(container, user, when=JUNE)
    newer = add_asset(container, user, when=JUNE + timedelta(days=1))
    created = create(api, user, assetIds=[str(newer), str(older)])
    with container.unit_of_work() as uow:
        Repositories(uow).assets.update_many([newer], {"deleted_at": JUNE, "status": "trashed"})
    [body] = api.request("GET", "/api/albums", user).json()
    assert body["id"] == created["id"] and body["albumThumbnailAssetId"] == str(older)


def test_statistics_count_owned_shared_and_not_shared(api: Api, user: Caller, albums: dict[str, str]) -> None:
    response = api.request("GET", "/api/albums/statistics", user)
    assert response.status_code == 200
    assert response.json() == {"owned": 3, "shared": 3, "notShared": 1}


# --- get ---


def test_get_lists_assets_newest_first_with_metadata(api: Api, container: Container, user: Caller) -> None:
    first = add_asset(container, user, when=JUNE)
    second = add_asset(container, user, when=JUNE + timedelta(days=1))
    created = create(api, user, assetIds=[str(first), str(second)])
    body = get(api, user, created["id"])
    assert set(body) == ALBUM_KEYS | DATE_KEYS | {"lastModifiedAssetTimestamp"}
    assert [a["id"] for a in body["assets"]] == [str(second), str(first)]
    assert body["assetCount"] == 2


def test_get_without_assets_keeps_the_count(api: Api, container: Container, user: Caller) -> None:
    created = create(api, user, assetIds=[str(add_asset(container, user))])
    body = get(api, user, created["id"], withoutAssets="true")
    assert body["assets"] == [] and body["assetCount"] == 1


def test_get_hides_trashed_assets(api: Api, container: Container, user: Caller) -> None:
    kept = add_asset(container, user)
    trashed = add_asset(container, user)
    created = create(api, user, assetIds=[str(kept), str(trashed)])
    with container.unit_of_work() as uow:
        Repositories(uow).assets.update_many([trashed], {"deleted_at": JUNE, "status": "trashed"})
    body = get(api, user, created["id"])
    assert [a["id"] for a in body["assets"]] == [str(kept)] and body["assetCount"] == 1


def test_get_is_allowed_to_members_only(api: Api, user: Caller, other: Caller, third: Caller) -> None:
    created = create(api, user)
    share(api, user, created["id"], other, role="viewer")
    assert get(api, other, created["id"])["id"] == created["id"]
    response = api.request("GET", f"/api/albums/{created['id']}", third)
    assert response.status_code == 400
    assert response.json()["message"] == "Not found or no album.read access"


def test_get_through_a_link_without_exif_strips_asset_metadata(api: Api, container: Container, user: Caller) -> None:
    asset_id = add_asset(container, user, exif={"make": "Canon"})
    created = create(api, user, assetIds=[str(asset_id)])
    add_link(container, user, created["id"])
    with container.unit_of_work() as uow:
        repos = Repositories(uow)
        link_id = uow.connection.execute(select(shared_link.c.id)).scalar_one()
        owner = repos.users.get(UUID(user.id))
        assert owner is not None
        link = AuthSharedLink(link_id, owner.id, UUID(created["id"]), False, True, show_exif=False)
        body = AlbumService(container.context(uow)).get(Auth(user=owner, shared_link=link), UUID(created["id"]), None)
    [sanitized] = body.model_dump(by_alias=True, exclude_unset=True)["assets"]
    assert sanitized["id"] == str(asset_id)
    assert "exifInfo" not in sanitized and "originalFileName" not in sanitized and "originalPath" not in sanitized


def test_get_with_a_link_key_reads_the_links_album_only(api: Api, container: Container, user: Caller) -> None:
    asset_id = add_asset(container, user, exif={"make": "Canon"})
    created = create(api, user, assetIds=[str(asset_id)])
    elsewhere = create(api, user)
    key = add_link(container, user, created["id"], show_exif=False)
    response = api.request("GET", f"/api/albums/{created['id']}", params={"key": key})
    assert response.status_code == 200, response.text
    [sanitized] = response.json()["assets"]
    assert sanitized["id"] == str(asset_id) and "exifInfo" not in sanitized and "originalPath" not in sanitized
    denied = api.request("GET", f"/api/albums/{elsewhere['id']}", params={"key": key})
    assert denied.status_code == 400
    assert denied.json()["message"] == "Not found or no album.read access"


def test_a_link_without_upload_cannot_add_assets(api: Api, container: Container, user: Caller) -> None:
    created = create(api, user)
    key = add_link(container, user, created["id"], allow_upload=False)
    body = {"ids": [str(add_asset(container, user))]}
    response = api.request("PUT", f"/api/albums/{created['id']}/assets", params={"key": key}, json=body)
    assert response.status_code == 400
    assert response.json()["message"] == "Not found or no album.addAsset access"


# --- update and delete ---


def test_update_changes_the_given_fields(api: Api, container: Container, user: Caller) -> None:
    first = add_asset(container, user)
    second = add_asset(container, user)
    created = create(api, user, assetIds=[str(first), str(second)])
    body = {
        "albumName": "Renamed",
        "description": "New",
        "albumThumbnailAssetId": str(second),
        "isActivityEnabled": False,
        "order": "asc",
    }
    response = api.request("PATCH", f"/api/albums/{created['id']}", user, json=body)
    assert response.status_code == 200
    updated = response.json()
    assert updated["albumName"] == "Renamed" and updated["description"] == "New"
    assert updated["albumThumbnailAssetId"] == str(second)
    assert updated["isActivityEnabled"] is False and updated["order"] == "asc"
    assert updated["assets"] == [] and updated["assetCount"] == 2
    assert get(api, user, created["id"])["albumName"] == "Renamed"


def test_update_refuses_a_thumbnail_outside_the_album(api: Api, container: Container, user: Caller) -> None:
    created = create(api, user)
    outside = add_asset(container, user)
    response = api.request("PATCH", f"/api/albums/{created['id']}", user, json={"albumThumbnailAssetId": str(outside)})
    assert response.status_code == 400
    assert response.json()["message"] == "Invalid album thumbnail"


def test_update_is_for_the_owner_only(api: Api, user: Caller, other: Caller) -> None:
    created = create(api, user)
    share(api, user, created["id"], other)
    response = api.request("PATCH", f"/api/albums/{created['id']}", other, json={"albumName": "Mine"})
    assert response.status_code == 400
    assert response.json()["message"] == "Not found or no album.update access"


def test_delete_removes_the_album(api: Api, user: Caller, other: Caller) -> None:
    created = create(api, user)
    denied = api.request("DELETE", f"/api/albums/{created['id']}", other)
    assert denied.status_code == 400
    assert denied.json()["message"] == "Not found or no album.delete access"
    response = api.request("DELETE", f"/api/albums/{created['id']}", user)
    assert response.status_code == 200 and response.content == b""
    assert api.request("GET", f"/api/albums/{created['id']}", user).status_code == 400


# --- assets ---


def test_add_assets_reports_each_id(api: Api, container: Container, user: Caller, other: Caller) -> None:
    present = add_asset(container, user)
    created = create(api, user, assetIds=[str(present)])
    new = add_asset(container, user)
    theirs = add_asset(container, other)
    results = put_assets(api, user, created["id"], new, present, theirs, new)
    assert results == [
        {"id": str(new), "success": True},
        {"id": str(present), "success": False, "error": "duplicate"},
        {"id": str(theirs), "success": False, "error": "no_permission"},
        {"id": str(new), "success": False, "error": "duplicate"},
    ]
    assert get(api, user, created["id"])["assetCount"] == 2


def test_add_assets_sets_the_first_thumbnail_and_notifies_the_others(
    api: Api, container: Container, user: Caller, other: Caller, third: Caller
) -> None:
    created = create(api, user)
    share(api, user, created["id"], other, third)
    asset_id = add_asset(container, other)
    put_assets(api, other, created["id"], asset_id)
    assert thumbnail_of(container, created["id"]) == asset_id
    updates = jobs_named(container, "notify-album-update")
    assert sorted(j["data"]["recipientId"] for j in updates) == sorted([user.id, third.id])
    assert {j["job_key"] for j in updates} == {
        f"notify-album-update:{created['id']}/{user.id}",
        f"notify-album-update:{created['id']}/{third.id}",
    }
    assert all(j["run_at"] > j["created_at"] + timedelta(minutes=4) for j in updates)


def test_viewers_may_not_add_assets(api: Api, container: Container, user: Caller, other: Caller) -> None:
    created = create(api, user)
    share(api, user, created["id"], other, role="viewer")
    response = api.request(
        "PUT", f"/api/albums/{created['id']}/assets", other, json={"ids": [str(add_asset(container, other))]}
    )
    assert response.status_code == 400
    assert response.json()["message"] == "Not found or no album.addAsset access"


def test_add_assets_to_an_unknown_album(api: Api, user: Caller) -> None:
    response = api.request("PUT", f"/api/albums/{uuid.uuid4()}/assets", user, json={"ids": []})
    assert response.status_code == 400
    assert response.json()["message"] == "Album not found"


def test_remove_assets_reports_each_id(api: Api, container: Container, user: Caller) -> None:
    kept = add_asset(container, user, when=JUNE)
    removed = add_asset(container, user, when=JUNE + timedelta(days=1))
    created = create(api, user, assetIds=[str(removed), str(kept)])
    assert created["albumThumbnailAssetId"] == str(removed)
    missing = uuid.uuid4()
    results = delete_assets(api, user, created["id"], removed, missing)
    assert results == [
        {"id": str(removed), "success": True},
        {"id": str(missing), "success": False, "error": "not_found"},
    ]
    assert thumbnail_of(container, created["id"]) == kept


def test_editors_remove_only_assets_they_may_share(api: Api, container: Container, user: Caller, other: Caller) -> None:
    owners = add_asset(container, user)
    created = create(api, user, assetIds=[str(owners)])
    share(api, user, created["id"], other)
    editors = add_asset(container, other)
    put_assets(api, other, created["id"], editors)
    results = delete_assets(api, other, created["id"], owners, editors)
    assert results == [
        {"id": str(owners), "success": False, "error": "no_permission"},
        {"id": str(editors), "success": True},
    ]


def test_removing_the_last_asset_clears_the_thumbnail(api: Api, container: Container, user: Caller) -> None:
    only = add_asset(container, user)
    created = create(api, user, assetIds=[str(only)])
    delete_assets(api, user, created["id"], only)
    assert thumbnail_of(container, created["id"]) is None


# --- users ---


def test_add_users_answers_the_album_without_assets(
    api: Api, container: Container, user: Caller, other: Caller
) -> None:
    created = create(api, user, assetIds=[str(add_asset(container, user))])
    body = share(api, user, created["id"], other, role="viewer")
    assert [(m["user"]["id"], m["role"]) for m in body["albumUsers"]] == [(other.id, "viewer")]
    assert body["shared"] is True and body["assets"] == [] and body["assetCount"] == 1
    assert [j["data"]["recipientId"] for j in jobs_named(container, "notify-album-invite")] == [other.id]


def test_add_users_defaults_to_editor(api: Api, user: Caller, other: Caller) -> None:
    created = create(api, user)
    response = api.request(
        "PUT", f"/api/albums/{created['id']}/users", user, json={"albumUsers": [{"userId": other.id}]}
    )
    assert [m["role"] for m in response.json()["albumUsers"]] == ["editor"]


@pytest.mark.parametrize(
    ("who", "message"),
    [("owner", "Cannot be shared with owner"), ("member", "User already added"), ("unknown", "User not found")],
)
def test_add_users_refusals(api: Api, user: Caller, other: Caller, who: str, message: str) -> None:
    created = create(api, user)
    share(api, user, created["id"], other)
    user_id = {"owner": user.id, "member": other.id, "unknown": str(uuid.uuid4())}[who]
    response = api.request(
        "PUT", f"/api/albums/{created['id']}/users", user, json={"albumUsers": [{"userId": user_id}]}
    )
    assert response.status_code == 400
    assert response.json()["message"] == message


def test_add_users_is_for_the_owner_only(api: Api, user: Caller, other: Caller, third: Caller) -> None:
    created = create(api, user)
    share(api, user, created["id"], other)
    response = api.request(
        "PUT", f"/api/albums/{created['id']}/users", other, json={"albumUsers": [{"userId": third.id}]}
    )
    assert response.status_code == 400
    assert response.json()["message"] == "Not found or no album.share access"


def test_update_user_changes_the_role(api: Api, user: Caller, other: Caller) -> None:
    created = create(api, user)
    share(api, user, created["id"], other)
    response = api.request("PUT", f"/api/albums/{created['id']}/user/{other.id}", user, json={"role": "viewer"})
    assert response.status_code == 200 and response.content == b""
    assert [m["role"] for m in get(api, user, created["id"])["albumUsers"]] == ["viewer"]


def test_update_user_validates_the_role(api: Api, user: Caller, other: Caller) -> None:
    created = create(api, user)
    response = api.request("PUT", f"/api/albums/{created['id']}/user/{other.id}", user, json={"role": "owner"})
    assert response.status_code == 400
    assert response.json()["message"] == ["role must be one of the following values: editor, viewer"]


def test_members_may_remove_themselves(api: Api, user: Caller, other: Caller) -> None:
    created = create(api, user)
    share(api, user, created["id"], other)
    response = api.request("DELETE", f"/api/albums/{created['id']}/user/me", other)
    assert response.status_code == 200
    assert get(api, user, created["id"])["albumUsers"] == []


def test_only_the_owner_removes_other_members(api: Api, user: Caller, other: Caller, third: Caller) -> None:
    created = create(api, user)
    share(api, user, created["id"], other, third)
    denied = api.request("DELETE", f"/api/albums/{created['id']}/user/{third.id}", other)
    assert denied.status_code == 400
    assert denied.json()["message"] == "Not found or no album.share access"
    allowed = api.request("DELETE", f"/api/albums/{created['id']}/user/{third.id}", user)
    assert allowed.status_code == 200


def test_the_owner_cannot_be_removed(api: Api, user: Caller, other: Caller) -> None:
    created = create(api, user)
    share(api, user, created["id"], other)
    for caller in (user, other):
        response = api.request("DELETE", f"/api/albums/{created['id']}/user/{user.id}", caller)
        assert response.status_code == 400
        assert response.json()["message"] == "Cannot remove album owner"


def test_removing_a_non_member(api: Api, user: Caller, other: Caller) -> None:
    created = create(api, user)
    response = api.request("DELETE", f"/api/albums/{created['id']}/user/{other.id}", user)
    assert response.status_code == 400
    assert response.json()["message"] == "Album not shared with user"
