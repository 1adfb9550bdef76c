"""/shared-links: create, list, read, edit and delete links, and the assets of individual links."""

from __future__ import annotations

import base64
import uuid
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

import pytest
from sqlalchemy import insert, select

from photonest.container import Container
from photonest.db.tables import album, album_asset, album_user, shared_link, shared_link_asset
from photonest.repositories import Repositories
from tests.factories import Api, Caller, make_asset

NIL = "00000000-0000-4000-8000-000000000000"


@pytest.fixture
def owner(api: Api) -> Caller:
    return api.admin()


@pytest.fixture
def other(api: Api, owner: Caller) -> Caller:
    return api.user(owner)


def make_album(
    container: Container,
    owner: Caller,
    assets: Iterable[Any] = (),
    members: Iterable[tuple[Caller, str]] = (),
    **values: Any,
) -> UUID:
    """An album row with its assets and members, written straight to the database."""
    album_id = uuid.uuid4()
    with container.unit_of_work() as uow:
        connection = Repositories(uow).uow.connection
        row = {"id": album_id, "owner_id": UUID(owner.id), "album_name": "Holidays", "description": "", **values}
        connection.execute(insert(album).values(**row))
        for item in assets:
            connection.execute(insert(album_asset).values(album_id=album_id, asset_id=item.id))
        for member, role in members:
            connection.execute(insert(album_user).values(album_id=album_id, user_id=UUID(member.id), role=role))
    return album_id


def create_link(api: Api, caller: Caller, **body: Any) -> Any:
    response = api.request("POST", "/api/shared-links", caller, json=body)
    assert response.status_code == 201, response.text
    return response.json()


def individual(api: Api, caller: Caller, *assets: Any, **body: Any) -> Any:
    return create_link(api, caller, type="INDIVIDUAL", assetIds=[str(a.id) for a in assets], **body)


def stored_key(container: Container, link_id: str) -> bytes:
    query = select(shared_link.c.key).where(shared_link.c.id == UUID(link_id))
    with container.unit_of_work() as uow:
        return bytes(uow.connection.execute(query).scalar_one())


def link_asset_ids(container: Container, link_id: str) -> set[str]:
    query = select(shared_link_asset.c.asset_id).where(shared_link_asset.c.shared_link_id == UUID(link_id))
    with container.unit_of_work() as uow:
        return {str(i) for i in uow.connection.execute(query).scalars()}


# --- creating ---


def test_create_an_individual_link(api: Api, container: Container, owner: Caller) -> None:
    photo = make_asset(container, owner)
    response = api.request(
        "POST", "/api/shared-links", owner, json={"type": "INDIVIDUAL", "assetIds": [str(photo.id)], "password": "pw"}
    )
    assert response.status_code == 201
    body = response.json()
    assert set(body) == {
        "id", "description", "password", "userId", "key", "type", "createdAt", "expiresAt", "assets",
        "allowUpload", "allowDownload", "showMetadata",
    }  # fmt: skip
    assert body["type"] == "INDIVIDUAL"
    assert body["userId"] == owner.id
    assert body["description"] is None
    assert body["password"] == "pw"
    assert body["expiresAt"] is None
    assert (body["allowUpload"], body["allowDownload"], body["showMetadata"]) == (False, True, True)
    assert [a["id"] for a in body["assets"]] == [str(photo.id)]
    assert body["assets"][0]["exifInfo"] is not None
    assert "owner" not in body["assets"][0]


def test_the_key_is_50_random_bytes_sent_as_base64url(api: Api, container: Container, owner: Caller) -> None:
    first = individual(api, owner, make_asset(container, owner))
    second = individual(api, owner, make_asset(container, owner))
    assert len(first["key"]) == 67
    assert "=" not in first["key"] and "+" not in first["key"] and "/" not in first["key"]
    assert base64.urlsafe_b64decode(first["key"] + "=") == stored_key(container, first["id"])
    assert len(stored_key(container, first["id"])) == 50
    assert first["key"] != second["key"]


def test_create_an_album_link_shows_the_album_and_its_assets(api: Api, container: Container, owner: Caller) -> None:
    early = make_asset(container, owner, when=datetime(2024, 1, 1, tzinfo=UTC))
    late = make_asset(container, owner, when=datetime(2024, 3, 1, tzinfo=UTC))
    album_id = make_album(container, owner, [late, early], is_activity_enabled=False)
    body = create_link(api, owner, type="ALBUM", albumId=str(album_id), description="Trip")
    assert body["description"] == "Trip"
    assert [a["id"] for a in body["assets"]] == [str(early.id), str(late.id)]
    shown = body["album"]
    assert shown["id"] == str(album_id)
    assert shown["albumName"] == "Holidays"
    assert shown["owner"]["id"] == owner.id
    assert shown["assets"] == [] and shown["assetCount"] == 2 and shown["albumUsers"] == []
    assert (shown["startDate"], shown["endDate"]) == ("2024-01-01T00:00:00.000Z", "2024-03-01T00:00:00.000Z")
    assert shown["isActivityEnabled"] is False


def test_hiding_metadata_also_refuses_downloads(api: Api, container: Container, owner: Caller) -> None:
    body = individual(api, owner, make_asset(container, owner), showMetadata=False, allowDownload=True)
    assert (body["showMetadata"], body["allowDownload"]) == (False, False)


def test_create_with_expiry_and_upload(api: Api, container: Container, owner: Caller) -> None:
    body = individual(api, owner, make_asset(container, owner), expiresAt="2030-01-02T03:04:05.678Z", allowUpload=True)
    assert body["expiresAt"] == "2030-01-02T03:04:05.678Z"
    assert body["allowUpload"] is True


def test_an_album_link_needs_an_album_id(api: Api, owner: Caller) -> None:
    response = api.request("POST", "/api/shared-links", owner, json={"type": "ALBUM"})
    assert response.status_code == 400
    assert response.json()["message"] == "Invalid albumId"


@pytest.mark.parametrize("body", [{"type": "INDIVIDUAL"}, {"type": "INDIVIDUAL", "assetIds": []}])
def test_an_individual_link_needs_asset_ids(api: Api, owner: Caller, body: dict[str, Any]) -> None:
    response = api.request("POST", "/api/shared-links", owner, json=body)
    assert response.status_code == 400
    assert response.json()["message"] == "Invalid assetIds"


def test_create_validates_the_body(api: Api, owner: Caller) -> None:
    response = api.request("POST", "/api/shared-links", owner, json={"type": "PUBLIC", "description": None})
    assert response.status_code == 400
    assert response.json()["message"] == [
        "description must be a string",
        "type must be one of the following values: ALBUM, INDIVIDUAL",
    ]


def test_sharing_another_users_album_is_refused(api: Api, container: Container, owner: Caller, other: Caller) -> None:
    album_id = make_album(container, owner, members=[(other, "editor")])
    response = api.request("POST", "/api/shared-links", other, json={"type": "ALBUM", "albumId": str(album_id)})
    assert response.status_code == 400
    assert response.json()["message"] == "Not found or no album.share access"


def test_sharing_another_users_asset_is_refused(api: Api, container: Container, owner: Caller, other: Caller) -> None:
    mine, theirs = make_asset(container, other), make_asset(container, owner)
    body = {"type": "INDIVIDUAL", "assetIds": [str(mine.id), str(theirs.id)]}
    response = api.request("POST", "/api/shared-links", other, json=body)
    assert response.status_code == 400
    assert response.json()["message"] == "Not found or no asset.share access"


def test_an_album_link_takes_no_asset_ids(api: Api, container: Container, owner: Caller, other: Caller) -> None:
    # Upstream stored them unchecked, which shared assets the creator may not share.
    theirs = make_asset(container, owner)
    album_id = make_album(container, other)
    body = create_link(api, other, type="ALBUM", albumId=str(album_id), assetIds=[str(theirs.id)])
    assert body["assets"] == []
    assert link_asset_ids(container, body["id"]) == set()


# --- listing and reading ---


def test_list_shows_own_links_newest_first(api: Api, container: Container, owner: Caller, other: Caller) -> None:
    first = individual(api, owner, make_asset(container, owner))
    album_id = make_album(container, owner)
    second = create_link(api, owner, type="ALBUM", albumId=str(album_id))
    individual(api, other, make_asset(container, other))
    response = api.request("GET", "/api/shared-links", owner)
    assert response.status_code == 200
    body = response.json()
    assert [link["id"] for link in body] == [second["id"], first["id"]]
    assert body[0]["album"]["id"] == str(album_id)
    assert body[1]["password"] is None


def test_list_filters_by_album(api: Api, container: Container, owner: Caller) -> None:
    individual(api, owner, make_asset(container, owner))
    album_id = make_album(container, owner)
    wanted = create_link(api, owner, type="ALBUM", albumId=str(album_id))
    create_link(api, owner, type="ALBUM", albumId=str(make_album(container, owner)))
    response = api.request("GET", "/api/shared-links", owner, params={"albumId": str(album_id)})
    assert [link["id"] for link in response.json()] == [wanted["id"]]


def test_links_of_a_deleted_album_disappear(api: Api, container: Container, owner: Caller) -> None:
    album_id = make_album(container, owner)
    link = create_link(api, owner, type="ALBUM", albumId=str(album_id))
    with container.unit_of_work() as uow:
        uow.connection.execute(album.update().where(album.c.id == album_id).values(deleted_at=datetime.now(UTC)))
    assert api.request("GET", "/api/shared-links", owner).json() == []
    response = api.request("GET", f"/api/shared-links/{link['id']}", owner)
    assert (response.status_code, response.json()["message"]) == (400, "Shared link not found")


def test_get_a_link(api: Api, container: Container, owner: Caller) -> None:
    link = individual(api, owner, make_asset(container, owner), password="pw")
    response = api.request("GET", f"/api/shared-links/{link['id']}", owner)
    assert response.status_code == 200
    assert response.json() == link


@pytest.mark.parametrize(("method", "body"), [("GET", None), ("PATCH", {"description": "x"}), ("DELETE", None)])
def test_another_users_link_is_not_found(
    api: Api, container: Container, owner: Caller, other: Caller, method: str, body: Any
) -> None:
    link = individual(api, owner, make_asset(container, owner))
    response = api.request(method, f"/api/shared-links/{link['id']}", other, json=body)
    assert response.status_code == 400
    assert response.json()["message"] == "Shared link not found"


def test_my_link_needs_a_shared_link_key(api: Api, owner: Caller) -> None:
    response = api.request("GET", "/api/shared-links/me", owner)
    assert response.status_code == 403
    assert response.json()["message"] == "Forbidden"


def test_api_key_needs_the_shared_link_permission(api: Api, owner: Caller) -> None:
    key = api.api_key(owner, ["asset.read"])
    response = api.request("GET", "/api/shared-links", key)
    assert response.status_code == 403
    assert response.json()["message"] == "Missing required permission: sharedLink.read"
    allowed = api.api_key(owner, ["sharedLink.read"])
    assert api.request("GET", "/api/shared-links", allowed).status_code == 200


# --- editing and deleting ---


def test_edit_changes_only_what_is_sent(api: Api, container: Container, owner: Caller) -> None:
    link = individual(api, owner, make_asset(container, owner), description="Old", expiresAt="2030-01-01T00:00:00Z")
    changes = {"description": "New", "password": "pw", "allowUpload": True, "allowDownload": False}
    response = api.request("PATCH", f"/api/shared-links/{link['id']}", owner, json=changes)
    assert response.status_code == 200
    body = response.json()
    assert (body["description"], body["password"], body["allowUpload"], body["allowDownload"]) == (
        "New", "pw", True, False,
    )  # fmt: skip
    assert body["expiresAt"] == "2030-01-01T00:00:00.000Z"
    assert body["showMetadata"] is True
    assert body["key"] == link["key"]


def test_edit_sets_and_clears_the_expiry(api: Api, container: Container, owner: Caller) -> None:
    link = individual(api, owner, make_asset(container, owner))
    path = f"/api/shared-links/{link['id']}"
    body = api.request("PATCH", path, owner, json={"expiresAt": "2031-05-06T07:08:09.000Z"}).json()
    assert body["expiresAt"] == "2031-05-06T07:08:09.000Z"
    assert api.request("PATCH", path, owner, json={"description": "x"}).json()["expiresAt"] == body["expiresAt"]
    # Clients that cannot send null say `changeExpiryTime` without a date.
    assert api.request("PATCH", path, owner, json={"changeExpiryTime": True}).json()["expiresAt"] is None
    api.request("PATCH", path, owner, json={"expiresAt": "2031-05-06T07:08:09.000Z"})
    assert api.request("PATCH", path, owner, json={"expiresAt": None}).json()["expiresAt"] is None


def test_edit_hides_metadata(api: Api, container: Container, owner: Caller) -> None:
    link = individual(api, owner, make_asset(container, owner))
    body = api.request("PATCH", f"/api/shared-links/{link['id']}", owner, json={"showMetadata": False}).json()
    assert body["showMetadata"] is False
    # The owner still sees everything.
    assert "originalFileName" in body["assets"][0]


def test_delete_a_link(api: Api, container: Container, owner: Caller) -> None:
    link = individual(api, owner, make_asset(container, owner))
    response = api.request("DELETE", f"/api/shared-links/{link['id']}", owner)
    assert response.status_code == 200
    assert response.content == b""
    response = api.request("GET", f"/api/shared-links/{link['id']}", owner)
    assert (response.status_code, response.json()["message"]) == (400, "Shared link not found")
    response = api.request("GET", "/api/shared-links/me", params={"key": link["key"]})
    assert (response.status_code, response.json()["message"]) == (401, "Invalid share key")


# --- the assets of individual links ---


def test_add_assets_reports_each_id(api: Api, container: Container, owner: Caller, other: Caller) -> None:
    first, second = make_asset(container, owner), make_asset(container, owner)
    foreign = make_asset(container, other)
    link = individual(api, owner, first)
    ids = [str(first.id), str(second.id), str(foreign.id), NIL]
    response = api.request("PUT", f"/api/shared-links/{link['id']}/assets", owner, json={"assetIds": ids})
    assert response.status_code == 200
    assert response.json() == [
        {"assetId": str(first.id), "success": False, "error": "duplicate"},
        {"assetId": str(second.id), "success": True},
        {"assetId": str(foreign.id), "success": False, "error": "no_permission"},
        {"assetId": NIL, "success": False, "error": "no_permission"},
    ]
    assert link_asset_ids(container, link["id"]) == {str(first.id), str(second.id)}


def test_remove_assets_reports_each_id(api: Api, container: Container, owner: Caller) -> None:
    first, second = make_asset(container, owner), make_asset(container, owner)
    link = individual(api, owner, first, second)
    ids = [str(first.id), NIL]
    response = api.request("DELETE", f"/api/shared-links/{link['id']}/assets", owner, json={"assetIds": ids})
    assert response.status_code == 200
    assert response.json() == [
        {"assetId": str(first.id), "success": True},
        {"assetId": NIL, "success": False, "error": "not_found"},
    ]
    assert link_asset_ids(container, link["id"]) == {str(second.id)}


@pytest.mark.parametrize("method", ["PUT", "DELETE"])
def test_an_album_link_has_no_assets_of_its_own(api: Api, container: Container, owner: Caller, method: str) -> None:
    link = create_link(api, owner, type="ALBUM", albumId=str(make_album(container, owner)))
    body = {"assetIds": [str(make_asset(container, owner).id)]}
    response = api.request(method, f"/api/shared-links/{link['id']}/assets", owner, json=body)
    assert response.status_code == 400
    assert response.json()["message"] == "Invalid shared link type"


@pytest.mark.parametrize("method", ["PUT", "DELETE"])
def test_another_users_link_assets_are_not_found(
    api: Api, container: Container, owner: Caller, other: Caller, method: str
) -> None:
    link = individual(api, owner, make_asset(container, owner))
    body = {"assetIds": [str(make_asset(container, other).id)]}
    response = api.request(method, f"/api/shared-links/{link['id']}/assets", other, json=body)
    assert response.status_code == 400
    assert response.json()["message"] == "Shared link not found"


def test_a_link_holder_cannot_add_the_owners_other_assets(api: Api, container: Container, owner: Caller) -> None:
    shared, private = make_asset(container, owner), make_asset(container, owner)
    link = individual(api, owner, shared, allowUpload=True)
    body = {"assetIds": [str(private.id)]}
    response = api.request("PUT", f"/api/shared-links/{link['id']}/assets", params={"key": link["key"]}, json=body)
    assert response.status_code == 200
    assert response.json() == [{"assetId": str(private.id), "success": False, "error": "no_permission"}]
    assert link_asset_ids(container, link["id"]) == {str(shared.id)}


def test_a_link_holder_cannot_remove_assets(api: Api, container: Container, owner: Caller) -> None:
    shared = make_asset(container, owner)
    link = individual(api, owner, shared)
    body = {"assetIds": [str(shared.id)]}
    response = api.request("DELETE", f"/api/shared-links/{link['id']}/assets", params={"key": link["key"]}, json=body)
    assert response.json() == [{"assetId": str(shared.id), "success": False, "error": "no_permission"}]
    assert link_asset_ids(container, link["id"]) == {str(shared.id)}


def test_a_link_holder_reaches_only_its_own_link(api: Api, container: Container, owner: Caller) -> None:
    held = individual(api, owner, make_asset(container, owner))
    target = individual(api, owner, make_asset(container, owner))
    body = {"assetIds": [str(make_asset(container, owner).id)]}
    path = f"/api/shared-links/{target['id']}/assets"
    response = api.request("PUT", path, params={"key": held["key"]}, json=body)
    assert (response.status_code, response.json()["message"]) == (400, "Shared link not found")


def test_trashed_assets_are_left_out(api: Api, container: Container, owner: Caller) -> None:
    kept, trashed = make_asset(container, owner), make_asset(container, owner)
    link = individual(api, owner, kept, trashed)
    with container.unit_of_work() as uow:
        Repositories(uow).assets.update(trashed.id, {"deleted_at": datetime.now(UTC) - timedelta(hours=1)})
    body = api.request("GET", f"/api/shared-links/{link['id']}", owner).json()
    assert [a["id"] for a in body["assets"]] == [str(kept.id)]
