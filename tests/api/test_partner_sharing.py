"""Partner sharing in practice: the shared assets in the receiver's timeline, readable but never writable."""

from __future__ import annotations

from pathlib import Path
from uuid import UUID

import pytest

from photonest.container import Container
from photonest.repositories import Repositories
from tests.api.test_timeline import add_asset, make_partner
from tests.factories import Api, Caller

JPEG = b"\xff\xd8\xff\xe0 partner photo"
WEBP = b"RIFF thumbnail"


@pytest.fixture
def admin(api: Api) -> Caller:
    return api.admin()


@pytest.fixture
def sharer(api: Api, admin: Caller) -> Caller:
    return api.user(admin)


@pytest.fixture
def receiver(api: Api, admin: Caller) -> Caller:
    return api.user(admin)


@pytest.fixture
def shared(container: Container, sharer: Caller, tmp_path: Path) -> UUID:
    """One of the sharer's photos, with its original and thumbnail on disk."""
    original, thumbnail = tmp_path / "photo.jpg", tmp_path / "photo-thumbnail.webp"
    original.write_bytes(JPEG)
    thumbnail.write_bytes(WEBP)
    asset_id = add_asset(container, sharer, original_path=str(original), original_file_name="photo.jpg")
    with container.unit_of_work() as uow:
        Repositories(uow).assets.upsert_file(asset_id, "thumbnail", str(thumbnail))
    return asset_id


def timeline_counts(api: Api, caller: Caller) -> list[int]:
    params = {"withPartners": "true", "visibility": "timeline"}
    response = api.request("GET", "/api/timeline/buckets", caller, params=params)
    assert response.status_code == 200, response.text
    return [b["count"] for b in response.json()]


def test_partner_assets_join_the_timeline_only_with_in_timeline(
    api: Api, container: Container, sharer: Caller, receiver: Caller, shared: UUID
) -> None:
    add_asset(container, receiver)
    make_partner(api, sharer, receiver, in_timeline=False)
    assert timeline_counts(api, receiver) == [1]
    api.request("PUT", f"/api/partners/{sharer.id}", receiver, json={"inTimeline": True})
    assert timeline_counts(api, receiver) == [2]


def test_the_sharing_side_does_not_see_the_receivers_assets(
    api: Api, container: Container, sharer: Caller, receiver: Caller, shared: UUID
) -> None:
    add_asset(container, receiver)
    make_partner(api, sharer, receiver, in_timeline=True)
    assert timeline_counts(api, sharer) == [1]


def test_a_partners_asset_is_readable(api: Api, sharer: Caller, receiver: Caller, shared: UUID) -> None:
    make_partner(api, sharer, receiver, in_timeline=False)
    response = api.request("GET", f"/api/assets/{shared}", receiver)
    assert response.status_code == 200
    assert response.json()["ownerId"] == sharer.id


def test_a_partners_thumbnail_and_original_are_served(api: Api, sharer: Caller, receiver: Caller, shared: UUID) -> None:
    make_partner(api, sharer, receiver, in_timeline=False)
    thumbnail = api.request("GET", f"/api/assets/{shared}/thumbnail", receiver)
    original = api.request("GET", f"/api/assets/{shared}/original", receiver)
    assert (thumbnail.status_code, thumbnail.content) == (200, WEBP)
    assert (original.status_code, original.content) == (200, JPEG)


def test_a_partners_asset_cannot_be_updated(api: Api, sharer: Caller, receiver: Caller, shared: UUID) -> None:
    make_partner(api, sharer, receiver, in_timeline=True)
    response = api.request("PUT", f"/api/assets/{shared}", receiver, json={"isFavorite": True})
    assert response.status_code == 400
    assert response.json()["message"] == "Not found or no asset.update access"


def test_a_partners_asset_cannot_be_deleted(api: Api, sharer: Caller, receiver: Caller, shared: UUID) -> None:
    make_partner(api, sharer, receiver, in_timeline=True)
    response = api.request("DELETE", "/api/assets", receiver, json={"ids": [str(shared)]})
    assert response.status_code == 400
    assert response.json()["message"] == "Not found or no asset.delete access"
    assert api.request("GET", f"/api/assets/{shared}", sharer).json()["isTrashed"] is False


@pytest.mark.parametrize(
    ("path", "permission"),
    [("", "asset.read"), ("/thumbnail", "asset.view"), ("/original", "asset.download")],
)
def test_a_partners_asset_is_unreadable_once_the_partnership_ends(
    api: Api, sharer: Caller, receiver: Caller, shared: UUID, path: str, permission: str
) -> None:
    make_partner(api, sharer, receiver, in_timeline=True)
    assert api.request("GET", f"/api/assets/{shared}{path}", receiver).status_code == 200
    assert api.request("DELETE", f"/api/partners/{receiver.id}", sharer).status_code == 200
    response = api.request("GET", f"/api/assets/{shared}{path}", receiver)
    assert response.status_code == 400
    assert response.json()["message"] == f"Not found or no {permission} access"


def test_the_timeline_drops_a_removed_partners_assets(
    api: Api, container: Container, sharer: Caller, receiver: Caller, shared: UUID
) -> None:
    add_asset(container, receiver)
    make_partner(api, sharer, receiver, in_timeline=True)
    api.request("DELETE", f"/api/partners/{receiver.id}", sharer)
    assert timeline_counts(api, receiver) == [1]


def test_a_non_partners_asset_is_not_readable(api: Api, receiver: Caller, shared: UUID) -> None:
    response = api.request("GET", f"/api/assets/{shared}", receiver)
    assert response.status_code == 400
    assert response.json()["message"] == "Not found or no asset.read access"
