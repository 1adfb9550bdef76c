"""Requests with a shared-link key: finding the link, expiry, passwords and their cookie, what a link reaches."""

from __future__ import annotations

import base64
import dataclasses
from datetime import UTC, datetime, timedelta
from http.cookies import SimpleCookie
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest
from sqlalchemy import update

from photonest.container import Container
from photonest.db.tables import shared_link, user
from photonest.repositories import Repositories
from photonest.services.shared_link import issue_token
from tests.api.test_asset_media import JPEG, add_file, upload
from tests.api.test_shared_link import create_link, individual, make_album
from tests.factories import Api, Caller, make_asset

COOKIE = "immich_shared_link_token"
# Upstream's SanitizedAssetResponseDto.
SANITIZED = {
    "id", "type", "originalMimeType", "thumbhash", "localDateTime", "duration", "livePhotoVideoId", "hasMetadata",
}  # fmt: skip


@pytest.fixture
def owner(api: Api) -> Caller:
    return api.admin()


def key_of(link: Any) -> dict[str, str]:
    return {"key": link["key"]}


def get(api: Api, path: str, link: Any, cookie: str | None = None, **kwargs: Any) -> Any:
    headers = {"cookie": f"{COOKIE}={cookie}"} if cookie is not None else {}
    return api.request("GET", path, params={**key_of(link), **kwargs.pop("params", {})}, headers=headers, **kwargs)


def set_link(container: Container, link: Any, **values: Any) -> None:
    with container.unit_of_work() as uow:
        uow.connection.execute(update(shared_link).where(shared_link.c.id == UUID(link["id"])).values(**values))


def unlock(api: Api, link: Any, password: str, cookie: str | None = None) -> Any:
    response = get(api, "/api/shared-links/me", link, cookie, params={"password": password})
    assert response.status_code == 200, response.text
    return response


def cookie_of(response: Any) -> SimpleCookie:
    jar: SimpleCookie = SimpleCookie()
    jar.load(response.headers["set-cookie"])
    return jar


def assert_error(response: Any, status: int, message: str) -> None:
    assert (response.status_code, response.json()["message"]) == (status, message), response.text


@pytest.fixture
def protected(api: Api, container: Container, media: Path, owner: Caller) -> dict[str, Any]:
    """A password-protected album link; its asset has a thumbnail."""
    photo = make_asset(container, owner)
    add_file(container, media, photo.id, "thumbnail", b"thumb", ".webp")
    album_id = make_album(container, owner, [photo])
    link = create_link(api, owner, type="ALBUM", albumId=str(album_id), password="secret")
    return {"link": link, "asset": str(photo.id), "album": str(album_id)}


def protected_paths(world: dict[str, Any]) -> list[str]:
    asset_id = world["asset"]
    return [
        "/api/shared-links/me",
        f"/api/assets/{asset_id}",
        f"/api/assets/{asset_id}/thumbnail",
        f"/api/albums/{world['album']}",
    ]


# --- finding the link ---


def test_the_key_works_in_the_query_and_in_the_header(api: Api, container: Container, owner: Caller) -> None:
    link = individual(api, owner, make_asset(container, owner))
    by_query = api.request("GET", "/api/shared-links/me", params=key_of(link))
    by_header = api.request("GET", "/api/shared-links/me", headers={"x-immich-share-key": link["key"]})
    assert by_query.status_code == by_header.status_code == 200
    assert by_query.json()["id"] == by_header.json()["id"] == link["id"]


def test_the_key_may_be_sent_as_hex(api: Api, container: Container, owner: Caller) -> None:
    link = individual(api, owner, make_asset(container, owner))
    as_hex = base64.urlsafe_b64decode(link["key"] + "=").hex()
    response = api.request("GET", "/api/shared-links/me", params={"key": as_hex})
    assert response.status_code == 200
    assert response.json()["id"] == link["id"]


@pytest.mark.parametrize("key", ["wrong", "", "not base64 !", "A" * 67])
def test_an_unknown_key_is_refused(api: Api, container: Container, owner: Caller, key: str) -> None:
    individual(api, owner, make_asset(container, owner))
    response = api.request("GET", "/api/shared-links/me", headers={"x-immich-share-key": key} if key else {})
    expected = "Invalid share key" if key else "Authentication required"
    assert_error(response, 401, expected)


def test_an_expired_link_is_refused(api: Api, container: Container, owner: Caller) -> None:
    link = individual(api, owner, make_asset(container, owner))
    set_link(container, link, expires_at=datetime.now(UTC) - timedelta(seconds=1))
    assert_error(api.request("GET", "/api/shared-links/me", params=key_of(link)), 401, "Invalid share key")
    set_link(container, link, expires_at=datetime.now(UTC) + timedelta(minutes=1))
    assert api.request("GET", "/api/shared-links/me", params=key_of(link)).status_code == 200


def test_a_link_of_a_deleted_user_is_refused(api: Api, container: Container, owner: Caller) -> None:
    member = api.user(owner)
    link = individual(api, member, make_asset(container, member))
    with container.unit_of_work() as uow:
        uow.connection.execute(update(user).where(user.c.id == UUID(member.id)).values(deleted_at=datetime.now(UTC)))
    assert_error(api.request("GET", "/api/shared-links/me", params=key_of(link)), 401, "Invalid share key")


def test_a_link_is_refused_on_routes_without_link_access(api: Api, container: Container, owner: Caller) -> None:
    link = individual(api, owner, make_asset(container, owner))
    for path in ("/api/shared-links", "/api/users/me", "/api/activities/statistics"):
        assert_error(api.request("GET", path, params=key_of(link)), 403, "Forbidden")


def test_my_link_hides_the_password_and_shows_the_album(api: Api, container: Container, owner: Caller) -> None:
    photo = make_asset(container, owner)
    album_id = make_album(container, owner, [photo])
    link = create_link(api, owner, type="ALBUM", albumId=str(album_id))
    body = api.request("GET", "/api/shared-links/me", params=key_of(link)).json()
    assert body["password"] is None
    assert "token" not in body
    assert body["album"]["id"] == str(album_id)
    assert [a["id"] for a in body["assets"]] == [str(photo.id)]
    assert body["assets"][0]["originalFileName"] == photo.original_file_name


# --- passwords ---


def test_a_password_link_needs_the_password_everywhere(api: Api, protected: dict[str, Any]) -> None:
    for path in protected_paths(protected):
        assert_error(get(api, path, protected["link"]), 401, "Invalid password")


def test_a_wrong_password_is_refused(api: Api, protected: dict[str, Any]) -> None:
    response = get(api, "/api/shared-links/me", protected["link"], params={"password": "Secret"})
    assert_error(response, 401, "Invalid password")


def test_the_right_password_sets_the_unlock_cookie(api: Api, protected: dict[str, Any]) -> None:
    response = unlock(api, protected["link"], "secret")
    body = response.json()
    assert body["id"] == protected["link"]["id"]
    assert body["password"] is None
    morsel = cookie_of(response)[COOKIE]
    assert morsel.value == body["token"]
    assert morsel["httponly"] is True
    assert morsel["samesite"].lower() == "lax"
    assert morsel["path"] == "/"
    assert 86_000 <= int(morsel["max-age"]) <= 86_400
    assert "secret" not in response.text


def test_the_password_may_be_sent_in_a_header(api: Api, protected: dict[str, Any]) -> None:
    headers = {"x-immich-share-key": protected["link"]["key"], "x-immich-shared-link-password": "secret"}
    response = api.request("GET", "/api/shared-links/me", headers=headers)
    assert response.status_code == 200
    assert COOKIE in cookie_of(response)


def test_the_cookie_unlocks_every_route(api: Api, protected: dict[str, Any]) -> None:
    cookie = cookie_of(unlock(api, protected["link"], "secret"))[COOKIE].value
    for path in protected_paths(protected):
        response = get(api, path, protected["link"], cookie)
        assert response.status_code == 200, (path, response.text)
    mine = get(api, "/api/shared-links/me", protected["link"], cookie)
    assert mine.json()["token"] == cookie
    assert "set-cookie" not in mine.headers


def test_the_token_query_parameter_unlocks_my_link(api: Api, protected: dict[str, Any]) -> None:
    token = unlock(api, protected["link"], "secret").json()["token"]
    response = get(api, "/api/shared-links/me", protected["link"], params={"token": token})
    assert response.status_code == 200


def test_a_cookie_of_another_link_with_the_same_password_does_not_unlock(
    api: Api, container: Container, owner: Caller, protected: dict[str, Any]
) -> None:
    other = individual(api, owner, make_asset(container, owner), password="secret")
    cookie = cookie_of(unlock(api, other, "secret"))[COOKIE].value
    for path in protected_paths(protected):
        assert_error(get(api, path, protected["link"], cookie), 401, "Invalid password")


def test_unlocking_a_second_link_keeps_the_first(
    api: Api, container: Container, owner: Caller, protected: dict[str, Any]
) -> None:
    other = individual(api, owner, make_asset(container, owner), password="other")
    first = cookie_of(unlock(api, protected["link"], "secret"))[COOKIE].value
    second = unlock(api, other, "other", cookie=first)
    # Both tokens in one cookie value that needs no quoting.
    assert '"' not in second.headers["set-cookie"]
    both = cookie_of(second)[COOKIE].value
    assert get(api, "/api/shared-links/me", protected["link"], both).status_code == 200
    assert get(api, "/api/shared-links/me", other, both).status_code == 200


def test_changing_the_password_invalidates_the_cookie(api: Api, owner: Caller, protected: dict[str, Any]) -> None:
    link = protected["link"]
    cookie = cookie_of(unlock(api, link, "secret"))[COOKIE].value
    api.request("PATCH", f"/api/shared-links/{link['id']}", owner, json={"password": "changed"})
    assert_error(get(api, "/api/shared-links/me", link, cookie), 401, "Invalid password")
    assert unlock(api, link, "changed").status_code == 200


def test_removing_the_password_opens_the_link(api: Api, owner: Caller, protected: dict[str, Any]) -> None:
    link = protected["link"]
    api.request("PATCH", f"/api/shared-links/{link['id']}", owner, json={"password": ""})
    response = get(api, "/api/shared-links/me", link)
    assert response.status_code == 200
    assert "token" not in response.json()


def test_a_tampered_or_expired_cookie_is_refused(api: Api, protected: dict[str, Any]) -> None:
    link = protected["link"]
    link_id, expires, signature = cookie_of(unlock(api, link, "secret"))[COOKIE].value.split(".")
    later = f"{link_id}.{int(expires) + 3600}.{signature}"
    past = f"{link_id}.{int(datetime.now(UTC).timestamp()) - 1}.{signature}"
    forged = ("B" if signature[0] == "A" else "A") + signature[1:]
    for cookie in (later, past, f"{link_id}.{expires}.{forged}", "garbage"):
        assert_error(get(api, "/api/shared-links/me", link, cookie), 401, "Invalid password")


def test_a_signed_but_expired_token_is_refused(api: Api, container: Container, owner: Caller, protected: Any) -> None:
    link = protected["link"]
    unlock(api, link, "secret")
    with container.unit_of_work() as uow:
        repos = Repositories(uow)
        record = repos.shared_links.get(UUID(owner.id), UUID(link["id"]))
        secret = repos.shared_links.signing_secret()
    assert record is not None and secret is not None
    past = datetime.now(UTC) - timedelta(seconds=1)
    expired = issue_token(secret, dataclasses.replace(record, expires_at=past))
    fresh = issue_token(secret, record)
    assert_error(get(api, "/api/shared-links/me", link, str(expired)), 401, "Invalid password")
    assert get(api, "/api/shared-links/me", link, str(fresh)).status_code == 200


def test_the_cookie_expires_with_the_link(api: Api, container: Container, owner: Caller) -> None:
    soon = (datetime.now(UTC) + timedelta(minutes=10)).isoformat()
    link = individual(api, owner, make_asset(container, owner), password="pw", expiresAt=soon)
    morsel = cookie_of(unlock(api, link, "pw"))[COOKIE]
    assert 500 <= int(morsel["max-age"]) <= 600
    expires = int(morsel.value.split(".")[1])
    assert expires <= int(datetime.fromisoformat(soon).timestamp())


# --- what a link reaches ---


def test_a_link_reaches_none_of_the_owners_other_assets(
    api: Api, container: Container, media: Path, owner: Caller
) -> None:
    shared, private = make_asset(container, owner), make_asset(container, owner)
    add_file(container, media, private.id, "thumbnail", b"thumb", ".webp")
    link = individual(api, owner, shared)
    assert get(api, f"/api/assets/{shared.id}", link).status_code == 200
    assert_error(get(api, f"/api/assets/{private.id}", link), 400, "Not found or no asset.read access")
    assert_error(get(api, f"/api/assets/{private.id}/thumbnail", link), 400, "Not found or no asset.view access")
    assert_error(get(api, f"/api/assets/{private.id}/original", link), 400, "Not found or no asset.download access")


def test_a_link_viewer_sees_no_owner(api: Api, container: Container, owner: Caller) -> None:
    photo = make_asset(container, owner)
    link = individual(api, owner, photo)
    body = get(api, f"/api/assets/{photo.id}", link).json()
    assert "owner" not in body
    assert body["people"] == []
    assert body["originalFileName"] == photo.original_file_name
    assert "owner" in api.request("GET", f"/api/assets/{photo.id}", owner).json()


def test_hidden_metadata_is_stripped(api: Api, container: Container, media: Path, owner: Caller) -> None:
    photo = make_asset(container, owner, original_path=str(JPEG), original_file_name="IMG_0001.jpg")
    add_file(container, media, photo.id, "thumbnail", b"thumb", ".webp")
    link = individual(api, owner, photo, showMetadata=False)
    body = get(api, f"/api/assets/{photo.id}", link).json()
    assert set(body) == SANITIZED
    assert body["hasMetadata"] is False
    mine = get(api, "/api/shared-links/me", link).json()
    assert set(mine["assets"][0]) == SANITIZED
    thumbnail = get(api, f"/api/assets/{photo.id}/thumbnail", link)
    assert thumbnail.status_code == 200
    assert "IMG_0001" not in thumbnail.headers.get("content-disposition", "")


def test_the_original_of_a_link_hiding_metadata_has_no_name(api: Api, container: Container, owner: Caller) -> None:
    photo = make_asset(container, owner, original_path=str(JPEG), original_file_name="IMG_0001.jpg")
    link = individual(api, owner, photo, showMetadata=False)
    api.request("PATCH", f"/api/shared-links/{link['id']}", owner, json={"allowDownload": True})
    response = get(api, f"/api/assets/{photo.id}/original", link)
    assert response.status_code == 200
    assert response.content == JPEG.read_bytes()
    assert "IMG_0001" not in response.headers["content-disposition"]
    assert str(photo.id) in response.headers["content-disposition"]


def test_downloads_need_allow_download(api: Api, container: Container, owner: Caller) -> None:
    photo = make_asset(container, owner, original_path=str(JPEG))
    link = individual(api, owner, photo, allowDownload=False)
    assert_error(get(api, f"/api/assets/{photo.id}/original", link), 400, "Not found or no asset.download access")
    body = {"assetIds": [str(photo.id)]}
    for path in ("/api/download/info", "/api/download/archive"):
        response = api.request("POST", path, params=key_of(link), json=body)
        assert_error(response, 400, "Not found or no asset.download access")
    api.request("PATCH", f"/api/shared-links/{link['id']}", owner, json={"allowDownload": True})
    assert get(api, f"/api/assets/{photo.id}/original", link).status_code == 200
    assert api.request("POST", "/api/download/info", params=key_of(link), json=body).status_code == 201


def test_upload_through_a_link_that_allows_it(api: Api, container: Container, owner: Caller) -> None:
    link = individual(api, owner, make_asset(container, owner), allowUpload=True)
    response = upload(api, {"x-immich-share-key": link["key"]})
    assert response.status_code == 201, response.text
    created = api.request("GET", f"/api/assets/{response.json()['id']}", owner).json()
    assert created["ownerId"] == owner.id


def test_upload_through_a_link_that_does_not_allow_it(api: Api, container: Container, owner: Caller) -> None:
    link = individual(api, owner, make_asset(container, owner))
    response = upload(api, {"x-immich-share-key": link["key"]})
    assert response.status_code == 401


def test_an_upload_through_an_album_link_can_join_the_album(api: Api, container: Container, owner: Caller) -> None:
    other = make_asset(container, owner)
    album_id = make_album(container, owner, [make_asset(container, owner)])
    link = create_link(api, owner, type="ALBUM", albumId=str(album_id), allowUpload=True)
    holder = {"x-immich-share-key": link["key"]}
    created = upload(api, holder)
    assert created.status_code == 201, created.text
    new_id = created.json()["id"]
    ids = {"ids": [new_id, str(other.id)]}
    response = api.request("PUT", f"/api/albums/{album_id}/assets", holder, json=ids)
    assert response.status_code == 200, response.text
    assert response.json() == [
        {"id": new_id, "success": True},
        {"id": str(other.id), "success": False, "error": "no_permission"},
    ]
    album = api.request("GET", f"/api/albums/{album_id}", owner).json()
    assert new_id in {a["id"] for a in album["assets"]}
