"""/memories: create, search with filters, get, update, delete, add and remove assets."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

import pytest

from photonest.container import Container
from photonest.db.types import utcnow
from photonest.repositories import Repositories
from tests.api.test_timeline import add_asset, make_partner
from tests.factories import Api, Caller

ISO = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")
NIL = "00000000-0000-4000-8000-000000000000"
ROUTES = [
    ("GET", "/api/memories", "memory.read"),
    ("POST", "/api/memories", "memory.create"),
    ("GET", f"/api/memories/{NIL}", "memory.read"),
    ("PUT", f"/api/memories/{NIL}", "memory.update"),
    ("DELETE", f"/api/memories/{NIL}", "memory.delete"),
]
ASSET_ROUTES = [("PUT", f"/api/memories/{NIL}/assets"), ("DELETE", f"/api/memories/{NIL}/assets")]
MEMORY_KEYS = {"id", "createdAt", "updatedAt", "memoryAt", "ownerId", "type", "data", "isSaved", "assets"}


@pytest.fixture
def admin(api: Api) -> Caller:
    return api.admin()


@pytest.fixture
def user(api: Api, admin: Caller) -> Caller:
    return api.user(admin)


@pytest.fixture
def other(api: Api, admin: Caller) -> Caller:
    return api.user(admin)


def create(api: Api, caller: Caller, *asset_ids: UUID, **extra: Any) -> Any:
    body = {"type": "on_this_day", "data": {"year": 2020}, "memoryAt": "2020-06-01T00:00:00.000Z", **extra}
    if asset_ids:
        body["assetIds"] = [str(a) for a in asset_ids]
    response = api.request("POST", "/api/memories", caller, json=body)
    assert response.status_code == 201, response.text
    return response.json()


def search(api: Api, caller: Caller, **query: Any) -> list[str]:
    response = api.request("GET", "/api/memories", caller, params=query)
    assert response.status_code == 200, response.text
    return [m["id"] for m in response.json()]


def asset_ids(body: Any) -> list[str]:
    return [a["id"] for a in body["assets"]]


# --- authentication and validation ---


@pytest.mark.parametrize(("method", "path"), [(m, p) for m, p, _ in ROUTES] + ASSET_ROUTES)
def test_memory_routes_require_authentication(api: Api, method: str, path: str) -> None:
    response = api.request(method, path, json={})
    assert response.status_code == 401
    assert response.json()["message"] == "Authentication required"


@pytest.mark.parametrize(("method", "path", "permission"), ROUTES)
def test_memory_routes_need_their_api_key_permission(
    api: Api, user: Caller, method: str, path: str, permission: str
) -> None:
    key = api.api_key(user, ["asset.read"])
    response = api.request(method, path, key, json={})
    assert response.status_code == 403
    assert response.json()["message"] == f"Missing required permission: {permission}"


@pytest.mark.parametrize(("method", "permission"), [("PUT", "memory.read"), ("DELETE", "memory.update")])
def test_memory_asset_routes_need_no_api_key_permission(api: Api, user: Caller, method: str, permission: str) -> None:
    # Any key passes the route; the memory's own access rule then answers.
    key = api.api_key(user, ["asset.read"])
    response = api.request(method, f"/api/memories/{NIL}/assets", key, json={"ids": []})
    assert response.status_code == 400
    assert response.json()["message"] == f"Not found or no {permission} access"


def test_create_requires_type_data_and_memory_at(api: Api, user: Caller) -> None:
    response = api.request("POST", "/api/memories", user, json={})
    assert response.status_code == 400
    assert set(response.json()["message"]) >= {
        "type should not be empty",
        "data should not be empty",
        "memoryAt should not be empty",
    }


def test_create_rejects_an_unknown_type(api: Api, user: Caller) -> None:
    body = {"type": "birthday", "data": {"year": 2020}, "memoryAt": "2020-06-01T00:00:00.000Z"}
    response = api.request("POST", "/api/memories", user, json=body)
    assert response.status_code == 400
    assert response.json()["message"] == ["type must be one of the following values: on_this_day"]


def test_create_rejects_a_year_below_one(api: Api, user: Caller) -> None:
    body = {"type": "on_this_day", "data": {"year": 0}, "memoryAt": "2020-06-01T00:00:00.000Z"}
    response = api.request("POST", "/api/memories", user, json=body)
    assert response.status_code == 400
    assert response.json()["message"] == ["data.year must not be less than 1"]


def test_search_rejects_a_malformed_date_and_flag(api: Api, user: Caller) -> None:
    response = api.request("GET", "/api/memories", user, params={"for": "soon", "isSaved": "maybe"})
    assert response.status_code == 400
    assert set(response.json()["message"]) == {"for must be a Date instance", "isSaved must be a boolean value"}


# --- create and read ---


def test_create_answers_the_memory(api: Api, user: Caller) -> None:
    body = create(api, user)
    assert set(body) == MEMORY_KEYS
    assert body["ownerId"] == user.id
    assert body["type"] == "on_this_day"
    assert body["data"] == {"year": 2020}
    assert body["isSaved"] is False
    assert body["memoryAt"] == "2020-06-01T00:00:00.000Z"
    assert body["assets"] == []
    assert ISO.match(body["createdAt"]) and ISO.match(body["updatedAt"])


def test_create_keeps_saved_and_seen(api: Api, user: Caller) -> None:
    body = create(api, user, isSaved=True, seenAt="2024-01-02T03:04:05.000Z")
    assert body["isSaved"] is True
    assert body["seenAt"] == "2024-01-02T03:04:05.000Z"


def test_create_keeps_only_the_assets_the_caller_may_share(
    api: Api, container: Container, user: Caller, other: Caller
) -> None:
    mine, theirs = add_asset(container, user), add_asset(container, other)
    body = create(api, user, mine, theirs)
    assert asset_ids(body) == [str(mine)]
    assert body["assets"][0]["ownerId"] == user.id


def test_get_answers_the_memory_with_its_assets(api: Api, container: Container, user: Caller) -> None:
    asset_id = add_asset(container, user)
    created = create(api, user, asset_id)
    response = api.request("GET", f"/api/memories/{created['id']}", user)
    assert response.status_code == 200
    assert response.json() == created


def test_get_another_users_memory_is_denied(api: Api, user: Caller, other: Caller) -> None:
    theirs = create(api, other)
    response = api.request("GET", f"/api/memories/{theirs['id']}", user)
    assert response.status_code == 400
    assert response.json()["message"] == "Not found or no memory.read access"


def test_archived_and_trashed_assets_are_left_out(api: Api, container: Container, user: Caller) -> None:
    shown = add_asset(container, user)
    archived = add_asset(container, user, visibility="archive")
    trashed = add_asset(container, user, deleted_at=utcnow())
    created = create(api, user, shown, archived, trashed)
    assert asset_ids(created) == [str(shown)]


def test_assets_are_ordered_oldest_first(api: Api, container: Container, user: Caller) -> None:
    newer = add_asset(container, user, when=datetime(2020, 6, 1, 18, tzinfo=UTC))
    older = add_asset(container, user, when=datetime(2020, 6, 1, 8, tzinfo=UTC))
    assert asset_ids(create(api, user, newer, older)) == [str(older), str(newer)]


# --- search ---


def test_search_lists_the_callers_memories_newest_first(api: Api, user: Caller, other: Caller) -> None:
    old = create(api, user, memoryAt="2019-06-01T00:00:00.000Z")
    new = create(api, user, memoryAt="2021-06-01T00:00:00.000Z")
    create(api, other)
    assert search(api, user) == [new["id"], old["id"]]


def test_search_filters_by_saved(api: Api, user: Caller) -> None:
    saved = create(api, user, isSaved=True)
    unsaved = create(api, user)
    assert search(api, user, isSaved="true") == [saved["id"]]
    assert search(api, user, isSaved="false") == [unsaved["id"]]


def test_search_filters_by_type(api: Api, user: Caller) -> None:
    created = create(api, user)
    assert search(api, user, type="on_this_day") == [created["id"]]


def test_search_for_a_date_keeps_memories_shown_then(api: Api, container: Container, user: Caller) -> None:
    with container.unit_of_work() as uow:
        shown = Repositories(uow).memories.create(
            {
                "owner_id": UUID(user.id),
                "type": "on_this_day",
                "data": {"year": 2020},
                "memory_at": datetime(2020, 6, 1, tzinfo=UTC),
                "show_at": datetime(2025, 6, 1, tzinfo=UTC),
                "hide_at": datetime(2025, 6, 1, 23, 59, 59, 999000, tzinfo=UTC),
            },
            [],
        )
    always = create(api, user, memoryAt="2019-06-01T00:00:00.000Z")
    assert search(api, user, **{"for": "2025-06-01T12:00:00.000Z"}) == [str(shown.id), always["id"]]
    assert search(api, user, **{"for": "2025-06-02T00:00:00.000Z"}) == [always["id"]]
    assert search(api, user, **{"for": "2025-05-31T23:59:59.000Z"}) == [always["id"]]


def test_search_shows_trashed_memories_only_when_asked(api: Api, user: Caller) -> None:
    create(api, user)
    assert search(api, user, isTrashed="true") == []


# --- update and delete ---


def test_update_changes_saved_seen_and_memory_at(api: Api, user: Caller) -> None:
    created = create(api, user)
    body = {"isSaved": True, "seenAt": "2025-01-01T00:00:00.000Z", "memoryAt": "2018-06-01T00:00:00.000Z"}
    response = api.request("PUT", f"/api/memories/{created['id']}", user, json=body)
    assert response.status_code == 200
    updated = response.json()
    assert updated["isSaved"] is True
    assert updated["seenAt"] == "2025-01-01T00:00:00.000Z"
    assert updated["memoryAt"] == "2018-06-01T00:00:00.000Z"


def test_update_another_users_memory_is_denied(api: Api, user: Caller, other: Caller) -> None:
    theirs = create(api, other)
    response = api.request("PUT", f"/api/memories/{theirs['id']}", user, json={"isSaved": True})
    assert response.status_code == 400
    assert response.json()["message"] == "Not found or no memory.update access"


def test_delete_removes_the_memory(api: Api, user: Caller) -> None:
    created = create(api, user)
    assert api.request("DELETE", f"/api/memories/{created['id']}", user).status_code == 204
    response = api.request("GET", f"/api/memories/{created['id']}", user)
    assert response.status_code == 400
    assert response.json()["message"] == "Not found or no memory.read access"


def test_delete_another_users_memory_is_denied(api: Api, user: Caller, other: Caller) -> None:
    theirs = create(api, other)
    response = api.request("DELETE", f"/api/memories/{theirs['id']}", user)
    assert response.status_code == 400
    assert response.json()["message"] == "Not found or no memory.delete access"
    assert search(api, other) == [theirs["id"]]


# --- assets ---


def test_add_assets_reports_each_id(api: Api, container: Container, user: Caller, other: Caller) -> None:
    present, new, theirs = add_asset(container, user), add_asset(container, user), add_asset(container, other)
    created = create(api, user, present)
    body = {"ids": [str(present), str(new), str(theirs)]}
    response = api.request("PUT", f"/api/memories/{created['id']}/assets", user, json=body)
    assert response.status_code == 200
    assert response.json() == [
        {"id": str(present), "success": False, "error": "duplicate"},
        {"id": str(new), "success": True},
        {"id": str(theirs), "success": False, "error": "no_permission"},
    ]
    after = api.request("GET", f"/api/memories/{created['id']}", user).json()
    assert set(asset_ids(after)) == {str(present), str(new)}
    assert after["updatedAt"] > created["updatedAt"]


def test_a_partners_asset_may_be_added(api: Api, container: Container, user: Caller, other: Caller) -> None:
    make_partner(api, other, user, in_timeline=False)
    theirs = add_asset(container, other)
    created = create(api, user)
    response = api.request("PUT", f"/api/memories/{created['id']}/assets", user, json={"ids": [str(theirs)]})
    assert response.json() == [{"id": str(theirs), "success": True}]


def test_add_assets_to_another_users_memory_is_denied(
    api: Api, container: Container, user: Caller, other: Caller
) -> None:
    theirs = create(api, other)
    body = {"ids": [str(add_asset(container, user))]}
    response = api.request("PUT", f"/api/memories/{theirs['id']}/assets", user, json=body)
    assert response.status_code == 400
    assert response.json()["message"] == "Not found or no memory.read access"


def test_remove_assets_reports_each_id(api: Api, container: Container, user: Caller) -> None:
    inside, outside = add_asset(container, user), add_asset(container, user)
    created = create(api, user, inside)
    body = {"ids": [str(inside), str(outside)]}
    response = api.request("DELETE", f"/api/memories/{created['id']}/assets", user, json=body)
    assert response.status_code == 200
    assert response.json() == [
        {"id": str(inside), "success": True},
        {"id": str(outside), "success": False, "error": "not_found"},
    ]
    assert api.request("GET", f"/api/memories/{created['id']}", user).json()["assets"] == []


def test_remove_assets_from_another_users_memory_is_denied(api: Api, user: Caller, other: Caller) -> None:
    theirs = create(api, other)
    response = api.request("DELETE", f"/api/memories/{theirs['id']}/assets", user, json={"ids": [str(uuid.uuid4())]})
    assert response.status_code == 400
    assert response.json()["message"] == "Not found or no memory.update access"
