"""/activities: likes and comments on albums and their assets, by the owner and members; statistics; deleting."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from uuid import UUID

import pytest

from photonest.container import Container
from photonest.repositories import Repositories
from tests.api.test_shared_link import make_album
from tests.factories import Api, Caller, make_asset

NIL = "00000000-0000-4000-8000-000000000000"


@pytest.fixture
def owner(api: Api) -> Caller:
    return api.admin()


@pytest.fixture
def member(api: Api, owner: Caller) -> Caller:
    return api.user(owner)


@pytest.fixture
def outsider(api: Api, owner: Caller) -> Caller:
    return api.user(owner)


@pytest.fixture
def photo(container: Container, owner: Caller) -> Any:
    return make_asset(container, owner)


@pytest.fixture
def album_id(container: Container, owner: Caller, member: Caller, photo: Any) -> str:
    return str(make_album(container, owner, [photo], members=[(member, "viewer")]))


def post(api: Api, caller: Caller | dict[str, str], album_id: str, kind: str = "comment", **extra: Any) -> Any:
    body = {"albumId": album_id, "type": kind, **extra}
    if kind == "comment":
        body.setdefault("comment", "Nice")
    return api.request("POST", "/api/activities", caller, json=body)


def created(api: Api, caller: Caller, album_id: str, kind: str = "comment", **extra: Any) -> Any:
    response = post(api, caller, album_id, kind, **extra)
    assert response.status_code == 201, response.text
    return response.json()


def listed(api: Api, caller: Caller, album_id: str, **params: str) -> list[str]:
    response = api.request("GET", "/api/activities", caller, params={"albumId": album_id, **params})
    assert response.status_code == 200, response.text
    return [a["id"] for a in response.json()]


def assert_error(response: Any, status: int, message: Any) -> None:
    assert (response.status_code, response.json()["message"]) == (status, message), response.text


# --- creating ---


def test_the_owner_comments(api: Api, owner: Caller, album_id: str) -> None:
    response = post(api, owner, album_id, comment="Lovely")
    assert response.status_code == 201
    body = response.json()
    assert set(body) == {"id", "assetId", "createdAt", "comment", "type", "user"}
    assert (body["type"], body["comment"], body["assetId"]) == ("comment", "Lovely", None)
    assert body["user"]["id"] == owner.id
    assert set(body["user"]) == {"id", "email", "name", "profileImagePath", "avatarColor", "profileChangedAt"}
    UUID(body["id"])


def test_a_member_comments_on_an_asset(api: Api, member: Caller, album_id: str, photo: Any) -> None:
    body = created(api, member, album_id, assetId=str(photo.id))
    assert body["assetId"] == str(photo.id)
    assert body["user"]["id"] == member.id


def test_an_outsider_cannot_comment(api: Api, outsider: Caller, album_id: str) -> None:
    assert_error(post(api, outsider, album_id), 400, "Not found or no activity.create access")


def test_nobody_comments_when_activity_is_disabled(
    api: Api, container: Container, owner: Caller, member: Caller
) -> None:
    closed = str(make_album(container, owner, members=[(member, "editor")], is_activity_enabled=False))
    for caller in (owner, member):
        assert_error(post(api, caller, closed), 400, "Not found or no activity.create access")


def test_a_deleted_album_takes_no_comments(api: Api, container: Container, owner: Caller) -> None:
    gone = str(make_album(container, owner, deleted_at=datetime.now(UTC)))
    assert_error(post(api, owner, gone), 400, "Not found or no activity.create access")


@pytest.mark.parametrize(
    ("comment", "messages"),
    [
        (None, ["comment must be a string", "comment should not be empty"]),
        ("", ["comment should not be empty"]),
    ],
)
def test_a_comment_needs_text(api: Api, owner: Caller, album_id: str, comment: Any, messages: list[str]) -> None:
    body: dict[str, Any] = {"albumId": album_id, "type": "comment"}
    if comment is not None:
        body["comment"] = comment
    assert_error(api.request("POST", "/api/activities", owner, json=body), 400, messages)


def test_create_validates_the_body(api: Api, owner: Caller) -> None:
    body = {"albumId": "nope", "type": "love"}
    response = api.request("POST", "/api/activities", owner, json=body)
    assert_error(response, 400, ["albumId must be a UUID", "type must be one of the following values: comment, like"])


def test_liking_twice_answers_the_first_like(api: Api, member: Caller, album_id: str) -> None:
    first = post(api, member, album_id, "like")
    second = post(api, member, album_id, "like")
    assert (first.status_code, second.status_code) == (201, 200)
    assert second.json() == first.json()
    assert first.json()["type"] == "like"
    assert first.json()["comment"] is None


def test_a_like_drops_the_comment(api: Api, member: Caller, album_id: str) -> None:
    assert created(api, member, album_id, "like", comment="ignored")["comment"] is None


def test_album_and_asset_likes_are_separate(api: Api, member: Caller, owner: Caller, album_id: str, photo: Any) -> None:
    on_album = created(api, member, album_id, "like")
    on_asset = created(api, member, album_id, "like", assetId=str(photo.id))
    by_owner = created(api, owner, album_id, "like")
    assert len({on_album["id"], on_asset["id"], by_owner["id"]}) == 3


# --- listing and statistics ---


def test_list_filters(api: Api, owner: Caller, member: Caller, album_id: str, photo: Any) -> None:
    comment = created(api, owner, album_id)["id"]
    like = created(api, member, album_id, "like")["id"]
    on_asset = created(api, member, album_id, assetId=str(photo.id))["id"]
    assert listed(api, member, album_id) == [comment, like, on_asset]
    assert listed(api, member, album_id, type="like") == [like]
    assert listed(api, member, album_id, type="comment") == [comment, on_asset]
    assert listed(api, member, album_id, level="album") == [comment, like]
    assert listed(api, member, album_id, assetId=str(photo.id)) == [on_asset]
    assert listed(api, member, album_id, userId=member.id) == [like, on_asset]


def test_list_leaves_out_trashed_assets_and_deleted_users(
    api: Api, container: Container, owner: Caller, member: Caller, album_id: str, photo: Any
) -> None:
    kept = created(api, owner, album_id)["id"]
    created(api, owner, album_id, assetId=str(photo.id))
    created(api, member, album_id)
    with container.unit_of_work() as uow:
        repos = Repositories(uow)
        repos.assets.update(photo.id, {"deleted_at": datetime.now(UTC)})
        repos.users.update(UUID(member.id), {"deleted_at": datetime.now(UTC)})
    assert listed(api, owner, album_id) == [kept]


def test_an_outsider_cannot_list_or_count(api: Api, outsider: Caller, album_id: str) -> None:
    for path in ("/api/activities", "/api/activities/statistics"):
        response = api.request("GET", path, outsider, params={"albumId": album_id})
        assert_error(response, 400, "Not found or no album.read access")


def test_list_needs_an_album_id(api: Api, owner: Caller) -> None:
    response = api.request("GET", "/api/activities", owner, params={"albumId": "x"})
    assert_error(response, 400, ["albumId must be a UUID"])


def test_statistics_count_comments(api: Api, owner: Caller, member: Caller, album_id: str, photo: Any) -> None:
    created(api, owner, album_id)
    created(api, member, album_id, assetId=str(photo.id))
    created(api, member, album_id, "like")
    response = api.request("GET", "/api/activities/statistics", member, params={"albumId": album_id})
    assert response.status_code == 200
    assert response.json() == {"comments": 2}
    params = {"albumId": album_id, "assetId": str(photo.id)}
    assert api.request("GET", "/api/activities/statistics", member, params=params).json() == {"comments": 1}


# --- deleting ---


def test_delete_own_activity(api: Api, member: Caller, album_id: str) -> None:
    activity = created(api, member, album_id)["id"]
    response = api.request("DELETE", f"/api/activities/{activity}", member)
    assert response.status_code == 204
    assert response.content == b""
    assert listed(api, member, album_id) == []


def test_a_member_cannot_delete_anothers_activity(api: Api, owner: Caller, member: Caller, album_id: str) -> None:
    activity = created(api, owner, album_id)["id"]
    response = api.request("DELETE", f"/api/activities/{activity}", member)
    assert_error(response, 400, "Not found or no activity.delete access")
    assert listed(api, owner, album_id) == [activity]


def test_the_album_owner_deletes_any_activity(api: Api, owner: Caller, member: Caller, album_id: str) -> None:
    activity = created(api, member, album_id)["id"]
    assert api.request("DELETE", f"/api/activities/{activity}", owner).status_code == 204
    assert listed(api, owner, album_id) == []


def test_deleting_an_unknown_activity(api: Api, owner: Caller) -> None:
    assert_error(api.request("DELETE", f"/api/activities/{NIL}", owner), 400, "Not found or no activity.delete access")


def test_api_key_needs_the_activity_permission(api: Api, owner: Caller, album_id: str) -> None:
    key = api.api_key(owner, ["activity.read"])
    assert_error(post(api, key, album_id), 403, "Missing required permission: activity.create")
    response = api.request("GET", "/api/activities", key, params={"albumId": album_id})
    assert response.status_code == 200


def test_an_unknown_asset_is_refused(api: Api, member: Caller, album_id: str) -> None:
    assert_error(post(api, member, album_id, assetId=NIL), 400, "Not found or no asset.read access")


def test_a_comment_on_an_album_asset(api: Api, member: Caller, album_id: str, photo: Any) -> None:
    assert created(api, member, album_id, assetId=str(photo.id))["assetId"] == str(photo.id)
