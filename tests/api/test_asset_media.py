"""Asset media routes: upload, replace, upload checks, device ids, statistics, random, original, thumbnail, video."""

from __future__ import annotations

import base64
import hashlib
import os
import re
import socket
import threading
import time
import tracemalloc
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from uuid import UUID, uuid4

import httpx
import pytest
from sqlalchemy import select

from photonest.container import Container
from photonest.db.tables import asset, asset_exif, job, user
from photonest.db.unit_of_work import UnitOfWork
from photonest.errors import BadRequest, Unauthorized
from photonest.events.bus import ClientEvent
from photonest.records import Asset, Auth, AuthSharedLink
from photonest.repositories import Repositories
from photonest.repositories.asset import AssetRepository
from photonest.schemas.generated import Permission
from photonest.services.access import check_access
from photonest.services.asset_media import AssetMediaService
from tests.factories import Api, Caller, make_api_key, make_asset, make_user

ASSETS = Path("/work/shared/test-assets")
JPEG = ASSETS / "formats/jpg/el_torcal_rocks.jpg"
PNG = ASSETS / "formats/png/density_plot.png"
HEIC = ASSETS / "formats/heic/IMG_2682.heic"
XMP = ASSETS / "metadata/xmp/dates/2000.xmp"
NIL = "00000000-0000-4000-8000-000000000000"
CREATED = "2024-06-01T12:34:56.789Z"
MODIFIED = "2024-06-02T08:00:00.000Z"
FIELDS = {"deviceAssetId": "device-asset-1", "deviceId": "pytest", "fileCreatedAt": CREATED, "fileModifiedAt": MODIFIED}
CACHE = "private, max-age=86400, no-transform"
MISSING_FILE = "Field(s) assetData should not be empty"

ROUTES = [
    ("POST", "/api/assets", "asset.upload"),
    ("POST", "/api/assets/bulk-upload-check", "asset.upload"),
    ("POST", "/api/assets/exist", "asset.upload"),
    ("GET", "/api/assets/device/pytest", "asset.upload"),
    ("GET", "/api/assets/random", "asset.read"),
    ("GET", "/api/assets/statistics", "asset.read"),
    ("GET", f"/api/assets/{NIL}/original", "asset.download"),
    ("PUT", f"/api/assets/{NIL}/original", "asset.update"),
    ("GET", f"/api/assets/{NIL}/thumbnail", "asset.view"),
    ("GET", f"/api/assets/{NIL}/video/playback", "asset.view"),
]


def video_bytes(tag: bytes = b"") -> bytes:
    """A small MP4-looking file: the upload takes the type from the name, never from the bytes."""
    return b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom" + tag + os.urandom(64)


def upload(
    api: Api,
    caller: Caller | dict[str, str],
    content: Path | bytes = JPEG,
    name: str | None = None,
    *,
    part_type: str = "application/octet-stream",
    sidecar: tuple[str, bytes] | None = None,
    headers: dict[str, str] | None = None,
    **fields: Any,
) -> Any:
    data = content.read_bytes() if isinstance(content, Path) else content
    filename = name or (content.name if isinstance(content, Path) else "file.jpg")
    files: dict[str, Any] = {"assetData": (filename, data, part_type)}
    if sidecar:
        files["sidecarData"] = (sidecar[0], sidecar[1], "application/octet-stream")
    body = {**FIELDS, **{k: v for k, v in fields.items() if v is not None}}
    return api.request("POST", "/api/assets", caller, data=body, files=files, headers=headers)


def multipart(boundary: str, parts: list[tuple[str, str | None, bytes]]) -> bytes:
    """A multipart/form-data body from (field, file name or None, content) parts."""
    out = b""
    for name, filename, content in parts:
        disposition = f'form-data; name="{name}"' + (f'; filename="{filename}"' if filename else "")
        out += f"--{boundary}\r\nContent-Disposition: {disposition}\r\n".encode()
        if filename:
            out += b"Content-Type: application/octet-stream\r\n"
        out += b"\r\n" + content + b"\r\n"
    return out + f"--{boundary}--\r\n".encode()


def field_parts(**extra: str) -> list[tuple[str, str | None, bytes]]:
    return [(k, None, v.encode()) for k, v in {**FIELDS, **extra}.items()]


def stored_files(media: Path) -> list[Path]:
    return sorted(p for p in (media / "upload").rglob("*") if p.is_file() and p.name != ".immich")


def rows(container: Container) -> list[Asset]:
    with container.unit_of_work() as uow:
        return [Asset.from_row(r) for r in uow.connection.execute(select(asset).order_by(asset.c.created_at))]


def get_asset(container: Container, asset_id: str | UUID) -> Asset:
    with container.unit_of_work() as uow:
        found = Repositories(uow).assets.get(UUID(str(asset_id)))
    assert found is not None
    return found


def jobs(container: Container) -> list[tuple[str, dict[str, Any]]]:
    with container.unit_of_work() as uow:
        return [(r.name, r.data) for r in uow.connection.execute(select(job.c.name, job.c.data).order_by(job.c.id))]


def usage(container: Container, caller: Caller) -> int:
    with container.unit_of_work() as uow:
        return int(
            uow.connection.execute(select(user.c.quota_usage_in_bytes).where(user.c.id == UUID(caller.id))).one()[0]
        )


def file_size(container: Container, asset_id: str | UUID) -> Any:
    with container.unit_of_work() as uow:
        query = select(asset_exif.c.file_size_in_byte).where(asset_exif.c.asset_id == UUID(str(asset_id)))
        return uow.connection.execute(query).scalar()


def add_file(container: Container, media: Path, asset_id: str | UUID, kind: str, data: bytes, ext: str) -> Path:
    """A generated file for the asset, as the thumbnail step would leave it."""
    path = media / "thumbs" / f"{asset_id}-{kind}{ext}"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    with container.unit_of_work() as uow:
        Repositories(uow).assets.upsert_file(UUID(str(asset_id)), kind, str(path))
    return path


def share_with(api: Api, sharer: Caller, partner: Caller, in_timeline: bool = False) -> None:
    assert api.request("POST", f"/api/partners/{partner.id}", sharer).status_code == 201
    if in_timeline:
        response = api.request("PUT", f"/api/partners/{sharer.id}", partner, json={"inTimeline": True})
        assert response.status_code == 200


def never_read() -> Iterator[bytes]:
    raise AssertionError("the request body was read")
    yield b""  # pragma: no cover


# --- authentication and permissions ---


@pytest.mark.parametrize(("method", "path", "permission"), ROUTES)
def test_routes_require_authentication(api: Api, method: str, path: str, permission: str) -> None:
    response = api.request(method, path, json={})
    assert response.status_code == 401
    assert response.json()["message"] == "Authentication required"


@pytest.mark.parametrize(("method", "path", "permission"), ROUTES)
def test_api_keys_need_the_route_permission(
    api: Api, container: Container, method: str, path: str, permission: str
) -> None:
    admin = api.admin()
    narrow = make_api_key(container, admin, ["activity.read"])
    response = api.request(method, path, narrow, json={})
    assert response.status_code == 403
    assert response.json()["message"] == f"Missing required permission: {permission}"
    allowed = api.request(method, path, make_api_key(container, admin, [permission]), json={})
    assert allowed.status_code != 403


@pytest.mark.parametrize(
    ("method", "suffix"), [("GET", "original"), ("PUT", "original"), ("GET", "thumbnail"), ("GET", "video/playback")]
)
def test_malformed_ids_are_rejected(api: Api, media: Path, method: str, suffix: str) -> None:
    admin = api.admin()
    files = {"assetData": ("a.jpg", JPEG.read_bytes(), "image/jpeg")} if method == "PUT" else None
    bare = api.request(method, f"/api/assets/not-a-uuid/{suffix}", admin, json={})
    assert bare.status_code == 400 and bare.json()["message"] == ["id must be a UUID"]
    response = api.request(
        method, f"/api/assets/not-a-uuid/{suffix}", admin, data=FIELDS if files else None, files=files
    )
    assert response.status_code == 400
    assert response.json()["message"] == ["id must be a UUID"]
    assert stored_files(media) == []


# --- upload ---


def test_upload_stores_the_original_and_queues_metadata_extraction(api: Api, container: Container, media: Path) -> None:
    admin = api.admin()
    response = upload(api, admin, JPEG, "El Torcal.JPG", isFavorite="true", visibility="archive", duration="0:00:01")
    assert response.status_code == 201
    body = response.json()
    assert set(body) == {"id", "status"} and body["status"] == "created"

    row = get_asset(container, body["id"])
    path = Path(row.original_path)
    name = path.stem
    assert path == media / "upload" / admin.id / name[:2] / name[2:4] / f"{name}.JPG"
    assert UUID(name) != row.id
    assert path.read_bytes() == JPEG.read_bytes()
    assert stored_files(media) == [path]
    assert row.checksum == hashlib.sha1(JPEG.read_bytes()).digest()
    assert (row.original_file_name, row.type, row.status) == ("El Torcal.JPG", "IMAGE", "active")
    assert (row.device_asset_id, row.device_id) == ("device-asset-1", "pytest")
    assert (row.is_favorite, row.visibility, row.duration, row.library_id) == (True, "archive", "0:00:01", None)
    assert row.file_created_at == datetime(2024, 6, 1, 12, 34, 56, 789000, tzinfo=UTC)
    assert row.local_date_time == row.file_created_at
    assert row.file_modified_at == datetime(2024, 6, 2, 8, 0, tzinfo=UTC)
    assert path.stat().st_mtime == datetime(2024, 6, 2, 8, 0, tzinfo=UTC).timestamp()
    assert file_size(container, row.id) == JPEG.stat().st_size
    assert usage(container, admin) == JPEG.stat().st_size
    assert jobs(container) == [("metadata-extraction", {"id": body["id"], "source": "upload"})]

    info = api.request("GET", f"/api/assets/{body['id']}", admin).json()
    assert info["originalMimeType"] == "image/jpeg" and info["checksum"] == base64.b64encode(row.checksum).decode()
    assert info["isArchived"] is True and info["exifInfo"]["fileSizeInByte"] == JPEG.stat().st_size


@pytest.mark.parametrize(
    ("path", "mime"),
    [
        (ASSETS / "formats/jpeg/el_torcal_rocks.jpeg", "image/jpeg"),
        (PNG, "image/png"),
        (ASSETS / "formats/webp/denali.webp", "image/webp"),
        (HEIC, "image/heic"),
        (ASSETS / "formats/avif/8bit-sRGB.avif", "image/avif"),
        (ASSETS / "formats/jxl/8bit-sRGB.jxl", "image/jxl"),
    ],
)
def test_upload_takes_the_type_from_the_file_name(api: Api, container: Container, path: Path, mime: str) -> None:
    admin = api.admin()
    response = upload(api, admin, path)
    assert response.status_code == 201
    info = api.request("GET", f"/api/assets/{response.json()['id']}", admin).json()
    assert (info["type"], info["originalMimeType"], info["originalFileName"]) == ("IMAGE", mime, path.name)


def test_upload_of_a_video(api: Api, container: Container) -> None:
    admin = api.admin()
    response = upload(api, admin, video_bytes(), "clip.MOV", duration="0:00:03.000000")
    assert response.status_code == 201
    row = get_asset(container, response.json()["id"])
    assert (row.type, row.duration) == ("VIDEO", "0:00:03.000000")
    assert row.original_path.endswith(".MOV")


def test_upload_refuses_unsupported_file_types(api: Api, container: Container, media: Path) -> None:
    admin = api.admin()
    response = upload(api, admin, b"hello", "notes.txt")
    assert response.status_code == 400 and response.json()["message"] == "Unsupported file type notes.txt"
    sidecar = upload(api, admin, JPEG, sidecar=("meta.txt", b"<x/>"))
    assert sidecar.status_code == 400 and sidecar.json()["message"] == "Unsupported file type meta.txt"
    assert stored_files(media) == [] and rows(container) == []


def test_upload_needs_the_file(api: Api, container: Container) -> None:
    admin = api.admin()
    without = api.request("POST", "/api/assets", admin, data=FIELDS, files={"other": ("a.jpg", b"x", "image/jpeg")})
    assert without.status_code == 400 and without.json()["message"] == MISSING_FILE
    as_json = api.request("POST", "/api/assets", admin, json=FIELDS)
    assert as_json.status_code == 400 and as_json.json()["message"] == MISSING_FILE
    assert rows(container) == []


def test_upload_validates_the_fields_and_removes_the_file(api: Api, container: Container, media: Path) -> None:
    admin = api.admin()
    fields = {"fileCreatedAt": "yesterday", "fileModifiedAt": "", "isFavorite": "maybe", "visibility": "public"}
    body = {**fields, "livePhotoVideoId": "nope", "deviceId": ""}
    response = api.request(
        "POST", "/api/assets", admin, data=body, files={"assetData": ("a.jpg", JPEG.read_bytes(), "image/jpeg")}
    )
    assert response.status_code == 400
    assert sorted(response.json()["message"]) == [
        "deviceId should not be empty",
        "fileCreatedAt must be a Date instance",
        "fileModifiedAt must be a Date instance",
        "isFavorite must be a boolean value",
        "livePhotoVideoId must be a UUID",
        "visibility must be one of the following values: archive, timeline, hidden, locked",
    ]
    assert stored_files(media) == [] and rows(container) == []


def test_upload_of_the_same_content_is_a_duplicate(api: Api, container: Container, media: Path) -> None:
    admin = api.admin()
    first = upload(api, admin, JPEG)
    second = upload(api, admin, ASSETS / "albums/nature/el_torcal_rocks.jpg", "copy.jpg")
    assert first.status_code == 201
    assert second.status_code == 200
    assert second.json() == {"id": first.json()["id"], "status": "duplicate"}
    assert len(rows(container)) == 1 and len(stored_files(media)) == 1
    assert usage(container, admin) == JPEG.stat().st_size
    assert len(jobs(container)) == 1


def test_a_trashed_asset_still_makes_a_duplicate(api: Api, container: Container) -> None:
    admin = api.admin()
    created = upload(api, admin).json()["id"]
    assert api.request("DELETE", "/api/assets", admin, json={"ids": [created]}).status_code == 204
    again = upload(api, admin)
    assert again.status_code == 200 and again.json() == {"id": created, "status": "duplicate"}


def test_other_users_may_upload_the_same_file(api: Api, container: Container) -> None:
    admin = api.admin()
    user1 = api.user(admin)
    mine = upload(api, admin)
    theirs = upload(api, user1)
    assert (mine.status_code, theirs.status_code) == (201, 201)
    assert mine.json()["id"] != theirs.json()["id"]


@pytest.mark.parametrize("encode", [bytes.hex, lambda d: base64.b64encode(d).decode()], ids=["hex", "base64"])
def test_known_checksum_header_answers_duplicate_without_reading_the_body(
    api: Api, container: Container, encode: Any
) -> None:
    admin = api.admin()
    created = upload(api, admin).json()["id"]
    checksum = encode(hashlib.sha1(JPEG.read_bytes()).digest())
    headers = {"x-immich-checksum": checksum, "content-type": "multipart/form-data; boundary=never"}
    response = api.request("POST", "/api/assets", admin, content=never_read(), headers=headers)
    assert response.status_code == 200
    assert response.json() == {"id": created, "status": "duplicate"}


def test_unknown_checksum_header_uploads_normally(api: Api, container: Container) -> None:
    admin = api.admin()
    other = hashlib.sha1(b"something else").hexdigest()
    response = upload(api, admin, headers={"x-immich-checksum": other})
    assert response.status_code == 201
    garbled = upload(api, admin, PNG, headers={"x-immich-checksum": "not a checksum"})
    assert garbled.status_code == 201


def test_checksum_header_of_another_users_asset_is_no_duplicate(api: Api, container: Container) -> None:
    admin = api.admin()
    user1 = api.user(admin)
    upload(api, admin)
    headers = {"x-immich-checksum": hashlib.sha1(JPEG.read_bytes()).hexdigest()}
    assert upload(api, user1, headers=headers).status_code == 201


def test_truncated_multipart_body_leaves_no_row_and_no_file(api: Api, container: Container, media: Path) -> None:
    admin = api.admin()
    body = multipart("xyz", [*field_parts(), ("assetData", "a.jpg", JPEG.read_bytes())])
    cut = body[: len(body) // 2]
    headers = {"content-type": "multipart/form-data; boundary=xyz"}
    response = api.request("POST", "/api/assets", admin, content=cut, headers=headers)
    assert response.status_code == 400 and response.json()["message"] == "Invalid multipart body"
    assert rows(container) == [] and stored_files(media) == []
    assert not list((media / "upload").rglob("*.tmp"))


def test_a_failing_upload_leaves_no_file(
    api: Api, container: Container, media: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    admin = api.admin()

    def fail(*_: Any) -> None:
        raise BadRequest("boom")

    monkeypatch.setattr(AssetMediaService, "upload_asset", fail)
    response = upload(api, admin, sidecar=("a.xmp", XMP.read_bytes()))
    assert response.status_code == 400 and response.json()["message"] == "boom"
    assert stored_files(media) == []


def test_a_failed_commit_leaves_no_row_and_no_file(
    api: Api, container: Container, media: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    admin = api.admin()
    real_commit = UnitOfWork.commit

    def commit(self: UnitOfWork) -> None:
        # Only the upload's own transaction queues a job, so only it fails here.
        if self._after_commit:
            raise RuntimeError("commit failed")
        real_commit(self)

    monkeypatch.setattr(UnitOfWork, "commit", commit)
    response = upload(api, admin)
    assert response.status_code == 500
    monkeypatch.setattr(UnitOfWork, "commit", real_commit)
    assert rows(container) == [] and stored_files(media) == []


def test_quota_is_enforced(api: Api, container: Container, media: Path) -> None:
    limited = make_user(container, api, "quota@immich.cloud", quota_size_in_bytes=JPEG.stat().st_size + 10)
    assert upload(api, limited).status_code == 201
    response = upload(api, limited, PNG)
    assert response.status_code == 400 and response.json()["message"] == "Quota has been exceeded!"
    assert len(stored_files(media)) == 1 and len(rows(container)) == 1
    unlimited = make_user(container, api, "zero@immich.cloud", quota_size_in_bytes=0)
    assert upload(api, unlimited, PNG).status_code == 201


def test_sidecar_is_stored_beside_the_original(api: Api, container: Container, media: Path) -> None:
    admin = api.admin()
    response = upload(api, admin, sidecar=("el_torcal_rocks.jpg.xmp", XMP.read_bytes()))
    assert response.status_code == 201
    row = get_asset(container, response.json()["id"])
    original, sidecar = Path(row.original_path), Path(row.sidecar_path or "")
    assert sidecar == original.with_suffix(".xmp")
    assert sidecar.read_bytes() == XMP.read_bytes()
    assert sidecar.stat().st_mtime == original.stat().st_mtime


def test_live_photo_upload_links_and_hides_the_video(api: Api, container: Container) -> None:
    admin = api.admin()
    events: list[ClientEvent] = []
    container.bus.subscribe(events.append)
    video = upload(api, admin, video_bytes(), "IMG_0001.MOV").json()["id"]
    photo = upload(api, admin, HEIC, livePhotoVideoId=video)
    assert photo.status_code == 201
    assert get_asset(container, photo.json()["id"]).live_photo_video_id == UUID(video)
    assert get_asset(container, video).visibility == "hidden"
    assert ClientEvent("on_asset_hidden", admin.id, (video,)) in events
    assert api.request("GET", f"/api/assets/{photo.json()['id']}", admin).json()["livePhotoVideoId"] == video


def test_live_photo_video_must_be_the_users_video(api: Api, container: Container) -> None:
    admin = api.admin()
    user1 = api.user(admin)
    image = upload(api, admin, PNG).json()["id"]
    theirs = upload(api, user1, video_bytes(), "theirs.mp4").json()["id"]
    cases = {NIL: "Live photo video not found", image: "Live photo video must be a video"}
    cases[theirs] = "Live photo video does not belong to the user"
    for video_id, message in cases.items():
        response = upload(api, admin, livePhotoVideoId=video_id)
        assert response.status_code == 400 and response.json()["message"] == message
    assert get_asset(container, theirs).visibility == "timeline"


def test_upload_ignores_unknown_fields_as_immich_go_sends_them(api: Api, container: Container) -> None:
    admin = api.admin()
    response = upload(
        api,
        admin,
        fileCreatedAt="2024-06-01T12:34:56Z",
        fileModifiedAt="2024-06-01T12:34:56Z",
        assetType="IMAGE",
        fileExtension=".jpg",
        isReadOnly="false",
        isArchived="false",
        duration="0:00:00.000000",
        isFavorite="true",
        headers={"x-immich-checksum": hashlib.sha1(JPEG.read_bytes()).hexdigest()},
    )
    assert response.status_code == 201
    assert get_asset(container, response.json()["id"]).is_favorite is True


def test_upload_takes_python_sdk_booleans_and_offsets(api: Api, container: Container) -> None:
    admin = api.admin()
    response = upload(api, admin, isFavorite="True", fileCreatedAt="2024-06-01T14:34:56.123456+02:00")
    assert response.status_code == 201
    row = get_asset(container, response.json()["id"])
    assert row.is_favorite is True
    assert row.file_created_at == datetime(2024, 6, 1, 12, 34, 56, 123456, tzinfo=UTC)


def test_filename_field_names_the_asset(api: Api, container: Container) -> None:
    admin = api.admin()
    boundary = "b0und"
    parts = [("filename", None, b"Holiday.png"), *field_parts(), ("assetData", "blob", PNG.read_bytes())]
    headers = {"content-type": f"multipart/form-data; boundary={boundary}"}
    response = api.request("POST", "/api/assets", admin, content=multipart(boundary, parts), headers=headers)
    assert response.status_code == 201
    row = get_asset(container, response.json()["id"])
    assert row.original_file_name == "Holiday.png" and row.original_path.endswith(".png")


def test_upstream_cli_request_shape_and_skip_hash_flow(api: Api, container: Container, media: Path) -> None:
    admin = api.admin()
    key = make_api_key(container, admin, ["asset.upload", "asset.read"])
    data = JPEG.read_bytes()
    when = "2024-06-01T12:34:56.789Z"

    def post() -> Any:
        # CLI 3.x: no device fields, a fileSize field, the part as octet-stream, no checksum header.
        fields = {"fileCreatedAt": when, "fileModifiedAt": when, "fileSize": str(len(data)), "isFavorite": "false"}
        files = {"assetData": ("el torcal rocks.jpg", data, "application/octet-stream")}
        return api.request("POST", "/api/assets", key, data=fields, files=files, headers={"Accept": "*/*"})

    first, second = post(), post()
    assert first.status_code == 201 and first.json()["status"] == "created"
    assert second.status_code == 200 and second.json() == {"id": first.json()["id"], "status": "duplicate"}
    row = get_asset(container, first.json()["id"])
    assert (row.device_id, row.device_asset_id) == ("CLI", f"eltorcalrocks.jpg-{len(data)}")
    assert len(stored_files(media)) == 1
    check = api.request(
        "POST",
        "/api/assets/bulk-upload-check",
        key,
        json={"assets": [{"id": "/photos/el torcal rocks.jpg", "checksum": hashlib.sha1(data).hexdigest()}]},
    )
    assert check.json()["results"][0]["action"] == "reject"
    assert api.request("GET", "/api/assets/statistics", key).json() == {"images": 1, "videos": 0, "total": 1}


# --- upload over a real socket ---


def test_chunked_upload_to_a_live_server(api: Api, container: Container, media: Path, live_server: str) -> None:
    admin = api.admin()
    boundary = "chunky"
    body = multipart(boundary, [*field_parts(), ("assetData", "chunked.jpg", JPEG.read_bytes())])

    def chunks() -> Iterator[bytes]:
        for start in range(0, len(body), 4096):
            yield body[start : start + 4096]

    headers = {**admin.headers, "content-type": f"multipart/form-data; boundary={boundary}"}
    response = httpx.post(f"{live_server}/api/assets", content=chunks(), headers=headers, timeout=30)
    assert response.status_code == 201
    assert Path(get_asset(container, response.json()["id"]).original_path).read_bytes() == JPEG.read_bytes()


def test_concurrent_uploads_of_the_same_bytes_give_one_asset(
    api: Api, container: Container, media: Path, live_server: str
) -> None:
    admin = api.admin()
    data = JPEG.read_bytes()
    barrier = threading.Barrier(4)
    results: list[httpx.Response] = []

    def send(index: int) -> None:
        files = {"assetData": (f"same-{index}.jpg", data, "application/octet-stream")}
        barrier.wait()
        response = httpx.post(f"{live_server}/api/assets", data=FIELDS, files=files, headers=admin.headers, timeout=60)
        results.append(response)

    threads = [threading.Thread(target=send, args=(i,)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    statuses = sorted(r.status_code for r in results)
    assert statuses == [200, 200, 200, 201]
    assert len({r.json()["id"] for r in results}) == 1
    assert len(rows(container)) == 1 and len(stored_files(media)) == 1
    assert usage(container, admin) == len(data)


def test_client_disconnect_mid_body_leaves_nothing(
    api: Api, container: Container, media: Path, live_server: str
) -> None:
    admin = api.admin()
    boundary = "gone"
    body = multipart(boundary, [*field_parts(), ("assetData", "big.mp4", os.urandom(3 * 1024 * 1024))])
    host, port = live_server.removeprefix("http://").split(":")
    head = (
        f"POST /api/assets HTTP/1.1\r\nHost: {host}\r\nAuthorization: Bearer {admin.token}\r\n"
        f"Content-Type: multipart/form-data; boundary={boundary}\r\nContent-Length: {len(body)}\r\n\r\n"
    )

    def wait_for(condition: Any) -> None:
        deadline = time.monotonic() + 10
        while not condition():
            assert time.monotonic() < deadline, "timed out"
            time.sleep(0.02)

    with socket.create_connection((host, int(port))) as sock:
        sock.sendall(head.encode() + body[: len(body) - 100_000])
        # The server is writing the file part: then the client goes away.
        wait_for(lambda: list((media / "upload").rglob("*.tmp")))
    wait_for(lambda: not stored_files(media))
    assert rows(container) == []
    response = httpx.post(
        f"{live_server}/api/assets",
        data=FIELDS,
        files={"assetData": ("b.png", PNG.read_bytes(), "image/png")},
        headers=admin.headers,
        timeout=30,
    )
    assert response.status_code == 201
    assert [r.original_file_name for r in rows(container)] == ["b.png"] and len(stored_files(media)) == 1


def test_upload_memory_stays_flat(api: Api, container: Container, media: Path, live_server: str) -> None:
    admin = api.admin()
    boundary = "big"
    size = 32 * 1024 * 1024
    head = multipart(boundary, field_parts())[: -len(f"--{boundary}--\r\n")]
    head += f'--{boundary}\r\nContent-Disposition: form-data; name="assetData"; filename="big.mp4"\r\n\r\n'.encode()
    tail = f"\r\n--{boundary}--\r\n".encode()
    block = os.urandom(64 * 1024)
    sha1 = hashlib.sha1()

    def body() -> Iterator[bytes]:
        yield head
        for _ in range(size // len(block)):
            sha1.update(block)
            yield block
        yield tail

    headers = {**admin.headers, "content-type": f"multipart/form-data; boundary={boundary}"}
    tracemalloc.start()
    try:
        response = httpx.post(f"{live_server}/api/assets", content=body(), headers=headers, timeout=120)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert response.status_code == 201
    row = get_asset(container, response.json()["id"])
    assert row.checksum == sha1.digest() and Path(row.original_path).stat().st_size == size
    assert peak < 8 * 1024 * 1024, f"peak {peak} bytes for a {size}-byte upload"


def test_a_duplicate_is_decided_by_the_insert_and_then_looked_up(
    api: Api, container: Container, media: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    admin = api.admin()
    first = upload(api, admin).json()["id"]
    real = AssetRepository.get_upload_id_by_checksum
    calls: list[UUID | None] = []

    def spy(self: AssetRepository, owner_id: UUID, checksum: bytes) -> UUID | None:
        found = real(self, owner_id, checksum)
        calls.append(found)
        return found

    monkeypatch.setattr(AssetRepository, "get_upload_id_by_checksum", spy)
    response = upload(api, admin, name="again.jpg")
    assert response.status_code == 200 and response.json() == {"id": first, "status": "duplicate"}
    # No lookup before the insert (a concurrent upload could slip in between anyway): one, after the conflict.
    assert calls == [UUID(first)]
    assert len(rows(container)) == 1 and len(stored_files(media)) == 1


def test_a_duplicate_live_photo_leaves_the_video_visible(api: Api, container: Container, media: Path) -> None:
    admin = api.admin()
    photo = upload(api, admin, HEIC).json()["id"]
    video = upload(api, admin, video_bytes(), "IMG_0001.MOV").json()["id"]
    response = upload(api, admin, HEIC, livePhotoVideoId=video)
    assert response.status_code == 200 and response.json() == {"id": photo, "status": "duplicate"}
    assert get_asset(container, video).visibility == "timeline"
    assert len(rows(container)) == 2 and len(stored_files(media)) == 2


# --- replace ---


def test_replace_keeps_the_id_and_trashes_a_copy_of_the_old_file(api: Api, container: Container, media: Path) -> None:
    admin = api.admin()
    events: list[ClientEvent] = []
    container.bus.subscribe(events.append)
    original = upload(api, admin).json()["id"]
    old = get_asset(container, original)
    response = api.request(
        "PUT",
        f"/api/assets/{original}/original",
        admin,
        data={**FIELDS, "deviceAssetId": "replaced"},
        files={"assetData": ("new.png", PNG.read_bytes(), "application/octet-stream")},
    )
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "replaced" and body["id"] != original

    new = get_asset(container, original)
    assert (new.original_file_name, new.type, new.device_asset_id) == ("new.png", "IMAGE", "replaced")
    assert new.checksum == hashlib.sha1(PNG.read_bytes()).digest()
    assert Path(new.original_path).read_bytes() == PNG.read_bytes()
    copy = get_asset(container, body["id"])
    assert (copy.original_path, copy.checksum, copy.original_file_name) == (
        old.original_path,
        old.checksum,
        old.original_file_name,
    )
    assert copy.status == "trashed" and copy.deleted_at is not None
    assert file_size(container, copy.id) == JPEG.stat().st_size
    assert file_size(container, original) == PNG.stat().st_size
    assert usage(container, admin) == JPEG.stat().st_size + PNG.stat().st_size
    assert jobs(container)[-2:] == [
        ("metadata-extraction", {"id": original, "source": "upload"}),
        ("metadata-extraction", {"id": body["id"], "source": "copy"}),
    ]
    assert ClientEvent("on_asset_trash", admin.id, ([body["id"]],)) in events
    served = api.request("GET", f"/api/assets/{original}/original", admin)
    assert served.content == PNG.read_bytes() and served.headers["content-type"] == "image/png"


def test_replace_with_known_content_is_a_duplicate(api: Api, container: Container, media: Path) -> None:
    admin = api.admin()
    first = upload(api, admin).json()["id"]
    second = upload(api, admin, PNG).json()["id"]
    response = api.request(
        "PUT",
        f"/api/assets/{second}/original",
        admin,
        data=FIELDS,
        files={"assetData": ("again.jpg", JPEG.read_bytes(), "image/jpeg")},
    )
    assert response.status_code == 200 and response.json() == {"id": first, "status": "duplicate"}
    assert get_asset(container, second).original_file_name == PNG.name
    assert len(stored_files(media)) == 2 and len(rows(container)) == 2


def test_replace_needs_update_access(api: Api, container: Container, media: Path) -> None:
    admin = api.admin()
    user1 = api.user(admin)
    target = upload(api, admin).json()["id"]
    share_with(api, admin, user1)
    files = {"assetData": ("x.png", PNG.read_bytes(), "image/png")}
    response = api.request("PUT", f"/api/assets/{target}/original", user1, data=FIELDS, files=files)
    assert response.status_code == 400 and response.json()["message"] == "Not found or no asset.update access"
    assert len(stored_files(media)) == 1


# --- upload checks ---


def test_bulk_upload_check_accepts_and_rejects(api: Api, container: Container) -> None:
    admin = api.admin()
    kept = upload(api, admin).json()["id"]
    trashed = upload(api, admin, PNG).json()["id"]
    api.request("DELETE", "/api/assets", admin, json={"ids": [trashed]})
    jpeg_sha1 = hashlib.sha1(JPEG.read_bytes()).digest()
    png_sha1 = hashlib.sha1(PNG.read_bytes()).digest()
    ids = ['/photos/a b, {c} "d" é.jpg', "base64", "new", "garbage"]
    body = {
        "assets": [
            {"id": ids[0], "checksum": jpeg_sha1.hex()},
            {"id": ids[1], "checksum": base64.b64encode(png_sha1).decode()},
            {"id": ids[2], "checksum": hashlib.sha1(b"new").hexdigest()},
            {"id": ids[3], "checksum": "zz-not-a-checksum"},
        ]
    }
    response = api.request("POST", "/api/assets/bulk-upload-check", admin, json=body)
    assert response.status_code == 200
    assert response.json() == {
        "results": [
            {"id": ids[0], "action": "reject", "reason": "duplicate", "assetId": kept, "isTrashed": False},
            {"id": ids[1], "action": "reject", "reason": "duplicate", "assetId": trashed, "isTrashed": True},
            {"id": ids[2], "action": "accept"},
            {"id": ids[3], "action": "accept"},
        ]
    }
    empty = api.request("POST", "/api/assets/bulk-upload-check", admin, json={"assets": []})
    assert empty.json() == {"results": []}


def test_bulk_upload_check_validates(api: Api) -> None:
    admin = api.admin()
    response = api.request("POST", "/api/assets/bulk-upload-check", admin, json={"assets": [{"id": "", "checksum": 1}]})
    assert response.status_code == 400
    assert sorted(response.json()["message"]) == [
        "assets.0.checksum must be a string",
        "assets.0.id should not be empty",
    ]
    missing = api.request("POST", "/api/assets/bulk-upload-check", admin, json={})
    assert missing.json()["message"] == ["assets should not be empty"]


def test_bulk_upload_check_sees_only_own_assets(api: Api) -> None:
    admin = api.admin()
    user1 = api.user(admin)
    upload(api, admin)
    body = {"assets": [{"id": "x", "checksum": hashlib.sha1(JPEG.read_bytes()).hexdigest()}]}
    assert (
        api.request("POST", "/api/assets/bulk-upload-check", user1, json=body).json()["results"][0]["action"]
        == "accept"
    )


def test_check_existing_assets_by_device(api: Api, container: Container) -> None:
    admin = api.admin()
    make_asset(container, admin, device_id="phone", device_asset_id="one")
    make_asset(container, admin, device_id="phone", device_asset_id="two", deleted_at=datetime.now(UTC))
    make_asset(container, admin, device_id="tablet", device_asset_id="three")
    body = {"deviceId": "phone", "deviceAssetIds": ["one", "two", "three", "four"]}
    response = api.request("POST", "/api/assets/exist", admin, json=body)
    assert response.status_code == 200
    assert sorted(response.json()["existingIds"]) == ["one", "two"]
    user1 = api.user(admin)
    assert api.request("POST", "/api/assets/exist", user1, json=body).json() == {"existingIds": []}


def test_check_existing_assets_validates(api: Api) -> None:
    admin = api.admin()
    response = api.request("POST", "/api/assets/exist", admin, json={"deviceAssetIds": []})
    assert response.status_code == 400
    assert sorted(response.json()["message"]) == ["deviceAssetIds should not be empty", "deviceId should not be empty"]


def test_device_asset_ids_leave_out_trashed_and_hidden(api: Api, container: Container) -> None:
    admin = api.admin()
    make_asset(container, admin, device_id="phone", device_asset_id="shown")
    make_asset(container, admin, device_id="phone", device_asset_id="archived", visibility="archive")
    make_asset(container, admin, device_id="phone", device_asset_id="hidden", visibility="hidden")
    make_asset(container, admin, device_id="phone", device_asset_id="trashed", deleted_at=datetime.now(UTC))
    make_asset(container, admin, device_id="other", device_asset_id="elsewhere")
    response = api.request("GET", "/api/assets/device/phone", admin)
    assert response.status_code == 200 and sorted(response.json()) == ["archived", "shown"]
    assert api.request("GET", "/api/assets/device/nothing", admin).json() == []


# --- statistics and random ---


def test_statistics_count_the_callers_assets(api: Api, container: Container) -> None:
    admin = api.admin()
    user1 = api.user(admin)
    make_asset(container, admin)
    make_asset(container, admin, is_favorite=True)
    make_asset(container, admin, type="VIDEO", visibility="archive")
    make_asset(container, admin, type="VIDEO", visibility="hidden")
    make_asset(container, admin, type="OTHER")
    make_asset(container, admin, deleted_at=datetime.now(UTC), status="trashed")
    make_asset(container, user1)

    def stats(query: str = "") -> Any:
        response = api.request("GET", f"/api/assets/statistics{query}", admin)
        assert response.status_code == 200, response.text
        return response.json()

    assert stats() == {"images": 2, "videos": 1, "total": 4}
    assert stats("?isFavorite=true") == {"images": 1, "videos": 0, "total": 1}
    assert stats("?isFavorite=false") == {"images": 1, "videos": 1, "total": 3}
    assert stats("?isTrashed=true") == {"images": 1, "videos": 0, "total": 1}
    assert stats("?visibility=archive") == {"images": 0, "videos": 1, "total": 1}
    assert stats("?visibility=hidden") == {"images": 0, "videos": 1, "total": 1}
    bad = api.request("GET", "/api/assets/statistics?visibility=public&isFavorite=perhaps", admin)
    assert bad.status_code == 400
    locked = api.request("GET", "/api/assets/statistics?visibility=locked", admin)
    assert locked.status_code == 401 and locked.json()["message"] == "Elevated permission is required"


def test_random_assets_come_from_the_caller_and_timeline_partners(api: Api, container: Container) -> None:
    admin = api.admin()
    user1 = api.user(admin)
    user2 = api.user(admin)
    mine = {str(make_asset(container, user1).id) for _ in range(3)}
    make_asset(container, user1, visibility="hidden")
    make_asset(container, user1, deleted_at=datetime.now(UTC))
    partner = str(make_asset(container, admin).id)
    other = str(make_asset(container, user2).id)
    share_with(api, admin, user1, in_timeline=True)
    share_with(api, user2, user1)

    response = api.request("GET", "/api/assets/random?count=10", user1)
    assert response.status_code == 200
    body = response.json()
    assert {a["id"] for a in body} == mine | {partner}
    assert other not in {a["id"] for a in body}
    assert all("exifInfo" not in a for a in body)
    assert len(api.request("GET", "/api/assets/random", user1).json()) == 1
    assert len(api.request("GET", "/api/assets/random?count=2", user1).json()) == 2
    invalid = api.request("GET", "/api/assets/random?count=0", user1)
    assert invalid.status_code == 400 and invalid.json()["message"] == ["count must be a positive number"]


# --- serving the original ---


def test_download_serves_the_original_with_upstreams_headers(api: Api, container: Container) -> None:
    admin = api.admin()
    created = upload(api, admin, JPEG, "Fête à Málaga.JPG").json()["id"]
    response = api.request("GET", f"/api/assets/{created}/original", admin)
    assert response.status_code == 200 and response.content == JPEG.read_bytes()
    headers = response.headers
    assert headers["content-type"] == "image/jpeg"
    assert headers["cache-control"] == CACHE
    assert headers["content-disposition"] == "inline; filename*=UTF-8''F%C3%AAte%20%C3%A0%20M%C3%A1laga.JPG"
    assert headers["accept-ranges"] == "bytes"
    assert headers["content-length"] == str(JPEG.stat().st_size)
    assert headers["last-modified"] == "Sun, 02 Jun 2024 08:00:00 GMT"
    assert re.fullmatch(r'W/"[0-9a-f]+-[0-9a-f]+"', headers["etag"])

    cached = api.request("GET", f"/api/assets/{created}/original", admin, headers={"If-None-Match": headers["etag"]})
    assert cached.status_code == 304 and cached.content == b""
    since = api.request(
        "GET", f"/api/assets/{created}/original", admin, headers={"If-Modified-Since": headers["last-modified"]}
    )
    assert since.status_code == 304


def test_download_answers_byte_ranges(api: Api, container: Container) -> None:
    admin = api.admin()
    created = upload(api, admin).json()["id"]
    data = JPEG.read_bytes()
    size = len(data)
    url = f"/api/assets/{created}/original"

    def get(range_header: str, **extra: str) -> Any:
        return api.request("GET", url, admin, headers={"Range": range_header, **extra})

    first = get("bytes=0-99")
    assert first.status_code == 206 and first.content == data[:100]
    assert first.headers["content-range"] == f"bytes 0-99/{size}" and first.headers["content-length"] == "100"
    suffix = get("bytes=-500")
    assert suffix.status_code == 206 and suffix.content == data[-500:]
    assert suffix.headers["content-range"] == f"bytes {size - 500}-{size - 1}/{size}"
    tail = get(f"bytes={size - 10}-")
    assert tail.status_code == 206 and tail.content == data[-10:]
    clamped = get(f"bytes=10-{size * 2}")
    assert clamped.status_code == 206 and clamped.content == data[10:]
    unsatisfiable = get(f"bytes={size}-")
    assert unsatisfiable.status_code == 416
    assert unsatisfiable.headers["content-range"] == f"bytes */{size}"
    assert unsatisfiable.json()["statusCode"] == 416
    several = get("bytes=0-1,10-20")
    assert several.status_code == 200 and several.content == data
    joined = get("bytes=0-9,10-19")
    assert joined.status_code == 206 and joined.content == data[:20]
    other_unit = get("items=0-1")
    assert other_unit.status_code == 200 and len(other_unit.content) == size
    stale = get("bytes=0-9", **{"If-Range": 'W/"stale"'})
    assert stale.status_code == 200 and len(stale.content) == size
    fresh = get("bytes=0-9", **{"If-Range": first.headers["etag"]})
    assert fresh.status_code == 206


def test_download_needs_access_and_partners_have_it(api: Api, container: Container) -> None:
    admin = api.admin()
    user1 = api.user(admin)
    user2 = api.user(admin)
    created = upload(api, admin).json()["id"]
    denied = api.request("GET", f"/api/assets/{created}/original", user1)
    assert denied.status_code == 400 and denied.json()["message"] == "Not found or no asset.download access"
    unknown = api.request("GET", f"/api/assets/{NIL}/original", admin)
    assert unknown.status_code == 400 and unknown.json()["message"] == "Not found or no asset.download access"

    share_with(api, admin, user1)
    assert api.request("GET", f"/api/assets/{created}/original", user1).content == JPEG.read_bytes()
    assert api.request("GET", f"/api/assets/{created}/original", user2).status_code == 400

    # Partners see timeline assets only, and nothing from the trash.
    api.request("PUT", f"/api/assets/{created}", admin, json={"visibility": "archive"})
    assert api.request("GET", f"/api/assets/{created}/original", user1).status_code == 400
    api.request("PUT", f"/api/assets/{created}", admin, json={"visibility": "timeline"})
    api.request("DELETE", "/api/assets", admin, json={"ids": [created]})
    assert api.request("GET", f"/api/assets/{created}/original", user1).status_code == 400
    assert api.request("GET", f"/api/assets/{created}/original", admin).status_code == 200


def test_locked_assets_need_an_elevated_session(api: Api, container: Container) -> None:
    admin = api.admin()
    locked = upload(api, admin).json()["id"]
    with container.unit_of_work() as uow:
        Repositories(uow).assets.update(UUID(locked), {"visibility": "locked"})
    response = api.request("GET", f"/api/assets/{locked}/original", admin)
    assert response.status_code == 400 and response.json()["message"] == "Not found or no asset.download access"
    assert api.request("POST", "/api/auth/pin-code", admin, json={"pinCode": "123456"}).status_code < 300
    assert api.request("POST", "/api/auth/session/unlock", admin, json={"pinCode": "123456"}).status_code < 300
    assert api.request("GET", f"/api/assets/{locked}/original", admin).status_code == 200


def test_missing_original_file_is_not_found(api: Api, container: Container) -> None:
    admin = api.admin()
    gone = make_asset(container, admin)
    response = api.request("GET", f"/api/assets/{gone.id}/original", admin)
    assert response.status_code == 404 and response.json()["message"] == "Asset media not found"


# --- thumbnails ---


def test_thumbnail_is_not_found_until_generated(api: Api, container: Container, media: Path) -> None:
    admin = api.admin()
    created = upload(api, admin, HEIC, "IMG_2682.HEIC").json()["id"]
    url = f"/api/assets/{created}/thumbnail"
    for size in ("", "?size=thumbnail", "?size=preview"):
        missing = api.request("GET", url + size, admin)
        assert missing.status_code == 404 and missing.json()["message"] == "Asset media not found"

    add_file(container, media, created, "preview", b"preview-bytes", ".jpeg")
    fallback = api.request("GET", url, admin)
    assert fallback.status_code == 200 and fallback.content == b"preview-bytes"
    assert fallback.headers["content-disposition"] == "inline; filename*=UTF-8''IMG_2682_thumbnail.jpeg"

    add_file(container, media, created, "thumbnail", b"webp-bytes", ".webp")
    thumb = api.request("GET", url, admin, params={"size": "thumbnail", "edited": "false"})
    assert thumb.status_code == 200 and thumb.content == b"webp-bytes"
    assert thumb.headers["content-type"] == "image/webp" and thumb.headers["cache-control"] == CACHE
    preview = api.request("GET", url + "?size=preview", admin)
    assert preview.content == b"preview-bytes" and preview.headers["content-type"] == "image/jpeg"
    assert preview.headers["content-disposition"] == "inline; filename*=UTF-8''IMG_2682_preview.jpeg"
    invalid = api.request("GET", url + "?size=huge", admin)
    assert invalid.status_code == 400
    assert invalid.json()["message"] == ["size must be one of the following values: fullsize, preview, thumbnail"]


def test_fullsize_redirects_as_upstream(api: Api, container: Container, media: Path) -> None:
    admin = api.admin()
    jpeg = upload(api, admin).json()["id"]
    heic = upload(api, admin, HEIC).json()["id"]

    to_original = api.request(
        "GET", f"/api/assets/{jpeg}/thumbnail?size=fullsize&edited=false", admin, follow_redirects=False
    )
    assert to_original.status_code == 302 and to_original.headers["location"] == "original?edited=false"
    followed = api.request("GET", f"/api/assets/{jpeg}/thumbnail?size=fullsize", admin)
    assert followed.status_code == 200 and followed.content == JPEG.read_bytes()

    to_preview = api.request("GET", f"/api/assets/{heic}/thumbnail?size=fullsize&x=1", admin, follow_redirects=False)
    assert to_preview.status_code == 302
    assert to_preview.headers["location"] == f"/api/assets/{heic}/thumbnail?size=preview&x=1"

    add_file(container, media, heic, "fullsize", b"full-bytes", ".jpeg")
    full = api.request("GET", f"/api/assets/{heic}/thumbnail?size=fullsize", admin)
    assert full.status_code == 200 and full.content == b"full-bytes"


def test_thumbnail_needs_view_access(api: Api, container: Container, media: Path) -> None:
    admin = api.admin()
    user1 = api.user(admin)
    created = upload(api, admin).json()["id"]
    add_file(container, media, created, "thumbnail", b"t", ".webp")
    denied = api.request("GET", f"/api/assets/{created}/thumbnail", user1)
    assert denied.status_code == 400 and denied.json()["message"] == "Not found or no asset.view access"
    share_with(api, admin, user1)
    assert api.request("GET", f"/api/assets/{created}/thumbnail", user1).content == b"t"


# --- video playback ---


def test_video_playback(api: Api, container: Container, media: Path) -> None:
    admin = api.admin()
    user1 = api.user(admin)
    data = video_bytes(b"x" * 5000)
    video = upload(api, admin, data, "clip.mp4").json()["id"]
    image = upload(api, admin).json()["id"]

    played = api.request("GET", f"/api/assets/{video}/video/playback", admin)
    assert played.status_code == 200 and played.content == data
    assert played.headers["content-type"] == "video/mp4" and played.headers["cache-control"] == CACHE
    assert "content-disposition" not in played.headers
    part = api.request("GET", f"/api/assets/{video}/video/playback", admin, headers={"Range": "bytes=100-"})
    assert part.status_code == 206 and part.content == data[100:]

    not_video = api.request("GET", f"/api/assets/{image}/video/playback", admin)
    assert not_video.status_code == 400 and not_video.json()["message"] == "Asset is not a video"
    denied = api.request("GET", f"/api/assets/{video}/video/playback", user1)
    assert denied.status_code == 400 and denied.json()["message"] == "Not found or no asset.view access"

    encoded = media / "encoded-video" / f"{video}.webm"
    encoded.write_bytes(b"encoded")
    with container.unit_of_work() as uow:
        Repositories(uow).assets.update(UUID(video), {"encoded_video_path": str(encoded)})
    transcoded = api.request("GET", f"/api/assets/{video}/video/playback", admin)
    assert transcoded.content == b"encoded" and transcoded.headers["content-type"] == "video/webm"


# --- shared links (the routes accept them; links themselves come with the shared-link routes) ---


def test_shared_links_upload_only_when_allowed(api: Api, container: Container) -> None:
    admin = api.admin()
    upload(api, admin)
    with container.unit_of_work() as uow:
        owner = Repositories(uow).users.get(UUID(admin.id))
    assert owner is not None

    def link_auth(allow_upload: bool) -> Auth:
        link = AuthSharedLink(uuid4(), owner.id, None, allow_upload, allow_download=True, show_exif=True)
        return Auth(user=owner, shared_link=link)

    checksum = hashlib.sha1(JPEG.read_bytes()).hexdigest()
    with container.unit_of_work() as uow:
        svc = AssetMediaService(container.context(uow))
        for call in (
            lambda: svc.find_upload_duplicate(link_auth(False), checksum),
            lambda: svc.upload_target(link_auth(False), uuid4(), "assetData", "a.jpg"),
        ):
            with pytest.raises(Unauthorized):
                call()
        assert check_access(Repositories(uow), link_auth(False), Permission.ASSET_UPLOAD, [owner.id]) == set()
        allowed = link_auth(True)
        assert check_access(Repositories(uow), allowed, Permission.ASSET_UPLOAD, [owner.id]) == {owner.id}
        assert svc.upload_target(allowed, uuid4(), "assetData", "a.jpg") is not None
        assert check_access(Repositories(uow), allowed, Permission.ASSET_READ, [owner.id]) == set()
