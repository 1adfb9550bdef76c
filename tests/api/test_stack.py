"""/stacks: create (merging stacks), search, get, change the primary, delete; access and events."""

from __future__ import annotations

import uuid
from typing import Any
from uuid import UUID

import pytest
from sqlalchemy import select

from photonest.container import Container
from photonest.db.tables import asset, stack
from photonest.events.bus import ClientEvent
from tests.api.test_timeline import JUNE, add_asset, add_tag, tag_assets
from tests.factories import Api, Caller


@pytest.fixture
def admin(api: Api) -> Caller:
    return api.admin()


@pytest.fixture
def user(api: Api, admin: Caller) -> Caller:
    return api.user(admin)


@pytest.fixture
def other(api: Api, admin: Caller) -> Caller:
    return api.user(admin)


@pytest.fixture
def events(container: Container) -> list[ClientEvent]:
    seen: list[ClientEvent] = []
    container.bus.subscribe(seen.append)
    return seen


def stack_of(container: Container, asset_id: UUID) -> UUID | None:
    with container.unit_of_work() as uow:
        value: UUID | None = uow.connection.execute(select(asset.c.stack_id).where(asset.c.id == asset_id)).scalar()
        return value


def stack_count(container: Container) -> int:
    with container.unit_of_work() as uow:
        return len(uow.connection.execute(select(stack.c.id)).all())


def create(api: Api, caller: Caller, *asset_ids: UUID) -> Any:
    response = api.request("POST", "/api/stacks", caller, json={"assetIds": [str(i) for i in asset_ids]})
    assert response.status_code == 201, response.text
    return response.json()


def member_ids(body: Any) -> list[str]:
    return [a["id"] for a in body["assets"]]


# --- authentication and validation ---


@pytest.mark.parametrize(
    ("method", "path", "permission"),
    [
        ("POST", "/api/stacks", "stack.create"),
        ("GET", "/api/stacks", "stack.read"),
        ("DELETE", "/api/stacks", "stack.delete"),
        ("GET", f"/api/stacks/{uuid.uuid4()}", "stack.read"),
        ("PUT", f"/api/stacks/{uuid.uuid4()}", "stack.update"),
        ("DELETE", f"/api/stacks/{uuid.uuid4()}", "stack.delete"),
    ],
)
def test_stack_routes_require_authentication_and_permission(
    api: Api, user: Caller, method: str, path: str, permission: str
) -> None:
    response = api.request(method, path, json={})
    assert response.status_code == 401
    assert response.json()["message"] == "Authentication required"
    response = api.request(method, path, api.api_key(user, ["asset.read"]), json={})
    assert response.status_code == 403
    assert response.json()["message"] == f"Missing required permission: {permission}"


@pytest.mark.parametrize("method", ["GET", "PUT", "DELETE"])
def test_stack_id_must_be_a_uuid(api: Api, user: Caller, method: str) -> None:
    response = api.request(method, "/api/stacks/nope", user, json={})
    assert response.status_code == 400
    assert response.json()["message"] == ["id must be a UUID"]


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"assetIds": [str(uuid.uuid4())]}, "assetIds must contain at least 2 elements"),
        ({"assetIds": ["nope", str(uuid.uuid4())]}, "each value in assetIds must be a UUID"),
        ({}, "assetIds should not be empty"),
    ],
)
def test_create_validates_asset_ids(api: Api, user: Caller, body: dict[str, Any], message: str) -> None:
    response = api.request("POST", "/api/stacks", user, json=body)
    assert response.status_code == 400
    assert message in response.json()["message"]


def test_search_validates_primary_asset_id(api: Api, user: Caller) -> None:
    response = api.request("GET", "/api/stacks", user, params={"primaryAssetId": "nope"})
    assert response.status_code == 400
    assert response.json()["message"] == ["primaryAssetId must be a UUID"]


# --- create ---


def test_create_stacks_assets_under_the_first(
    api: Api, container: Container, user: Caller, events: list[ClientEvent]
) -> None:
    primary = add_asset(container, user, exif={"make": "Canon"})
    second = add_asset(container, user, when=JUNE.replace(day=2))
    body = create(api, user, primary, second)
    assert set(body) == {"id", "primaryAssetId", "assets"}
    assert body["primaryAssetId"] == str(primary)
    assert member_ids(body) == [str(primary), str(second)]
    first = body["assets"][0]
    assert first["ownerId"] == user.id and first["type"] == "IMAGE" and first["isTrashed"] is False
    assert first["exifInfo"]["make"] == "Canon"
    assert "exifInfo" not in body["assets"][1]
    assert "tags" not in first
    assert stack_of(container, primary) == stack_of(container, second) == UUID(body["id"])
    assert [(e.name, e.room, e.payload) for e in events] == [("on_asset_stack_update", user.id, ())]


def test_create_needs_update_access_to_every_asset(
    api: Api, container: Container, user: Caller, other: Caller, events: list[ClientEvent]
) -> None:
    mine = add_asset(container, user)
    theirs = add_asset(container, other)
    response = api.request("POST", "/api/stacks", user, json={"assetIds": [str(mine), str(theirs)]})
    assert response.status_code == 400
    assert response.json()["message"] == "Not found or no asset.update access"
    assert stack_count(container) == 0
    assert events == []


def test_create_merges_stacks_headed_by_any_of_the_assets(api: Api, container: Container, user: Caller) -> None:
    a, b, c, d = (add_asset(container, user, when=JUNE.replace(day=n)) for n in (1, 2, 3, 4))
    old = create(api, user, a, b)
    new = create(api, user, c, a, d)
    assert new["primaryAssetId"] == str(c)
    assert sorted(member_ids(new)) == sorted(str(i) for i in (a, b, c, d))
    assert member_ids(new)[0] == str(c)
    assert stack_count(container) == 1
    response = api.request("GET", f"/api/stacks/{old['id']}", user)
    assert response.status_code == 400


def test_create_moves_a_member_out_of_a_stack_it_does_not_head(api: Api, container: Container, user: Caller) -> None:
    a, b, c, d = (add_asset(container, user, when=JUNE.replace(day=n)) for n in (1, 2, 3, 4))
    old = create(api, user, a, b, c)
    new = create(api, user, d, b)
    assert member_ids(new) == [str(d), str(b)]
    kept = api.request("GET", f"/api/stacks/{old['id']}", user).json()
    assert member_ids(kept) == [str(a), str(c)]


def test_members_in_the_trash_or_hidden_are_not_listed(api: Api, container: Container, user: Caller) -> None:
    a = add_asset(container, user)
    trashed = add_asset(container, user, deleted_at=JUNE, status="trashed")
    hidden = add_asset(container, user, visibility="hidden")
    archived = add_asset(container, user, visibility="archive")
    body = create(api, user, a, trashed, hidden, archived)
    assert member_ids(body) == [str(a), str(archived)]


# --- search and get ---


def test_search_lists_own_stacks_by_primary(api: Api, container: Container, user: Caller, other: Caller) -> None:
    a, b, c, d = (add_asset(container, user) for _ in range(4))
    first, second = create(api, user, a, b), create(api, user, c, d)
    create(api, other, add_asset(container, other), add_asset(container, other))
    response = api.request("GET", "/api/stacks", user)
    assert response.status_code == 200
    assert {s["id"] for s in response.json()} == {first["id"], second["id"]}
    found = api.request("GET", "/api/stacks", user, params={"primaryAssetId": str(c)}).json()
    assert [s["id"] for s in found] == [second["id"]]
    assert api.request("GET", "/api/stacks", user, params={"primaryAssetId": str(b)}).json() == []


def test_get_returns_the_stack_with_tags(api: Api, container: Container, user: Caller) -> None:
    a, b = add_asset(container, user), add_asset(container, user, when=JUNE.replace(day=2))
    tag_id = add_tag(container, user, "travel/paris")
    tag_assets(container, tag_id, a)
    created = create(api, user, a, b)
    response = api.request("GET", f"/api/stacks/{created['id']}", user)
    assert response.status_code == 200
    body = response.json()
    assert (body["id"], body["primaryAssetId"], member_ids(body)) == (created["id"], str(a), [str(a), str(b)])
    tags = body["assets"][0]["tags"]
    assert [(t["id"], t["name"], t["value"]) for t in tags] == [(str(tag_id), "paris", "travel/paris")]
    assert set(tags[0]) == {"id", "name", "value", "createdAt", "updatedAt"}
    assert body["assets"][1]["tags"] == []


def test_get_denies_other_users_stacks(api: Api, container: Container, user: Caller, other: Caller) -> None:
    theirs = create(api, other, add_asset(container, other), add_asset(container, other))
    response = api.request("GET", f"/api/stacks/{theirs['id']}", user)
    assert response.status_code == 400
    assert response.json()["message"] == "Not found or no stack.read access"
    response = api.request("GET", f"/api/stacks/{uuid.uuid4()}", user)
    assert response.json()["message"] == "Not found or no stack.read access"


# --- update ---


def test_update_changes_the_primary(api: Api, container: Container, user: Caller, events: list[ClientEvent]) -> None:
    a, b = add_asset(container, user), add_asset(container, user)
    created = create(api, user, a, b)
    events.clear()
    response = api.request("PUT", f"/api/stacks/{created['id']}", user, json={"primaryAssetId": str(b)})
    assert response.status_code == 200
    body = response.json()
    assert (body["primaryAssetId"], member_ids(body)[0]) == (str(b), str(b))
    assert [e.name for e in events] == ["on_asset_stack_update"]
    assert api.request("PUT", f"/api/stacks/{created['id']}", user, json={}).json()["primaryAssetId"] == str(b)


def test_update_needs_the_primary_in_the_stack(api: Api, container: Container, user: Caller) -> None:
    a, b, outside = add_asset(container, user), add_asset(container, user), add_asset(container, user)
    created = create(api, user, a, b)
    response = api.request("PUT", f"/api/stacks/{created['id']}", user, json={"primaryAssetId": str(outside)})
    assert response.status_code == 400
    assert response.json()["message"] == "Primary asset must be in the stack"
    response = api.request("PUT", f"/api/stacks/{created['id']}", user, json={"primaryAssetId": "nope"})
    assert response.json()["message"] == ["primaryAssetId must be a UUID"]


def test_update_denies_other_users_stacks(api: Api, container: Container, user: Caller, other: Caller) -> None:
    a, b = add_asset(container, other), add_asset(container, other)
    theirs = create(api, other, a, b)
    response = api.request("PUT", f"/api/stacks/{theirs['id']}", user, json={"primaryAssetId": str(b)})
    assert response.status_code == 400
    assert response.json()["message"] == "Not found or no stack.update access"


# --- delete ---


def test_delete_removes_the_stack_and_unlinks_its_assets(
    api: Api, container: Container, user: Caller, events: list[ClientEvent]
) -> None:
    a, b = add_asset(container, user), add_asset(container, user)
    created = create(api, user, a, b)
    events.clear()
    response = api.request("DELETE", f"/api/stacks/{created['id']}", user)
    assert (response.status_code, response.content) == (204, b"")
    assert stack_of(container, a) is None and stack_of(container, b) is None
    assert stack_count(container) == 0
    assert [(e.name, e.room) for e in events] == [("on_asset_stack_update", user.id)]


def test_delete_many(api: Api, container: Container, user: Caller, other: Caller) -> None:
    first = create(api, user, add_asset(container, user), add_asset(container, user))
    second = create(api, user, add_asset(container, user), add_asset(container, user))
    theirs = create(api, other, add_asset(container, other), add_asset(container, other))
    denied = api.request("DELETE", "/api/stacks", user, json={"ids": [first["id"], theirs["id"]]})
    assert denied.status_code == 400
    assert denied.json()["message"] == "Not found or no stack.delete access"
    assert stack_count(container) == 3
    response = api.request("DELETE", "/api/stacks", user, json={"ids": [first["id"], second["id"]]})
    assert response.status_code == 204
    assert stack_count(container) == 1
    response = api.request("DELETE", "/api/stacks", user, json={"ids": ["nope"]})
    assert response.json()["message"] == ["each value in ids must be a UUID"]


def test_delete_denies_other_users_stacks(api: Api, container: Container, user: Caller, other: Caller) -> None:
    theirs = create(api, other, add_asset(container, other), add_asset(container, other))
    response = api.request("DELETE", f"/api/stacks/{theirs['id']}", user)
    assert response.status_code == 400
    assert response.json()["message"] == "Not found or no stack.delete access"
    assert stack_count(container) == 1
