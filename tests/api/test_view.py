"""/view/folder and /view/folder/unique-paths: the folders of the caller's originals and their direct contents."""

from __future__ import annotations

import pytest

from photonest.container import Container
from tests.api.test_timeline import JUNE, add_asset
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


def folder(api: Api, caller: Caller, path: str) -> list[str]:
    response = api.request("GET", "/api/view/folder", caller, params={"path": path})
    assert response.status_code == 200, response.text
    return [a["originalPath"] for a in response.json()]


@pytest.mark.parametrize("path", ["/api/view/folder?path=a", "/api/view/folder/unique-paths"])
def test_view_requires_authentication(api: Api, path: str) -> None:
    response = api.request("GET", path)
    assert response.status_code == 401
    assert response.json()["message"] == "Authentication required"


def test_folder_path_is_required(api: Api, user: Caller) -> None:
    response = api.request("GET", "/api/view/folder", user)
    assert response.status_code == 400
    assert response.json()["message"] == ["path should not be empty"]


def test_unique_paths_of_visible_originals(api: Api, container: Container, user: Caller, other: Caller) -> None:
    for path in ["/media/upload/a/1.jpg", "/media/upload/a/2.jpg", "/media/upload/a/b/3.jpg", "/library/x.jpg"]:
        add_asset(container, user, original_path=path)
    add_asset(container, user, original_path="/trash/1.jpg", deleted_at=JUNE, status="trashed")
    add_asset(container, user, original_path="/archived/1.jpg", visibility="archive")
    add_asset(container, user, original_path="/hidden/1.mov", visibility="hidden")
    add_asset(container, user, original_path="/locked/1.jpg", visibility="locked")
    add_asset(container, other, original_path="/theirs/1.jpg")
    response = api.request("GET", "/api/view/folder/unique-paths", user)
    assert response.status_code == 200
    assert response.json() == ["library", "media/upload/a", "media/upload/a/b"]


def test_unique_paths_when_nothing_is_there(api: Api, user: Caller) -> None:
    assert api.request("GET", "/api/view/folder/unique-paths", user).json() == []


def test_folder_lists_assets_directly_inside_by_file_name(
    api: Api, container: Container, user: Caller, other: Caller
) -> None:
    b = add_asset(container, user, original_path="/media/a/b.jpg", exif={"make": "Canon"})
    a = add_asset(container, user, original_path="/media/a/a.jpg")
    for path in ["/media/a/sub/c.jpg", "/media/ab/d.jpg", "/media/A/e.jpg", "/x/media/a/f.jpg"]:
        add_asset(container, user, original_path=path)
    add_asset(container, user, original_path="/media/a/trashed.jpg", deleted_at=JUNE, status="trashed")
    add_asset(container, user, original_path="/media/a/archived.jpg", visibility="archive")
    add_asset(container, other, original_path="/media/a/theirs.jpg")
    response = api.request("GET", "/api/view/folder", user, params={"path": "media/a"})
    assert response.status_code == 200
    body = response.json()
    assert [x["id"] for x in body] == [str(a), str(b)]
    assert body[1]["originalPath"] == "/media/a/b.jpg" and body[1]["exifInfo"]["make"] == "Canon"
    assert body[1]["ownerId"] == user.id and body[1]["isTrashed"] is False
    assert "exifInfo" not in body[0]
    # The path may carry the slashes the unique-paths answer left out.
    assert folder(api, user, "/media/a/") == ["/media/a/a.jpg", "/media/a/b.jpg"]


def test_folder_path_wildcards_are_literal(api: Api, container: Container, user: Caller) -> None:
    add_asset(container, user, original_path="/media/a_b/1.jpg")
    add_asset(container, user, original_path="/media/axb/2.jpg")
    add_asset(container, user, original_path="/media/100%/3.jpg")
    assert folder(api, user, "media/a_b") == ["/media/a_b/1.jpg"]
    assert folder(api, user, "media/100%") == ["/media/100%/3.jpg"]
    assert folder(api, user, "media/%") == []


def test_folder_of_relative_and_root_paths(api: Api, container: Container, user: Caller) -> None:
    add_asset(container, user, original_path="relative/1.jpg")
    add_asset(container, user, original_path="/2.jpg")
    assert folder(api, user, "relative") == ["relative/1.jpg"]
    assert folder(api, user, "/") == ["/2.jpg"]
    assert folder(api, user, "missing") == []
