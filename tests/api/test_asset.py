"""Asset information and changes: get, update (one and bulk), delete, asset jobs."""

from __future__ import annotations

import re
from uuid import UUID

from sqlalchemy import select

from photonest.container import Container
from photonest.db.tables import asset_exif, job
from photonest.repositories import Repositories
from tests.factories import Api, make_asset

ISO = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")


def _jobs(container: Container) -> list[tuple[str, dict]]:  # type: ignore[type-arg]
    with container.unit_of_work() as uow:
        return [(r.name, r.data) for r in uow.connection.execute(select(job.c.name, job.c.data).order_by(job.c.id))]


def test_get_asset_info_has_every_key_clients_read(api: Api, container: Container) -> None:
    admin = api.admin()
    asset = make_asset(container, admin, thumbhash=b"\x01\x02")
    response = api.request("GET", f"/api/assets/{asset.id}", admin)
    assert response.status_code == 200
    body = response.json()
    keys = [
        "id",
        "deviceAssetId",
        "ownerId",
        "deviceId",
        "libraryId",
        "type",
        "originalPath",
        "originalFileName",
        "originalMimeType",
        "resized",
        "thumbhash",
        "fileCreatedAt",
        "fileModifiedAt",
        "localDateTime",
        "updatedAt",
        "isFavorite",
        "isArchived",
        "isTrashed",
        "visibility",
        "duration",
        "exifInfo",
        "livePhotoVideoId",
        "people",
        "checksum",
        "isOffline",
        "hasMetadata",
        "duplicateId",
        "owner",
    ]
    for key in keys:
        assert key in body, key
    assert body["duration"] == "0:00:00.00000" and body["resized"] is True and body["people"] == []
    assert body["originalMimeType"] == "image/jpeg" and body["thumbhash"] == "AQI="
    assert ISO.match(body["fileCreatedAt"]) and body["owner"]["id"] == admin.id
    assert len(body["checksum"]) == 28


def test_assets_of_others_are_not_found_or_not_accessible(api: Api, container: Container) -> None:
    admin = api.admin()
    user = api.user(admin)
    asset = make_asset(container, admin)
    denied = api.request("GET", f"/api/assets/{asset.id}", user)
    assert denied.status_code == 400 and denied.json()["message"] == "Not found or no asset.read access"
    update = api.request("PUT", f"/api/assets/{asset.id}", user, json={"isFavorite": True})
    assert update.json()["message"] == "Not found or no asset.update access"
    delete = api.request("DELETE", "/api/assets", user, json={"ids": [str(asset.id)]})
    assert delete.json()["message"] == "Not found or no asset.delete access"
    unknown = api.request("GET", "/api/assets/00000000-0000-4000-8000-000000000000", admin)
    assert unknown.status_code == 400


def test_partner_may_read_but_not_change(api: Api, container: Container) -> None:
    admin = api.admin()
    user = api.user(admin)
    asset = make_asset(container, admin, is_favorite=True)
    assert api.request("POST", f"/api/partners/{user.id}", admin).status_code == 201
    response = api.request("GET", f"/api/assets/{asset.id}", user)
    assert response.status_code == 200 and response.json()["isFavorite"] is False
    assert api.request("PUT", f"/api/assets/{asset.id}", user, json={"isFavorite": False}).status_code == 400


def test_update_asset_stores_metadata_and_queues_the_sidecar_write(api: Api, container: Container) -> None:
    admin = api.admin()
    asset = make_asset(container, admin)
    body = {"isFavorite": True, "description": "hello", "rating": 4, "latitude": 48.85, "longitude": 2.29,
            "dateTimeOriginal": "2023-05-06T07:08:09.000+02:00"}  # fmt: skip
    response = api.request("PUT", f"/api/assets/{asset.id}", admin, json=body)
    assert response.status_code == 200
    data = response.json()
    assert data["isFavorite"] is True
    assert data["exifInfo"]["description"] == "hello" and data["exifInfo"]["rating"] == 4
    assert data["exifInfo"]["dateTimeOriginal"] == "2023-05-06T05:08:09.000Z"
    name, payload = _jobs(container)[-1]
    assert name == "sidecar-write"
    assert payload["id"] == str(asset.id) and payload["dateTimeOriginal"] == "2023-05-06T07:08:09.000+02:00"
    assert payload["description"] == "hello" and payload["rating"] == 4


def test_update_asset_validates_input(api: Api, container: Container) -> None:
    admin = api.admin()
    asset = make_asset(container, admin)
    bad = api.request("PUT", f"/api/assets/{asset.id}", admin, json={"rating": 9, "visibility": "secret"})
    assert bad.status_code == 400
    assert set(bad.json()["message"]) == {
        "rating must not be greater than 5",
        "visibility must be one of the following values: archive, timeline, hidden, locked",
    }
    bad_date = api.request("PUT", f"/api/assets/{asset.id}", admin, json={"dateTimeOriginal": "yesterday"})
    assert bad_date.json()["message"] == ["dateTimeOriginal must be a valid ISO 8601 date string"]
    locked = api.request("PUT", f"/api/assets/{asset.id}", admin, json={"visibility": "locked"})
    assert locked.status_code == 401 and locked.json()["message"] == "Elevated permission is required"


def test_live_photo_link_hides_the_video(api: Api, container: Container) -> None:
    admin = api.admin()
    photo = make_asset(container, admin)
    video = make_asset(container, admin, type="VIDEO", original_file_name="v.mov")
    image = make_asset(container, admin)
    not_video = api.request("PUT", f"/api/assets/{photo.id}", admin, json={"livePhotoVideoId": str(image.id)})
    assert not_video.json()["message"] == "Live photo video must be a video"
    linked = api.request("PUT", f"/api/assets/{photo.id}", admin, json={"livePhotoVideoId": str(video.id)})
    assert linked.json()["livePhotoVideoId"] == str(video.id)
    assert api.request("GET", f"/api/assets/{video.id}", admin).json()["visibility"] == "hidden"
    unlinked = api.request("PUT", f"/api/assets/{photo.id}", admin, json={"livePhotoVideoId": None})
    assert unlinked.json()["livePhotoVideoId"] is None
    assert api.request("GET", f"/api/assets/{video.id}", admin).json()["visibility"] == "timeline"


def test_bulk_update_ignores_unknown_fields_and_applies_changes(api: Api, container: Container) -> None:
    admin = api.admin()
    first, second = make_asset(container, admin), make_asset(container, admin)
    body = {"ids": [str(first.id), str(second.id)], "isFavorite": True, "visibility": "archive",
            "isArchived": True, "removeParent": False}  # fmt: skip
    assert api.request("PUT", "/api/assets", admin, json=body).status_code == 204
    for asset_id in (first.id, second.id):
        data = api.request("GET", f"/api/assets/{asset_id}", admin).json()
        assert data["isFavorite"] is True and data["isArchived"] is True and data["visibility"] == "archive"


def test_delete_trashes_then_force_marks_for_deletion(api: Api, container: Container) -> None:
    admin = api.admin()
    asset = make_asset(container, admin)
    assert api.request("DELETE", "/api/assets", admin, json={"ids": [str(asset.id)]}).status_code == 204
    trashed = api.request("GET", f"/api/assets/{asset.id}", admin).json()
    assert trashed["isTrashed"] is True
    restored = api.request("POST", "/api/trash/restore/assets", admin, json={"ids": [str(asset.id)]})
    assert restored.json() == {"count": 1}
    assert api.request("GET", f"/api/assets/{asset.id}", admin).json()["isTrashed"] is False
    forced = api.request("DELETE", "/api/assets", admin, json={"ids": [str(asset.id)], "force": True})
    assert forced.status_code == 204
    with container.unit_of_work() as uow:
        stored = Repositories(uow).assets.get(asset.id)
        assert stored is not None and stored.status == "deleted"
    assert ("queue-trash-empty", {}) in _jobs(container)


def test_trash_empty_and_restore_all(api: Api, container: Container) -> None:
    admin = api.admin()
    assets = [make_asset(container, admin) for _ in range(3)]
    ids = [str(a.id) for a in assets]
    api.request("DELETE", "/api/assets", admin, json={"ids": ids})
    assert api.request("POST", "/api/trash/restore", admin).json() == {"count": 3}
    api.request("DELETE", "/api/assets", admin, json={"ids": ids[:2]})
    assert api.request("POST", "/api/trash/empty", admin).json() == {"count": 2}
    assert api.request("POST", "/api/trash/empty", admin).json() == {"count": 0}


def test_run_asset_jobs_queues_one_job_per_asset(api: Api, container: Container) -> None:
    admin = api.admin()
    first, second = make_asset(container, admin), make_asset(container, admin)
    body = {"assetIds": [str(first.id), str(second.id)], "name": "regenerate-thumbnail"}
    assert api.request("POST", "/api/assets/jobs", admin, json=body).status_code == 204
    queued = [(n, d["id"]) for n, d in _jobs(container)]
    assert queued == [("generate-thumbnails", str(first.id)), ("generate-thumbnails", str(second.id))]
    bad = api.request("POST", "/api/assets/jobs", admin, json={"assetIds": ["x"], "name": "nope"})
    assert bad.status_code == 400
    assert "each value in assetIds must be a UUID" in bad.json()["message"]


def test_exif_row_is_reported_with_null_keys(api: Api, container: Container) -> None:
    admin = api.admin()
    asset = make_asset(container, admin)
    with container.unit_of_work() as uow:
        uow.connection.execute(asset_exif.insert().values(asset_id=asset.id, make="Canon", f_number=4.0, iso=100))
    exif = api.request("GET", f"/api/assets/{asset.id}", admin).json()["exifInfo"]
    assert exif["make"] == "Canon" and exif["fNumber"] == 4 and exif["city"] is None
    assert api.request("GET", f"/api/assets/{asset.id}", admin).text.count('"fNumber":4,') == 1
    assert UUID(api.request("GET", f"/api/assets/{asset.id}", admin).json()["id"]) == asset.id
