"""Who may do what with a shared album and its assets: every role against every album and asset operation.

Roles: the owner, an album editor, an album viewer, a partner of the owner, an unrelated user, holders of an album
link (plain, password-protected without the unlock cookie, expired) and an owner's API key with only `asset.read`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

import pytest
from sqlalchemy import update

from photonest.container import Container
from photonest.db.tables import shared_link
from tests.factories import Api, Caller, make_asset

ALLOWED = "allowed"
FORBIDDEN = (403, "Forbidden")
INVALID_PASSWORD = (401, "Invalid password")
INVALID_KEY = (401, "Invalid share key")


def no_access(permission: str) -> tuple[int, str]:
    return 400, f"Not found or no {permission} access"


def missing(permission: str) -> tuple[int, str]:
    return 403, f"Missing required permission: {permission}"


@dataclass(frozen=True)
class World:
    """An owner's album with one asset, shared with an editor and a viewer, plus links and other callers."""

    album_id: str
    asset_id: str
    other_asset_id: str
    outsider_id: str
    callers: dict[str, dict[str, str]]
    params: dict[str, dict[str, str]]


def _create_link(api: Api, owner: Caller, album_id: str, **extra: Any) -> str:
    body = {"type": "ALBUM", "albumId": album_id, **extra}
    response = api.request("POST", "/api/shared-links", owner, json=body)
    assert response.status_code == 201, response.text
    return str(response.json()["key"])


def _expire(container: Container, key_id: str) -> None:
    with container.unit_of_work() as uow:
        past = datetime.now(UTC) - timedelta(days=1)
        uow.connection.execute(update(shared_link).where(shared_link.c.id == UUID(key_id)).values(expires_at=past))


@pytest.fixture
def world(api: Api, container: Container) -> World:
    owner = api.admin()
    editor, viewer, partner, outsider = (api.user(owner) for _ in range(4))
    asset = make_asset(container, owner)
    other = make_asset(container, owner)
    albums = [{"userId": editor.id, "role": "editor"}, {"userId": viewer.id, "role": "viewer"}]
    body = {"albumName": "Family", "assetIds": [str(asset.id)], "albumUsers": albums}
    response = api.request("POST", "/api/albums", owner, json=body)
    assert response.status_code == 201, response.text
    album_id = response.json()["id"]
    assert api.request("POST", f"/api/partners/{partner.id}", owner).status_code == 201
    plain = _create_link(api, owner, album_id)
    protected = _create_link(api, owner, album_id, password="secret")
    expired = api.request("POST", "/api/shared-links", owner, json={"type": "ALBUM", "albumId": album_id}).json()
    _expire(container, expired["id"])
    key = api.api_key(owner, ["asset.read"])
    return World(
        album_id=album_id,
        asset_id=str(asset.id),
        other_asset_id=str(other.id),
        outsider_id=outsider.id,
        callers={
            "owner": owner.headers,
            "editor": editor.headers,
            "viewer": viewer.headers,
            "partner": partner.headers,
            "outsider": outsider.headers,
            "link": {},
            "link with password": {},
            "expired link": {},
            "key with asset.read": key,
        },
        params={
            "link": {"key": plain},
            "link with password": {"key": protected},
            "expired link": {"key": expired["key"]},
        },
    )


# operation -> (method, path, body); {album}, {asset}, {other} and {outsider} are filled from the world.
OPERATIONS: dict[str, tuple[str, str, Any]] = {
    "read asset": ("GET", "/api/assets/{asset}", None),
    "read another asset": ("GET", "/api/assets/{other}", None),
    "update asset": ("PUT", "/api/assets/{asset}", {"isFavorite": True}),
    "read album": ("GET", "/api/albums/{album}", None),
    "add assets": ("PUT", "/api/albums/{album}/assets", {"ids": ["{asset}"]}),
    "remove assets": ("DELETE", "/api/albums/{album}/assets", {"ids": ["{asset}"]}),
    "update album": ("PATCH", "/api/albums/{album}", {"albumName": "Renamed"}),
    "share album": ("PUT", "/api/albums/{album}/users", {"albumUsers": [{"userId": "{outsider}", "role": "viewer"}]}),
    "comment": ("POST", "/api/activities", {"albumId": "{album}", "type": "comment", "comment": "Nice"}),
    "download album": ("POST", "/api/download/info", {"albumId": "{album}"}),
    "album timeline": ("GET", "/api/timeline/buckets", None),
    "delete album": ("DELETE", "/api/albums/{album}", None),
}

A = ALLOWED
EXPECTED: dict[str, dict[str, Any]] = {
    "owner": dict.fromkeys(OPERATIONS, A),
    "editor": {
        "read asset": A,
        "read another asset": no_access("asset.read"),
        "update asset": no_access("asset.update"),
        "read album": A,
        "add assets": A,
        "remove assets": A,
        "update album": no_access("album.update"),
        "share album": no_access("album.share"),
        "comment": A,
        "download album": A,
        "album timeline": A,
        "delete album": no_access("album.delete"),
    },
    "viewer": {
        "read asset": A,
        "read another asset": no_access("asset.read"),
        "update asset": no_access("asset.update"),
        "read album": A,
        "add assets": no_access("album.addAsset"),
        "remove assets": no_access("album.removeAsset"),
        "update album": no_access("album.update"),
        "share album": no_access("album.share"),
        "comment": A,
        "download album": A,
        "album timeline": A,
        "delete album": no_access("album.delete"),
    },
    "partner": {
        "read asset": A,
        "read another asset": A,
        "update asset": no_access("asset.update"),
        "read album": no_access("album.read"),
        "add assets": no_access("album.addAsset"),
        "remove assets": no_access("album.removeAsset"),
        "update album": no_access("album.update"),
        "share album": no_access("album.share"),
        "comment": no_access("activity.create"),
        "download album": no_access("album.download"),
        "album timeline": no_access("album.read"),
        "delete album": no_access("album.delete"),
    },
    "outsider": {
        "read asset": no_access("asset.read"),
        "read another asset": no_access("asset.read"),
        "update asset": no_access("asset.update"),
        "read album": no_access("album.read"),
        "add assets": no_access("album.addAsset"),
        "remove assets": no_access("album.removeAsset"),
        "update album": no_access("album.update"),
        "share album": no_access("album.share"),
        "comment": no_access("activity.create"),
        "download album": no_access("album.download"),
        "album timeline": no_access("album.read"),
        "delete album": no_access("album.delete"),
    },
    "link": {
        "read asset": A,
        "read another asset": no_access("asset.read"),
        "update asset": FORBIDDEN,
        "read album": A,
        # Links without allowUpload add nothing.
        "add assets": no_access("album.addAsset"),
        "remove assets": FORBIDDEN,
        "update album": FORBIDDEN,
        "share album": FORBIDDEN,
        "comment": FORBIDDEN,
        "download album": A,
        "album timeline": A,
        "delete album": FORBIDDEN,
    },
    "link with password": dict.fromkeys(OPERATIONS, INVALID_PASSWORD),
    "expired link": dict.fromkeys(OPERATIONS, INVALID_KEY),
    # Routes without a permission of their own in v1.134 rely on object access, which the owner's key has.
    "key with asset.read": {
        "read asset": A,
        "read another asset": A,
        "update asset": A,
        "read album": missing("album.read"),
        "add assets": A,
        "remove assets": A,
        "update album": missing("album.update"),
        "share album": A,
        "comment": missing("activity.create"),
        "download album": A,
        "album timeline": A,
        "delete album": missing("album.delete"),
    },
}

CASES = [(role, operation) for role, row in EXPECTED.items() for operation in row]


def _fill(value: Any, world: World) -> Any:
    if isinstance(value, str):
        names = {"album": world.album_id, "asset": world.asset_id, "other": world.other_asset_id}
        return value.format(**names, outsider=world.outsider_id)
    if isinstance(value, list):
        return [_fill(v, world) for v in value]
    if isinstance(value, dict):
        return {k: _fill(v, world) for k, v in value.items()}
    return value


def test_every_role_has_every_operation() -> None:
    assert all(set(row) == set(OPERATIONS) for row in EXPECTED.values())


@pytest.mark.parametrize(("role", "operation"), CASES, ids=[f"{r}: {o}" for r, o in CASES])
def test_role_and_operation(api: Api, world: World, role: str, operation: str) -> None:
    method, path, body = OPERATIONS[operation]
    params = dict(world.params.get(role, {}))
    if operation == "album timeline":
        params["albumId"] = world.album_id
    response = api.request(method, _fill(path, world), world.callers[role], params=params, json=_fill(body, world))
    expected = EXPECTED[role][operation]
    if expected == ALLOWED:
        assert response.status_code in (200, 201, 204), response.text
    else:
        status, message = expected
        assert (response.status_code, response.json()["message"]) == (status, message), response.text
