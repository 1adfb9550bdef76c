"""Albums seen from the rest of the server: the timeline's album filter, album downloads, deleting assets."""

from __future__ import annotations

from datetime import timedelta
from uuid import UUID

import pytest
from sqlalchemy import select

from photonest.container import Container
from photonest.db.tables import asset, stack
from photonest.services.asset import AssetJobService
from tests.api.test_album import add_link, create, share, thumbnail_of
from tests.api.test_timeline import JUNE, add_asset, add_stack
from tests.factories import Api, Caller


@pytest.fixture
def admin(api: Api) -> Caller:
    return api.admin()


@pytest.fixture
def user(api: Api, admin: Caller) -> Caller:
    return api.user(admin, name="Owner")


@pytest.fixture
def other(api: Api, admin: Caller) -> Caller:
    return api.user(admin, name="Other")


def delete_asset(container: Container, asset_id: UUID) -> None:
    """Run the permanent deletion job for the asset."""
    with container.unit_of_work() as uow:
        AssetJobService(container.context(uow)).delete(asset_id, delete_on_disk=False)


def stack_state(container: Container, stack_id: UUID) -> tuple[UUID | None, list[UUID]]:
    """The stack's primary asset (None when the stack is gone) and the assets still linked to it."""
    with container.unit_of_work() as uow:
        conn = uow.connection
        primary = conn.execute(select(stack.c.primary_asset_id).where(stack.c.id == stack_id)).scalar()
        members = list(conn.execute(select(asset.c.id).where(asset.c.stack_id == stack_id)).scalars())
        return primary, members


# --- timeline ---


def test_timeline_buckets_of_an_album_count_its_assets(
    api: Api, container: Container, user: Caller, other: Caller
) -> None:
    mine = add_asset(container, user, when=JUNE)
    theirs = add_asset(container, other, when=JUNE + timedelta(days=40))
    add_asset(container, user, when=JUNE)  # not in the album
    created = create(api, user)
    share(api, user, created["id"], other)
    api.request("PUT", f"/api/albums/{created['id']}/assets", user, json={"ids": [str(mine)]})
    api.request("PUT", f"/api/albums/{created['id']}/assets", other, json={"ids": [str(theirs)]})
    response = api.request("GET", "/api/timeline/buckets", user, params={"albumId": created["id"]})
    assert response.status_code == 200
    assert response.json() == [{"timeBucket": "2024-07-01", "count": 1}, {"timeBucket": "2024-06-01", "count": 1}]


def test_timeline_bucket_of_an_album_lists_its_assets(api: Api, container: Container, user: Caller) -> None:
    inside = add_asset(container, user, when=JUNE)
    add_asset(container, user, when=JUNE)
    created = create(api, user, assetIds=[str(inside)])
    params = {"albumId": created["id"], "timeBucket": "2024-06-01"}
    response = api.request("GET", "/api/timeline/bucket", user, params=params)
    assert response.status_code == 200
    assert response.json()["id"] == [str(inside)]


def test_timeline_of_an_album_through_its_shared_link(api: Api, container: Container, user: Caller) -> None:
    inside = add_asset(container, user, when=JUNE)
    add_asset(container, user, when=JUNE)
    created = create(api, user, assetIds=[str(inside)])
    key = add_link(container, user, created["id"])
    params = {"albumId": created["id"], "key": key}
    response = api.request("GET", "/api/timeline/buckets", params=params)
    assert response.status_code == 200, response.text
    assert response.json() == [{"timeBucket": "2024-06-01", "count": 1}]


def test_timeline_of_an_album_needs_read_access(api: Api, user: Caller, other: Caller) -> None:
    created = create(api, user)
    response = api.request("GET", "/api/timeline/buckets", other, params={"albumId": created["id"]})
    assert response.status_code == 400
    assert response.json()["message"] == "Not found or no album.read access"


# --- downloads ---


def test_download_info_of_an_album_holds_its_assets(api: Api, container: Container, user: Caller) -> None:
    first = add_asset(container, user, when=JUNE, exif={"file_size_in_byte": 100})
    second = add_asset(container, user, when=JUNE + timedelta(days=1), exif={"file_size_in_byte": 50})
    add_asset(container, user, exif={"file_size_in_byte": 7})  # not in the album
    created = create(api, user, assetIds=[str(second), str(first)])
    response = api.request("POST", "/api/download/info", user, json={"albumId": created["id"]})
    assert response.status_code == 201
    assert response.json() == {"archives": [{"assetIds": [str(first), str(second)], "size": 150}], "totalSize": 150}


def test_download_info_of_an_album_shared_with_the_caller(
    api: Api, container: Container, user: Caller, other: Caller
) -> None:
    item = add_asset(container, user, exif={"file_size_in_byte": 10})
    created = create(api, user, assetIds=[str(item)])
    denied = api.request("POST", "/api/download/info", other, json={"albumId": created["id"]})
    assert denied.status_code == 400
    assert denied.json()["message"] == "Not found or no album.download access"
    share(api, user, created["id"], other, role="viewer")
    response = api.request("POST", "/api/download/info", other, json={"albumId": created["id"]})
    assert response.json()["archives"] == [{"assetIds": [str(item)], "size": 10}]


# --- asset deletion ---


def test_deleting_the_thumbnail_asset_picks_another(api: Api, container: Container, user: Caller) -> None:
    older = add_asset(container, user, when=JUNE)
    newer = add_asset(container, user, when=JUNE + timedelta(days=1))
    created = create(api, user, assetIds=[str(newer), str(older)])
    assert thumbnail_of(container, created["id"]) == newer
    delete_asset(container, newer)
    assert thumbnail_of(container, created["id"]) == older


def test_deleting_the_last_asset_leaves_no_thumbnail(api: Api, container: Container, user: Caller) -> None:
    only = add_asset(container, user)
    created = create(api, user, assetIds=[str(only)])
    delete_asset(container, only)
    assert thumbnail_of(container, created["id"]) is None


def test_deleting_a_stack_primary_promotes_another_member(container: Container, user: Caller) -> None:
    primary = add_asset(container, user, when=JUNE)
    second = add_asset(container, user, when=JUNE + timedelta(days=1))
    third = add_asset(container, user, when=JUNE + timedelta(days=2))
    stack_id = add_stack(container, user, primary, second, third)
    delete_asset(container, primary)
    new_primary, members = stack_state(container, stack_id)
    assert new_primary == second
    assert sorted(members) == sorted([second, third])


def test_deleting_a_stack_primary_dissolves_a_pair(container: Container, user: Caller) -> None:
    primary = add_asset(container, user)
    second = add_asset(container, user)
    stack_id = add_stack(container, user, primary, second)
    delete_asset(container, primary)
    assert stack_state(container, stack_id) == (None, [])


def test_deleting_another_member_keeps_the_stack(container: Container, user: Caller) -> None:
    primary = add_asset(container, user)
    second = add_asset(container, user)
    third = add_asset(container, user)
    stack_id = add_stack(container, user, primary, second, third)
    delete_asset(container, third)
    kept_primary, members = stack_state(container, stack_id)
    assert kept_primary == primary and set(members) == {primary, second}
