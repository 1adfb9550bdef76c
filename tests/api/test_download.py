"""/download/info and /download/archive: archive planning by size, live-photo videos, and streamed ZIP files."""

from __future__ import annotations

import io
import uuid
import zipfile
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest
from fastapi.responses import StreamingResponse

from photonest.api.download import download_archive
from photonest.container import Container
from photonest.records import Auth
from photonest.schemas import generated as g
from photonest.services.download import DownloadService, safe_entry_name, unique_entry_name
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


def sized(container: Container, owner: Caller, size: int, **values: Any) -> UUID:
    return add_asset(container, owner, exif={"file_size_in_byte": size}, **values)


def stored(container: Container, owner: Caller, name: str, content: bytes, **values: Any) -> UUID:
    """An asset whose original is a real file under the media folder."""
    path = container.settings.media_location / "upload" / owner.id / f"{uuid.uuid4()}{Path(name).suffix}"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content)
    return add_asset(container, owner, original_path=str(path), original_file_name=name, **values)


def info(api: Api, caller: Caller, **body: Any) -> Any:
    response = api.request("POST", "/api/download/info", caller, json=body)
    assert response.status_code == 201, response.text
    return response.json()


def archive(api: Api, caller: Caller, *asset_ids: UUID) -> zipfile.ZipFile:
    response = api.request("POST", "/api/download/archive", caller, json={"assetIds": [str(i) for i in asset_ids]})
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/octet-stream"
    assert int(response.headers["content-length"]) == len(response.content)
    return zipfile.ZipFile(io.BytesIO(response.content))


def contents(zip_file: zipfile.ZipFile) -> dict[str, bytes]:
    assert zip_file.testzip() is None
    return {name: zip_file.read(name) for name in zip_file.namelist()}


# --- authentication and validation ---


@pytest.mark.parametrize("path", ["/api/download/info", "/api/download/archive"])
def test_download_requires_authentication(api: Api, path: str) -> None:
    response = api.request("POST", path, json={"assetIds": []})
    assert response.status_code == 401
    assert response.json()["message"] == "Authentication required"


@pytest.mark.parametrize(
    ("path", "body", "message"),
    [
        ("/api/download/info", {"assetIds": ["nope"]}, ["each value in assetIds must be a UUID"]),
        ("/api/download/info", {"userId": "nope"}, ["userId must be a UUID"]),
        ("/api/download/info", {"assetIds": [], "archiveSize": 0}, ["archiveSize must not be less than 1"]),
        ("/api/download/info", {}, "assetIds, albumId, or userId is required"),
        ("/api/download/archive", {}, ["assetIds should not be empty"]),
        ("/api/download/archive", {"assetIds": ["nope"]}, ["each value in assetIds must be a UUID"]),
    ],
)
def test_download_validates_the_body(api: Api, user: Caller, path: str, body: Any, message: Any) -> None:
    response = api.request("POST", path, user, json=body)
    assert response.status_code == 400
    assert response.json()["message"] == message


# --- info ---


def test_info_puts_small_selections_in_one_archive(api: Api, container: Container, user: Caller) -> None:
    a, b = sized(container, user, 100), sized(container, user, 250)
    no_exif = add_asset(container, user)
    assert info(api, user, assetIds=[str(a), str(b), str(no_exif)]) == {
        "totalSize": 350,
        "archives": [{"assetIds": [str(a), str(b), str(no_exif)], "size": 350}],
    }


def test_info_splits_once_an_archive_exceeds_the_size(api: Api, container: Container, user: Caller) -> None:
    a, b, c, d = (sized(container, user, size) for size in (60, 50, 10, 5))
    body = info(api, user, assetIds=[str(i) for i in (a, b, c, d)], archiveSize=100)
    assert body == {
        "totalSize": 125,
        "archives": [{"assetIds": [str(a), str(b)], "size": 110}, {"assetIds": [str(c), str(d)], "size": 15}],
    }


def test_info_takes_the_archive_size_from_preferences(api: Api, container: Container, user: Caller) -> None:
    a, b = sized(container, user, 60), sized(container, user, 60)
    preferences = {"download": {"archiveSize": 50}}
    assert api.request("PUT", "/api/users/me/preferences", user, json=preferences).status_code == 200
    body = info(api, user, assetIds=[str(a), str(b)])
    assert [x["assetIds"] for x in body["archives"]] == [[str(a)], [str(b)]]
    assert len(info(api, user, assetIds=[str(a), str(b)], archiveSize=1000)["archives"]) == 1


def test_info_adds_live_photo_videos(api: Api, container: Container, user: Caller) -> None:
    motion = sized(container, user, 30, type="VIDEO", visibility="hidden")
    embedded_path = str(container.settings.media_location / "encoded-video" / user.id / "aa" / "bb" / "x-MP.mp4")
    embedded = sized(container, user, 40, type="VIDEO", visibility="hidden", original_path=embedded_path)
    photo = sized(container, user, 100, live_photo_video_id=motion)
    android = sized(container, user, 100, live_photo_video_id=embedded)
    body = info(api, user, assetIds=[str(photo), str(android)])
    # Videos pulled out of Android motion photos are left out unless the user asks for embedded videos.
    assert body == {"totalSize": 230, "archives": [{"assetIds": [str(photo), str(android), str(motion)], "size": 230}]}
    preferences = {"download": {"includeEmbeddedVideos": True}}
    assert api.request("PUT", "/api/users/me/preferences", user, json=preferences).status_code == 200
    body = info(api, user, assetIds=[str(photo), str(android)])
    assert body["archives"][0]["assetIds"] == [str(photo), str(android), str(motion), str(embedded)]
    # A video chosen with its photo is listed once.
    body = info(api, user, assetIds=[str(photo), str(motion)])
    assert body["archives"][0]["assetIds"] == [str(photo), str(motion)]


def test_info_leaves_out_trashed_assets(api: Api, container: Container, user: Caller) -> None:
    kept = sized(container, user, 10)
    trashed = sized(container, user, 10, deleted_at=JUNE, status="trashed")
    assert info(api, user, assetIds=[str(kept), str(trashed)])["archives"] == [{"assetIds": [str(kept)], "size": 10}]


def test_info_denies_assets_of_strangers(api: Api, container: Container, user: Caller, other: Caller) -> None:
    mine, theirs = sized(container, user, 10), sized(container, other, 10)
    response = api.request("POST", "/api/download/info", user, json={"assetIds": [str(mine), str(theirs)]})
    assert response.status_code == 400
    assert response.json()["message"] == "Not found or no asset.download access"


def test_info_allows_assets_of_partners(api: Api, container: Container, user: Caller, other: Caller) -> None:
    assert api.request("POST", f"/api/partners/{user.id}", other).status_code == 201
    theirs = sized(container, other, 10)
    assert info(api, user, assetIds=[str(theirs)])["totalSize"] == 10


def test_info_of_a_whole_timeline(api: Api, container: Container, user: Caller, other: Caller) -> None:
    old = sized(container, user, 5, when=JUNE.replace(year=2020))
    new = sized(container, user, 7)
    archived = sized(container, user, 11, visibility="archive")
    sized(container, user, 13, visibility="locked")
    sized(container, user, 17, visibility="hidden")
    sized(container, user, 19, deleted_at=JUNE, status="trashed")
    body = info(api, user, userId=user.id)
    assert body["totalSize"] == 23
    assert set(body["archives"][0]["assetIds"]) == {str(old), str(new), str(archived)}
    assert body["archives"][0]["assetIds"][0] == str(old)
    response = api.request("POST", "/api/download/info", user, json={"userId": other.id})
    assert response.status_code == 400
    assert response.json()["message"] == "Not found or no timeline.download access"


def test_info_of_an_album_finds_no_album_yet(api: Api, user: Caller) -> None:
    response = api.request("POST", "/api/download/info", user, json={"albumId": str(uuid.uuid4())})
    assert response.status_code == 400
    assert response.json()["message"] == "Not found or no album.download access"


def test_info_of_nothing(api: Api, user: Caller) -> None:
    assert info(api, user, assetIds=[]) == {"totalSize": 0, "archives": []}


# --- archive ---


def test_archive_holds_the_originals_under_their_names(api: Api, container: Container, user: Caller) -> None:
    a = stored(container, user, "IMG_0001.jpg", b"first")
    b = stored(container, user, "clip.MOV", b"second" * 1000)
    zip_file = archive(api, user, a, b)
    assert contents(zip_file) == {"IMG_0001.jpg": b"first", "clip.MOV": b"second" * 1000}
    # Stored, not compressed, as upstream's archiver is configured.
    assert {i.compress_type for i in zip_file.infolist()} == {zipfile.ZIP_STORED}


def test_archive_makes_duplicate_names_unique(api: Api, container: Container, user: Caller) -> None:
    ids = [
        stored(container, user, name, str(n).encode()) for n, name in enumerate(["a.jpg", "a.jpg", "A.JPG", "a+1.jpg"])
    ]
    assert contents(archive(api, user, *ids)) == {"a.jpg": b"0", "a+1.jpg": b"1", "A+2.JPG": b"2", "a+1+1.jpg": b"3"}


@pytest.mark.parametrize(
    ("hostile", "safe"),
    [
        ("../../etc/passwd", "passwd"),
        ("/abs/x.jpg", "x.jpg"),
        ("..\\..\\windows\\win.ini", "win.ini"),
        ("..", "unnamed"),
        ("dir/", "unnamed"),
        ("a\x01b\x1f\x7f\n.jpg", "ab.jpg"),
        ('what?<>:"|*.jpg', "what.jpg"),
        ("CON.txt", "unnamed"),
        ("trailing. . ", "trailing"),
        ("é" * 200 + ".jpg", "é" * 125 + ".jpg"),
    ],
)
def test_archive_entry_names_are_plain_file_names(
    api: Api, container: Container, user: Caller, hostile: str, safe: str
) -> None:
    asset_id = stored(container, user, hostile, b"data")
    names = archive(api, user, asset_id).namelist()
    assert names == [safe]
    assert len(names[0].encode()) <= 255


def test_archive_leaves_out_missing_files(api: Api, container: Container, user: Caller) -> None:
    present = stored(container, user, "here.jpg", b"here")
    missing = add_asset(container, user, original_path="/nonexistent/gone.jpg", original_file_name="gone.jpg")
    directory = add_asset(container, user, original_path=str(container.settings.media_location))
    assert contents(archive(api, user, missing, present, directory)) == {"here.jpg": b"here"}


def test_archive_denies_assets_of_strangers(api: Api, container: Container, user: Caller, other: Caller) -> None:
    mine = stored(container, user, "mine.jpg", b"mine")
    theirs = stored(container, other, "theirs.jpg", b"theirs")
    response = api.request("POST", "/api/download/archive", user, json={"assetIds": [str(mine), str(theirs)]})
    assert response.status_code == 400
    assert response.json()["message"] == "Not found or no asset.download access"
    response = api.request("POST", "/api/download/archive", user, json={"assetIds": [str(uuid.uuid4())]})
    assert response.json()["message"] == "Not found or no asset.download access"


def test_archive_of_nothing_is_an_empty_zip(api: Api, user: Caller) -> None:
    assert archive(api, user).namelist() == []


def test_archive_is_streamed_from_the_files(api: Api, container: Container, user: Caller) -> None:
    asset_id = stored(container, user, "late.jpg", b"before")
    auth, dto = _auth(container, user), g.AssetIdsDto(asset_ids=[asset_id])
    with container.unit_of_work() as uow:
        response = download_archive(dto, None, auth, DownloadService(container.context(uow)))
        result = DownloadService(container.context(uow)).download_archive(auth, dto)
    assert isinstance(response, StreamingResponse)
    assert not isinstance(result.chunks, bytes | bytearray | list)
    # Nothing was read yet: the file is read while the archive is being sent.
    path = Path(_original_path(container, asset_id))
    path.write_bytes(b"after!")
    data = b"".join(result.chunks)
    assert len(data) == result.size
    assert zipfile.ZipFile(io.BytesIO(data)).read("late.jpg") == b"after!"


def test_entry_name_helpers() -> None:
    used: set[str] = set()
    assert [unique_entry_name(n, used) for n in ["x.jpg", "x.jpg", "X.jpg", ".hidden", ".hidden"]] == [
        "x.jpg",
        "x+1.jpg",
        "X+2.jpg",
        ".hidden",
        ".hidden+1",
    ]
    assert safe_entry_name("ok name.jpg") == "ok name.jpg"
    # PostgreSQL cannot even store NUL in a file name; SQLite can.
    assert safe_entry_name("a\x00b.jpg\x00") == "ab.jpg"


def _auth(container: Container, caller: Caller) -> Auth:
    with container.unit_of_work() as uow:
        user = container.context(uow).repos.users.get(UUID(caller.id))
    assert user is not None
    return Auth(user=user)


def _original_path(container: Container, asset_id: UUID) -> str:
    with container.unit_of_work() as uow:
        found = container.context(uow).repos.assets.get(asset_id)
    assert found is not None
    return found.original_path
