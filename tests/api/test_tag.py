"""/tags: create, upsert paths, list, get, change the colour, delete with descendants, tag and untag assets."""

from __future__ import annotations

import dataclasses
import re
import uuid
from pathlib import Path
from typing import Any, cast
from uuid import UUID

import pytest
from sqlalchemy import select

from photonest.container import Container
from photonest.db.tables import job
from photonest.media.toolkit import MediaToolkit
from photonest.services.metadata import MetadataService
from tests.api.test_timeline import add_asset, ids, make_partner
from tests.factories import Api, Caller
from tests.fakes.media import FakeSidecarWriter

ISO = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")
NIL = "00000000-0000-4000-8000-000000000000"
ROUTES = [
    ("GET", "/api/tags", "tag.read"),
    ("POST", "/api/tags", "tag.create"),
    ("PUT", "/api/tags", "tag.create"),
    ("PUT", "/api/tags/assets", "tag.asset"),
    ("GET", f"/api/tags/{NIL}", "tag.read"),
    ("PUT", f"/api/tags/{NIL}", "tag.update"),
    ("DELETE", f"/api/tags/{NIL}", "tag.delete"),
    ("PUT", f"/api/tags/{NIL}/assets", "tag.asset"),
    ("DELETE", f"/api/tags/{NIL}/assets", "tag.asset"),
]


@pytest.fixture
def admin(api: Api) -> Caller:
    return api.admin()


@pytest.fixture
def user(api: Api, admin: Caller) -> Caller:
    return api.user(admin)


@pytest.fixture
def other(api: Api, admin: Caller) -> Caller:
    return api.user(admin)


def create(api: Api, caller: Caller, **body: Any) -> Any:
    response = api.request("POST", "/api/tags", caller, json=body)
    assert response.status_code == 201, response.text
    return response.json()


def upsert(api: Api, caller: Caller, *paths: str) -> Any:
    response = api.request("PUT", "/api/tags", caller, json={"tags": list(paths)})
    assert response.status_code == 200, response.text
    return response.json()


def all_tags(api: Api, caller: Caller) -> Any:
    response = api.request("GET", "/api/tags", caller)
    assert response.status_code == 200, response.text
    return response.json()


def tag(api: Api, caller: Caller, tag_id: str, *asset_ids: UUID) -> Any:
    body = {"ids": [str(a) for a in asset_ids]}
    response = api.request("PUT", f"/api/tags/{tag_id}/assets", caller, json=body)
    assert response.status_code == 200, response.text
    return response.json()


def asset_tags(api: Api, caller: Caller, asset_id: UUID) -> list[str]:
    response = api.request("GET", f"/api/assets/{asset_id}", caller)
    assert response.status_code == 200, response.text
    return [t["value"] for t in response.json()["tags"]]


def sidecar_jobs(container: Container) -> list[dict[str, Any]]:
    with container.engine.connect() as conn:
        rows = conn.execute(select(job.c.data).where(job.c.name == "sidecar-write").order_by(job.c.id))
        return [dict(r.data) for r in rows]


# --- authentication and validation ---


@pytest.mark.parametrize(("method", "path", "permission"), ROUTES)
def test_tag_routes_require_authentication(api: Api, method: str, path: str, permission: str) -> None:
    response = api.request(method, path, json={})
    assert response.status_code == 401
    assert response.json()["message"] == "Authentication required"


@pytest.mark.parametrize(("method", "path", "permission"), ROUTES)
def test_tag_routes_need_their_api_key_permission(
    api: Api, user: Caller, method: str, path: str, permission: str
) -> None:
    key = api.api_key(user, ["asset.read"])
    response = api.request(method, path, key, json={})
    assert response.status_code == 403
    assert response.json()["message"] == f"Missing required permission: {permission}"


def test_create_requires_a_name(api: Api, user: Caller) -> None:
    response = api.request("POST", "/api/tags", user, json={"name": ""})
    assert response.status_code == 400
    assert response.json()["message"] == ["name should not be empty"]


def test_create_rejects_a_colour_that_is_not_hexadecimal(api: Api, user: Caller) -> None:
    response = api.request("POST", "/api/tags", user, json={"name": "red", "color": "red"})
    assert response.status_code == 400
    assert response.json()["message"] == ["color must be a hexadecimal color"]


def test_create_rejects_a_malformed_parent_id(api: Api, user: Caller) -> None:
    response = api.request("POST", "/api/tags", user, json={"name": "a", "parentId": "nope"})
    assert response.status_code == 400
    assert response.json()["message"] == ["parentId must be a UUID"]


def test_bulk_tagging_rejects_malformed_ids(api: Api, user: Caller) -> None:
    response = api.request("PUT", "/api/tags/assets", user, json={"tagIds": ["x"], "assetIds": []})
    assert response.status_code == 400
    assert response.json()["message"] == ["each value in tagIds must be a UUID"]


# --- create, read, update ---


def test_create_answers_the_tag(api: Api, user: Caller) -> None:
    body = create(api, user, name="Holiday")
    assert set(body) == {"id", "name", "value", "createdAt", "updatedAt"}
    assert body["name"] == body["value"] == "Holiday"
    assert ISO.match(body["createdAt"]) and ISO.match(body["updatedAt"])


def test_create_under_a_parent_extends_its_value(api: Api, user: Caller) -> None:
    parent = create(api, user, name="Travel")
    body = create(api, user, name="Paris", parentId=parent["id"], color="#FF0000")
    assert body["value"] == "Travel/Paris"
    assert body["name"] == "Paris"
    assert body["parentId"] == parent["id"]
    assert body["color"] == "#FF0000"


def test_create_keeps_colours_with_a_leading_hash(api: Api, user: Caller) -> None:
    assert create(api, user, name="a", color="00ff00")["color"] == "#00ff00"


def test_create_rejects_a_duplicate_value(api: Api, user: Caller) -> None:
    create(api, user, name="Holiday")
    response = api.request("POST", "/api/tags", user, json={"name": "Holiday"})
    assert response.status_code == 400
    assert response.json()["message"] == "A tag with that name already exists"


def test_the_same_name_under_other_parents_is_allowed(api: Api, user: Caller) -> None:
    first, second = create(api, user, name="2023"), create(api, user, name="2024")
    create(api, user, name="Summer", parentId=first["id"])
    assert create(api, user, name="Summer", parentId=second["id"])["value"] == "2024/Summer"


def test_create_under_another_users_tag_is_denied(api: Api, user: Caller, other: Caller) -> None:
    theirs = create(api, other, name="Private")
    response = api.request("POST", "/api/tags", user, json={"name": "x", "parentId": theirs["id"]})
    assert response.status_code == 400
    assert response.json()["message"] == "Not found or no tag.read access"


def test_get_all_lists_only_the_callers_tags_by_value(api: Api, user: Caller, other: Caller) -> None:
    create(api, user, name="b")
    create(api, user, name="a")
    create(api, other, name="c")
    assert [t["value"] for t in all_tags(api, user)] == ["a", "b"]


def test_get_by_id(api: Api, user: Caller) -> None:
    created = create(api, user, name="Pets", color="#123")
    response = api.request("GET", f"/api/tags/{created['id']}", user)
    assert response.status_code == 200
    assert response.json() == created


def test_get_another_users_tag_is_denied(api: Api, user: Caller, other: Caller) -> None:
    theirs = create(api, other, name="Private")
    response = api.request("GET", f"/api/tags/{theirs['id']}", user)
    assert response.status_code == 400
    assert response.json()["message"] == "Not found or no tag.read access"


def test_update_changes_the_colour(api: Api, user: Caller) -> None:
    created = create(api, user, name="Pets")
    response = api.request("PUT", f"/api/tags/{created['id']}", user, json={"color": "#ABCDEF"})
    assert response.status_code == 200
    assert response.json()["color"] == "#ABCDEF"
    assert response.json()["value"] == "Pets"


def test_update_with_null_clears_the_colour(api: Api, user: Caller) -> None:
    created = create(api, user, name="Pets", color="#ABCDEF")
    response = api.request("PUT", f"/api/tags/{created['id']}", user, json={"color": None})
    assert response.status_code == 200
    assert "color" not in response.json()


def test_update_another_users_tag_is_denied(api: Api, user: Caller, other: Caller) -> None:
    theirs = create(api, other, name="Private")
    response = api.request("PUT", f"/api/tags/{theirs['id']}", user, json={"color": "#000"})
    assert response.status_code == 400
    assert response.json()["message"] == "Not found or no tag.update access"


# --- upsert ---


def test_upsert_creates_the_whole_path_and_answers_the_leaves(api: Api, user: Caller) -> None:
    leaves = upsert(api, user, "a/b/c", "d")
    assert [t["value"] for t in leaves] == ["a/b/c", "d"]
    by_value = {t["value"]: t for t in all_tags(api, user)}
    assert set(by_value) == {"a", "a/b", "a/b/c", "d"}
    assert "parentId" not in by_value["a"]
    assert by_value["a/b"]["parentId"] == by_value["a"]["id"]
    assert by_value["a/b/c"]["parentId"] == by_value["a/b"]["id"]
    assert by_value["a/b/c"]["name"] == "c"


def test_upsert_reuses_existing_tags(api: Api, user: Caller) -> None:
    first = upsert(api, user, "a/b")
    again = upsert(api, user, "a/b", "a/b")
    assert [t["id"] for t in again] == [first[0]["id"]]
    assert len(all_tags(api, user)) == 2


def test_upsert_rejects_empty_values(api: Api, user: Caller) -> None:
    response = api.request("PUT", "/api/tags", user, json={"tags": ["ok", ""]})
    assert response.status_code == 400
    assert response.json()["message"] == ["each value in tags should not be empty"]


# --- tagging assets ---


def test_tag_assets_reports_each_id(api: Api, container: Container, user: Caller, other: Caller) -> None:
    created = create(api, user, name="Pets")
    mine, theirs = add_asset(container, user), add_asset(container, other)
    tag(api, user, created["id"], mine)
    assert tag(api, user, created["id"], mine, theirs) == [
        {"id": str(mine), "success": False, "error": "duplicate"},
        {"id": str(theirs), "success": False, "error": "no_permission"},
    ]


def test_tags_appear_on_the_asset(api: Api, container: Container, user: Caller) -> None:
    asset_id = add_asset(container, user)
    (leaf,) = upsert(api, user, "Travel/Paris")
    assert tag(api, user, leaf["id"], asset_id) == [{"id": str(asset_id), "success": True}]
    response = api.request("GET", f"/api/assets/{asset_id}", user)
    assert response.json()["tags"] == [leaf]


def test_an_untagged_asset_has_an_empty_tag_list(api: Api, container: Container, user: Caller) -> None:
    assert asset_tags(api, user, add_asset(container, user)) == []


def test_tagging_another_users_tag_is_denied(api: Api, container: Container, user: Caller, other: Caller) -> None:
    theirs = create(api, other, name="Private")
    body = {"ids": [str(add_asset(container, user))]}
    response = api.request("PUT", f"/api/tags/{theirs['id']}/assets", user, json=body)
    assert response.status_code == 400
    assert response.json()["message"] == "Not found or no tag.asset access"


def test_untag_assets_reports_each_id(api: Api, container: Container, user: Caller) -> None:
    created = create(api, user, name="Pets")
    tagged, untagged = add_asset(container, user), add_asset(container, user)
    tag(api, user, created["id"], tagged)
    body = {"ids": [str(tagged), str(untagged)]}
    response = api.request("DELETE", f"/api/tags/{created['id']}/assets", user, json=body)
    assert response.status_code == 200
    assert response.json() == [
        {"id": str(tagged), "success": True},
        {"id": str(untagged), "success": False, "error": "not_found"},
    ]
    assert asset_tags(api, user, tagged) == []


def test_bulk_tagging_counts_new_links_and_skips_what_is_not_allowed(
    api: Api, container: Container, user: Caller, other: Caller
) -> None:
    a, b = upsert(api, user, "a", "b")
    theirs_tag = create(api, other, name="c")
    first, second, theirs = add_asset(container, user), add_asset(container, user), add_asset(container, other)
    body = {"tagIds": [a["id"], b["id"], theirs_tag["id"]], "assetIds": [str(first), str(second), str(theirs)]}
    response = api.request("PUT", "/api/tags/assets", user, json=body)
    assert response.status_code == 200
    assert response.json() == {"count": 4}
    assert asset_tags(api, user, first) == ["a", "b"]
    again = api.request("PUT", "/api/tags/assets", user, json=body)
    assert again.json() == {"count": 0}


def test_a_partners_asset_cannot_be_bulk_tagged(api: Api, container: Container, user: Caller, other: Caller) -> None:
    make_partner(api, other, user, in_timeline=True)
    (mine,) = upsert(api, user, "mine")
    body = {"tagIds": [mine["id"]], "assetIds": [str(add_asset(container, other))]}
    assert api.request("PUT", "/api/tags/assets", user, json=body).json() == {"count": 0}


def test_a_partners_asset_may_be_tagged_by_tag_id(api: Api, container: Container, user: Caller, other: Caller) -> None:
    # Upstream checks `asset.share` here (its shared addAssets helper), unlike the bulk route's `asset.update`.
    make_partner(api, other, user, in_timeline=False)
    (mine,) = upsert(api, user, "mine")
    theirs = add_asset(container, other)
    assert tag(api, user, mine["id"], theirs) == [{"id": str(theirs), "success": True}]


def test_tagging_queues_a_sidecar_write_of_the_tags(api: Api, container: Container, user: Caller) -> None:
    created = create(api, user, name="Pets")
    asset_id = add_asset(container, user)
    tag(api, user, created["id"], asset_id)
    api.request("DELETE", f"/api/tags/{created['id']}/assets", user, json={"ids": [str(asset_id)]})
    assert sidecar_jobs(container) == [{"id": str(asset_id), "tags": True}] * 2


def test_sidecar_write_puts_the_tag_values_in_tags_list(
    api: Api, container: Container, user: Caller, tmp_path: Path
) -> None:
    asset_id = add_asset(container, user, original_path=str(tmp_path / "a.jpg"))
    leaf, other_leaf = upsert(api, user, "Travel/Paris", "Pets")
    tag(api, user, leaf["id"], asset_id)
    tag(api, user, other_leaf["id"], asset_id)
    writer = FakeSidecarWriter()
    with container.unit_of_work() as uow:
        tools = MediaToolkit(images=cast(Any, None), video=cast(Any, None), metadata=cast(Any, None), sidecars=writer)
        ctx = dataclasses.replace(container.context(uow), media=tools)
        MetadataService(ctx).write_sidecar({"id": str(asset_id), "tags": True})
    ((path, written),) = writer.writes
    assert path == tmp_path / "a.jpg.xmp"
    assert written.exiftool_tags()["TagsList"] == ["Pets", "Travel/Paris"]


# --- delete ---


def test_delete_removes_the_tag_its_descendants_and_their_asset_links(
    api: Api, container: Container, user: Caller
) -> None:
    upsert(api, user, "a/b/c", "keep")
    by_value = {t["value"]: t["id"] for t in all_tags(api, user)}
    asset_id = add_asset(container, user)
    tag(api, user, by_value["a/b/c"], asset_id)
    tag(api, user, by_value["keep"], asset_id)
    response = api.request("DELETE", f"/api/tags/{by_value['a/b']}", user)
    assert response.status_code == 204
    assert [t["value"] for t in all_tags(api, user)] == ["a", "keep"]
    assert asset_tags(api, user, asset_id) == ["keep"]
    gone = api.request("GET", f"/api/tags/{by_value['a/b/c']}", user)
    assert gone.json()["message"] == "Not found or no tag.read access"


def test_delete_another_users_tag_is_denied(api: Api, user: Caller, other: Caller) -> None:
    theirs = create(api, other, name="Private")
    response = api.request("DELETE", f"/api/tags/{theirs['id']}", user)
    assert response.status_code == 400
    assert response.json()["message"] == "Not found or no tag.delete access"
    assert len(all_tags(api, other)) == 1


# --- timeline ---


def test_timeline_tag_filter_follows_the_hierarchy(api: Api, container: Container, user: Caller) -> None:
    parent, child = (t["id"] for t in upsert(api, user, "Travel", "Travel/Paris"))
    in_parent, in_child, untagged = add_asset(container, user), add_asset(container, user), add_asset(container, user)
    tag(api, user, parent, in_parent)
    tag(api, user, child, in_child)
    assert ids(api, user, tagId=parent) == {str(in_parent), str(in_child)}
    assert ids(api, user, tagId=child) == {str(in_child)}
    assert str(untagged) in ids(api, user)


def test_a_new_uuid_is_not_a_tag(api: Api, user: Caller) -> None:
    response = api.request("GET", f"/api/tags/{uuid.uuid4()}", user)
    assert response.status_code == 400
    assert response.json()["message"] == "Not found or no tag.read access"
