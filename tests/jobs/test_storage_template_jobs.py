"""The storage template jobs on real files: uploads, collisions, albums, interrupted moves, failures."""

from __future__ import annotations

import errno
import fcntl
import hashlib
import os
import shutil
import uuid
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import insert, select

from photonest.container import Container
from photonest.db.tables import album_asset, move_history
from photonest.jobs.runner import run_pending_jobs
from photonest.records import Asset
from photonest.repositories import Repositories
from photonest.services import storage_template
from photonest.storage.moves import Expected, MoveError, relocate
from tests.factories import Api, Caller, make_asset, set_metadata
from tests.jobs.helpers import enqueue, rows

ASSETS = Path("/work/shared/test-assets")
GPS_PHOTO = ASSETS / "metadata/gps-position/thompson-springs.jpg"
JPEG = ASSETS / "formats/jpg/el_torcal_rocks.jpg"
SIDECAR = ASSETS / "metadata/xmp/dates/2020.xmp"
pytestmark = pytest.mark.skipif(not ASSETS.is_dir(), reason="shared test assets are not available")
FIELDS = {
    "deviceAssetId": "device-asset-1",
    "deviceId": "pytest",
    "fileCreatedAt": "2020-01-01T00:00:00.000Z",
    "fileModifiedAt": "2020-01-01T00:00:00.000Z",
}
QUEUE = "storageTemplateMigration"


@pytest.fixture
def owner(api: Api) -> Caller:
    return api.admin()


def _enable(container: Container, template: str = "{{y}}/{{y}}-{{MM}}-{{dd}}/{{filename}}", **extra: Any) -> None:
    set_metadata(container, "system-config", {"storageTemplate": {"enabled": True, "template": template, **extra}})


def _library(container: Container, owner: Caller) -> Path:
    """The user's template root: `library/<storage label or id>` (the first admin is labelled `admin`)."""
    with container.unit_of_work() as uow:
        found = Repositories(uow).users.get(uuid.UUID(owner.id))
    assert found is not None
    return container.storage.root / "library" / (found.storage_label or owner.id)


def _unchanged(path: str | Path, asset: Asset) -> bool:
    """The file at `path` has the bytes the asset was created with."""
    return hashlib.sha1(Path(path).read_bytes()).digest() == asset.checksum


def _place(container: Container, owner: Caller, source: Path, *, name: str | None = None, **values: Any) -> Asset:
    """A file in the owner's upload folder with its asset and EXIF rows, as after metadata extraction."""
    suffix = Path(name or source.name).suffix
    target = container.storage.root / "upload" / owner.id / "aa" / "bb" / f"{uuid.uuid4()}{suffix}"
    target.parent.mkdir(parents=True, exist_ok=True)
    # Trailing bytes after the image keep it a valid JPEG and give every asset its own checksum.
    data = source.read_bytes() + uuid.uuid4().bytes
    target.write_bytes(data)
    values.setdefault("checksum", hashlib.sha1(data).digest())
    asset = make_asset(container, owner, original_path=str(target), original_file_name=name or source.name, **values)
    with container.unit_of_work() as uow:
        Repositories(uow).assets.upsert_exif(asset.id, {"file_size_in_byte": len(data)})
    return asset  # type: ignore[no-any-return]


def _get(container: Container, asset_id: Any) -> Asset:
    with container.unit_of_work() as uow:
        found = Repositories(uow).assets.get(uuid.UUID(str(asset_id)))
    assert found is not None
    return found


def _single(container: Container, asset_id: Any, source: str | None = None) -> None:
    data = {"id": str(asset_id)} if source is None else {"id": str(asset_id), "source": source}
    enqueue(container, QUEUE, "storage-template-migration-single", data)
    run_pending_jobs(container)


def _all(container: Container) -> None:
    enqueue(container, QUEUE, "storage-template-migration")
    run_pending_jobs(container)


def _moves(container: Container) -> list[dict[str, Any]]:
    with container.engine.connect() as conn:
        return [dict(row._mapping) for row in conn.execute(select(move_history))]


def test_upload_is_moved_to_the_rendered_path_with_the_exif_date(api: Api, container: Container, owner: Caller) -> None:
    _enable(container)
    response = api.request(
        "POST", "/api/assets", owner, data=FIELDS, files={"assetData": (GPS_PHOTO.name, GPS_PHOTO.read_bytes())}
    )
    assert response.status_code == 201, response.text
    uploaded = _get(container, response.json()["id"])
    container.media_toolkit()
    run_pending_jobs(container)
    stored = _get(container, uploaded.id)
    # DateTimeOriginal 2022:01:10 15:15:44-04:00: the day in the photo's own zone, not the UTC one.
    expected = _library(container, owner) / "2022" / "2022-01-10" / "thompson-springs.jpg"
    assert stored.original_path == str(expected)
    assert expected.read_bytes() == GPS_PHOTO.read_bytes()
    assert not Path(uploaded.original_path).exists()
    with container.unit_of_work() as uow:
        files = {f.type for f in Repositories(uow).assets.get_files(uploaded.id)}
    assert {"preview", "thumbnail"} <= files, "thumbnails follow the storage template"
    assert _moves(container) == []


def test_uploaded_sidecar_moves_beside_the_original(api: Api, container: Container, owner: Caller) -> None:
    _enable(container)
    files = {"assetData": (JPEG.name, JPEG.read_bytes()), "sidecarData": ("photo.xmp", SIDECAR.read_bytes())}
    response = api.request("POST", "/api/assets", owner, data=FIELDS, files=files)
    assert response.status_code == 201, response.text
    uploaded = _get(container, response.json()["id"])
    assert uploaded.sidecar_path is not None
    container.media_toolkit()
    run_pending_jobs(container)
    stored = _get(container, uploaded.id)
    original = Path(stored.original_path)
    assert original.parent.parent.parent == _library(container, owner) and original.name == JPEG.name
    assert original.read_bytes() == JPEG.read_bytes()
    assert stored.sidecar_path == f"{original}.xmp"
    assert Path(stored.sidecar_path).read_bytes() == SIDECAR.read_bytes()
    assert not Path(uploaded.sidecar_path).exists() and not Path(uploaded.original_path).exists()


def test_disabled_template_moves_nothing_and_still_queues_thumbnails(container: Container, owner: Caller) -> None:
    asset = _place(container, owner, JPEG)
    enqueue(container, QUEUE, "storage-template-migration-single", {"id": str(asset.id), "source": "upload"})
    assert run_pending_jobs(container, max_jobs=1) == 1
    assert _get(container, asset.id).original_path == asset.original_path
    assert [(r["name"], r["data"]) for r in rows(container)] == [
        ("generate-thumbnails", {"id": str(asset.id), "source": "upload"})
    ]
    enqueue(container, QUEUE, "storage-template-migration")
    run_pending_jobs(container, max_jobs=2)
    assert _get(container, asset.id).original_path == asset.original_path
    assert not _library(container, owner).exists()


def test_same_name_and_day_gets_plus_one_and_a_second_run_keeps_paths(container: Container, owner: Caller) -> None:
    _enable(container)
    first = _place(container, owner, JPEG, name="IMG_0001.JPEG")
    second = _place(container, owner, JPEG, name="IMG_0001.JPEG")
    _all(container)
    day = _library(container, owner) / "2024" / "2024-06-01"
    paths = {_get(container, first.id).original_path, _get(container, second.id).original_path}
    # Upper-case `.JPEG` uploads are stored as `.jpg`, as upstream's extension aliases.
    assert paths == {str(day / "IMG_0001.jpg"), str(day / "IMG_0001+1.jpg")}
    assert _unchanged(_get(container, first.id).original_path, first)
    assert _unchanged(_get(container, second.id).original_path, second)
    _all(container)
    assert {_get(container, first.id).original_path, _get(container, second.id).original_path} == paths
    assert sorted(p.name for p in day.iterdir()) == ["IMG_0001+1.jpg", "IMG_0001.jpg"]


def test_an_existing_file_is_never_overwritten(container: Container, owner: Caller) -> None:
    _enable(container, "{{filename}}")
    squatter = _library(container, owner) / "el_torcal_rocks.jpg"
    squatter.parent.mkdir(parents=True)
    squatter.write_bytes(b"someone else's file")
    asset = _place(container, owner, JPEG)
    _single(container, asset.id)
    assert squatter.read_bytes() == b"someone else's file"
    assert _get(container, asset.id).original_path == str(squatter.with_name("el_torcal_rocks+1.jpg"))


@pytest.mark.parametrize("album_name", ["../../../outside", "a/b/../../c", "..", "tab\tcolon:star*"])
def test_hostile_album_names_stay_inside_the_user_folder(container: Container, owner: Caller, album_name: str) -> None:
    _enable(container, "{{album}}/{{filename}}")
    asset = _place(container, owner, JPEG, name="../../../escape.jpg")
    with container.unit_of_work() as uow:
        album = Repositories(uow).albums.create({"owner_id": uuid.UUID(owner.id), "album_name": album_name})
        uow.connection.execute(insert(album_asset).values(album_id=album.id, asset_id=asset.id))
    _single(container, asset.id)
    stored = Path(_get(container, asset.id).original_path)
    assert stored.is_file() and stored.name == "escape.jpg"
    assert stored.resolve().is_relative_to(_library(container, owner).resolve())
    assert ".." not in stored.parts


def test_album_template_uses_the_newest_album(container: Container, owner: Caller) -> None:
    _enable(container, "{{y}}/{{#if album}}{{album}}{{else}}Other/{{MM}}{{/if}}/{{filename}}")
    in_album = _place(container, owner, JPEG)
    loose = _place(container, owner, JPEG, name="loose.jpg")
    with container.unit_of_work() as uow:
        repos = Repositories(uow)
        for name in ("Older", "Newer"):
            album = repos.albums.create({"owner_id": uuid.UUID(owner.id), "album_name": name})
            uow.connection.execute(insert(album_asset).values(album_id=album.id, asset_id=in_album.id))
    _all(container)
    root = _library(container, owner)
    assert _get(container, in_album.id).original_path == str(root / "2024" / "Newer" / "el_torcal_rocks.jpg")
    assert _get(container, loose.id).original_path == str(root / "2024" / "Other" / "06" / "loose.jpg")


def test_storage_label_names_the_user_folder(container: Container, owner: Caller) -> None:
    _enable(container, "{{filetype}}/{{assetIdShort}}")
    with container.unit_of_work() as uow:
        Repositories(uow).users.update(uuid.UUID(owner.id), {"storage_label": "family"})
    asset = _place(container, owner, JPEG)
    _single(container, asset.id)
    expected = container.storage.root / "library" / "family" / "IMG" / f"{str(asset.id)[-12:]}.jpg"
    assert _unchanged(expected, asset)
    assert _get(container, asset.id).original_path == str(expected)


def test_live_photo_video_moves_with_the_photo_under_its_name(container: Container, owner: Caller) -> None:
    _enable(container)
    video = _place(container, owner, JPEG, name="whatever.MOV", type="VIDEO", visibility="hidden")
    photo = _place(container, owner, JPEG, name="IMG_4242.jpg", live_photo_video_id=video.id)
    _single(container, photo.id)
    day = _library(container, owner) / "2024" / "2024-06-01"
    assert _get(container, photo.id).original_path == str(day / "IMG_4242.jpg")
    assert _get(container, video.id).original_path == str(day / "IMG_4242.mov")


def test_external_and_motion_part_assets_stay(container: Container, owner: Caller, tmp_path: Path) -> None:
    _enable(container)
    outside = tmp_path / "import" / "x.jpg"
    outside.parent.mkdir()
    shutil.copyfile(JPEG, outside)
    external = make_asset(container, owner, original_path=str(outside), is_external=True)
    motion_file = container.storage.root / "encoded-video" / owner.id / "aa" / "bb" / "m-MP.mp4"
    motion_file.parent.mkdir(parents=True)
    motion_file.write_bytes(b"video")
    motion = make_asset(container, owner, original_path=str(motion_file), type="VIDEO")
    with container.unit_of_work() as uow:
        for found in (external, motion):
            Repositories(uow).assets.upsert_exif(found.id, {"file_size_in_byte": 5})
    _all(container)
    assert _get(container, external.id).original_path == str(outside) and outside.is_file()
    assert _get(container, motion.id).original_path == str(motion_file) and motion_file.is_file()


def test_missing_file_fails_the_job_without_changing_the_database(container: Container, owner: Caller) -> None:
    _enable(container)
    asset = _place(container, owner, JPEG)
    Path(asset.original_path).unlink()
    _single(container, asset.id)
    assert _get(container, asset.id).original_path == asset.original_path
    assert [(r["name"], r["status"]) for r in rows(container)] == [("storage-template-migration-single", "failed")]
    assert _moves(container) == []


def _record(container: Container, asset: Asset, new_path: Path, path_type: str = "original") -> None:
    with container.engine.begin() as conn:
        values = {"entity_id": asset.id, "path_type": path_type, "old_path": asset.original_path}
        conn.execute(insert(move_history).values(id=uuid.uuid4(), new_path=str(new_path), **values))


def test_interrupted_move_with_the_file_at_the_new_place_is_finished(container: Container, owner: Caller) -> None:
    _enable(container, "{{filename}}")
    asset = _place(container, owner, JPEG)
    # Crashed after the rename, before the database knew: the file is at a path the template no longer gives.
    new_path = _library(container, owner) / "earlier" / "el_torcal_rocks.jpg"
    new_path.parent.mkdir(parents=True)
    os.rename(asset.original_path, new_path)
    _record(container, asset, new_path)
    _single(container, asset.id)
    final = Path(_get(container, asset.id).original_path)
    assert final == _library(container, owner) / "el_torcal_rocks.jpg"
    assert _unchanged(final, asset) and not new_path.exists()
    assert _moves(container) == []


def test_interrupted_move_with_the_file_at_the_old_place_is_redone(container: Container, owner: Caller) -> None:
    _enable(container)
    asset = _place(container, owner, JPEG)
    target = _library(container, owner) / "2024" / "2024-06-01" / "el_torcal_rocks.jpg"
    _record(container, asset, target)
    _all(container)
    assert _get(container, asset.id).original_path == str(target)
    assert _unchanged(target, asset) and not Path(asset.original_path).exists()
    assert _moves(container) == []


def test_move_stopped_between_link_and_unlink_is_finished(container: Container, owner: Caller) -> None:
    _enable(container)
    asset = _place(container, owner, JPEG)
    target = _library(container, owner) / "2024" / "2024-06-01" / "el_torcal_rocks.jpg"
    target.parent.mkdir(parents=True)
    os.link(asset.original_path, target)
    _record(container, asset, target)
    _single(container, asset.id)
    assert _get(container, asset.id).original_path == str(target)
    assert not Path(asset.original_path).exists() and _unchanged(target, asset)
    assert _moves(container) == []


def test_interrupted_move_whose_new_file_differs_is_left_alone(container: Container, owner: Caller) -> None:
    _enable(container)
    asset = _place(container, owner, JPEG)
    target = _library(container, owner) / "elsewhere.jpg"
    target.parent.mkdir(parents=True)
    target.write_bytes(b"not the photo")
    Path(asset.original_path).unlink()
    _record(container, asset, target)
    _single(container, asset.id)
    assert _get(container, asset.id).original_path == asset.original_path
    assert target.read_bytes() == b"not the photo" and len(_moves(container)) == 1


def test_full_run_forgets_moves_of_deleted_assets_and_removes_empty_folders(
    container: Container, owner: Caller
) -> None:
    _enable(container)
    gone = _place(container, owner, JPEG)
    _record(container, gone, _library(container, owner) / "gone.jpg")
    with container.unit_of_work() as uow:
        Repositories(uow).assets.delete(gone.id)
    empty = _library(container, owner) / "old" / "empty"
    empty.mkdir(parents=True)
    _all(container)
    assert _moves(container) == []
    assert not (_library(container, owner) / "old").exists()
    assert (container.storage.root / "library").is_dir()


def test_copy_across_file_systems_is_verified(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def no_link(*_: Any, **__: Any) -> None:
        raise OSError(errno.EXDEV, "Invalid cross-device link")

    monkeypatch.setattr(storage_template.os, "link", no_link)
    data = JPEG.read_bytes()
    old, new = tmp_path / "a" / "x.jpg", tmp_path / "b" / "c" / "x.jpg"
    old.parent.mkdir()
    old.write_bytes(data)
    with pytest.raises(MoveError):
        relocate(old, new, Expected(len(data), hashlib.sha1(b"other").digest()))
    assert old.read_bytes() == data and not new.exists() and os.listdir(new.parent) == []
    relocate(old, new, Expected(len(data), hashlib.sha1(data).digest()))
    assert new.read_bytes() == data and not old.exists()


def test_relocate_refuses_to_replace_a_file(tmp_path: Path) -> None:
    old, new = tmp_path / "old.jpg", tmp_path / "new.jpg"
    old.write_bytes(b"mine")
    new.write_bytes(b"theirs")
    with pytest.raises(FileExistsError):
        relocate(old, new, None)
    assert old.read_bytes() == b"mine" and new.read_bytes() == b"theirs"


def test_a_failed_rename_leaves_no_placeholder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def no_link(*_: Any, **__: Any) -> None:
        raise OSError(errno.EPERM, "Operation not permitted")

    def no_rename(*_: Any, **__: Any) -> None:
        raise OSError(errno.EACCES, "Permission denied")

    monkeypatch.setattr(storage_template.os, "link", no_link)
    monkeypatch.setattr(storage_template.os, "replace", no_rename)
    old, new = tmp_path / "old.jpg", tmp_path / "new" / "new.jpg"
    old.write_bytes(b"mine")
    with pytest.raises(PermissionError):
        relocate(old, new, None)
    assert old.read_bytes() == b"mine" and not new.exists()


def test_empty_folders_go_under_the_move_lock_and_without_a_database_lock(
    container: Container, owner: Caller, monkeypatch: pytest.MonkeyPatch
) -> None:
    _enable(container)
    _place(container, owner, JPEG)
    seen: list[tuple[int, bool]] = []

    def remove_empty_folders(root: Path) -> None:
        with (container.storage.root / storage_template.LOCK_FILE).open("a") as handle:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                locked = True
            else:
                fcntl.flock(handle, fcntl.LOCK_UN)
                locked = False
        seen.append((container.engine.pool.checkedout(), locked))  # type: ignore[attr-defined]

    monkeypatch.setattr(storage_template, "remove_empty_folders", remove_empty_folders)
    _all(container)
    # Only the worker's own connection is out; a move made meanwhile cannot lose its new folder.
    assert seen == [(0, True)]
