"""The migration queue: derived files found away from the current layout are moved there and their paths updated."""

from __future__ import annotations

import errno
import os
import uuid
from datetime import timedelta
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest

from photonest.container import Container
from photonest.db.types import utcnow
from photonest.jobs.names import JobName, QueueName
from photonest.jobs.registry import load_handlers
from photonest.jobs.runner import Worker, WorkerOptions
from photonest.repositories import Repositories
from photonest.services import file_migration
from photonest.storage import moves
from photonest.storage.layout import StorageFolder
from tests.api.test_library import queued
from tests.factories import Api, Caller, make_asset
from tests.jobs.helpers import enqueue, rows, state

MIGRATION = QueueName.MIGRATION.value


@pytest.fixture
def admin(api: Api) -> Caller:
    return api.admin()


def run_migration(container: Container, max_jobs: int | None = None) -> int:
    options = WorkerOptions(queues=frozenset({QueueName.MIGRATION}), retry_backoff=timedelta(0))
    return Worker(container, load_handlers(), options).run_pending(max_jobs)


def write(path: Path, data: bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


def asset_with_files(container: Container, owner: Caller, files: dict[str, Path], **values: Any) -> UUID:
    asset_id: UUID = values.pop("id", uuid.uuid4())
    make_asset(container, owner, id=asset_id, **values)
    with container.unit_of_work() as uow:
        for kind, path in files.items():
            Repositories(uow).assets.upsert_file(asset_id, kind, str(path))
    return asset_id


def files_of(container: Container, asset_id: UUID) -> dict[str, str]:
    with container.unit_of_work() as uow:
        return {f.type: f.path for f in Repositories(uow).assets.get_files(asset_id)}


def encoded_video_of(container: Container, asset_id: UUID) -> str | None:
    with container.unit_of_work() as uow:
        found = Repositories(uow).assets.get(asset_id)
    assert found is not None
    return found.encoded_video_path


def nested(container: Container, folder: StorageFolder, owner: Caller, name: str) -> Path:
    return container.storage.nested_path(folder, owner.id, name)


def test_files_at_an_old_place_move_to_the_current_layout(admin: Caller, container: Container) -> None:
    thumbs = container.storage.folder(StorageFolder.THUMBNAILS)
    asset_id = uuid.uuid4()
    # As if made under a storage label and without the nested folders.
    old_preview = write(thumbs / "admin" / f"{asset_id}-preview.jpeg", b"preview")
    old_thumb = write(thumbs / "admin" / f"{asset_id}-thumbnail.webp", b"thumb")
    old_video = write(container.storage.folder(StorageFolder.ENCODED_VIDEO) / "admin" / f"{asset_id}.mp4", b"mp4")
    make_asset(container, admin, id=asset_id, type="VIDEO", encoded_video_path=str(old_video))
    with container.unit_of_work() as uow:
        Repositories(uow).assets.upsert_file(asset_id, "preview", str(old_preview))
        Repositories(uow).assets.upsert_file(asset_id, "thumbnail", str(old_thumb))
    enqueue(container, MIGRATION, JobName.MIGRATE_ASSET.value, {"id": str(asset_id)})
    assert run_migration(container) == 1
    preview = nested(container, StorageFolder.THUMBNAILS, admin, f"{asset_id}-preview.jpeg")
    thumbnail = nested(container, StorageFolder.THUMBNAILS, admin, f"{asset_id}-thumbnail.webp")
    video = nested(container, StorageFolder.ENCODED_VIDEO, admin, f"{asset_id}.mp4")
    assert files_of(container, asset_id) == {"preview": str(preview), "thumbnail": str(thumbnail)}
    assert encoded_video_of(container, asset_id) == str(video)
    assert (preview.read_bytes(), thumbnail.read_bytes(), video.read_bytes()) == (b"preview", b"thumb", b"mp4")
    assert not any(path.exists() for path in (old_preview, old_thumb, old_video))
    assert (state(container, MIGRATION).completed, state(container, MIGRATION).failed) == (1, 0)


def test_files_already_in_place_are_left_alone(admin: Caller, container: Container) -> None:
    asset_id = uuid.uuid4()
    preview = write(nested(container, StorageFolder.THUMBNAILS, admin, f"{asset_id}-preview.jpeg"), b"p")
    os.utime(preview, (1_000_000, 1_000_000))
    asset_with_files(container, admin, {"preview": preview}, id=asset_id)
    enqueue(container, MIGRATION, JobName.MIGRATE_ASSET.value, {"id": str(asset_id)})
    assert run_migration(container) == 1
    assert files_of(container, asset_id) == {"preview": str(preview)}
    assert preview.stat().st_mtime == 1_000_000 and preview.read_bytes() == b"p"


def test_missing_files_keep_their_path_and_moved_ones_are_picked_up(admin: Caller, container: Container) -> None:
    asset_id = uuid.uuid4()
    thumbs = container.storage.folder(StorageFolder.THUMBNAILS)
    lost = thumbs / "old" / f"{asset_id}-preview.jpeg"
    # Renamed by an earlier run whose path update never committed: only the new place holds it.
    moved_before = write(nested(container, StorageFolder.THUMBNAILS, admin, f"{asset_id}-thumbnail.webp"), b"t")
    files = {"preview": lost, "thumbnail": thumbs / "old" / f"{asset_id}-thumbnail.webp"}
    asset_with_files(container, admin, files, id=asset_id)
    enqueue(container, MIGRATION, JobName.MIGRATE_ASSET.value, {"id": str(asset_id)})
    assert run_migration(container) == 1
    assert files_of(container, asset_id) == {"preview": str(lost), "thumbnail": str(moved_before)}
    assert (state(container, MIGRATION).completed, state(container, MIGRATION).failed) == (1, 0)


def test_a_move_across_file_systems_copies_then_removes(
    admin: Caller, container: Container, monkeypatch: pytest.MonkeyPatch
) -> None:
    asset_id = uuid.uuid4()
    old = write(container.storage.folder(StorageFolder.THUMBNAILS) / f"{asset_id}-preview.jpeg", b"x" * 70_000)
    os.utime(old, (1_000_000, 1_000_000))
    asset_with_files(container, admin, {"preview": old}, id=asset_id)
    real_link = os.link

    def link(source: Any, target: Any, **options: Any) -> None:
        if Path(source) == old:
            raise OSError(errno.EXDEV, "Invalid cross-device link")
        real_link(source, target, **options)

    monkeypatch.setattr(moves.os, "link", link)
    enqueue(container, MIGRATION, JobName.MIGRATE_ASSET.value, {"id": str(asset_id)})
    assert run_migration(container) == 1
    target = nested(container, StorageFolder.THUMBNAILS, admin, f"{asset_id}-preview.jpeg")
    assert files_of(container, asset_id) == {"preview": str(target)}
    assert target.read_bytes() == b"x" * 70_000 and target.stat().st_mtime == 1_000_000
    assert not old.exists()
    assert [p.name for p in target.parent.iterdir()] == [target.name]


def test_person_thumbnails_move_too(admin: Caller, container: Container) -> None:
    with container.unit_of_work() as uow:
        person = Repositories(uow).people.create({"owner_id": UUID(admin.id)})
    old = write(container.storage.folder(StorageFolder.THUMBNAILS) / "faces" / f"{person.id}.jpeg", b"face")
    with container.unit_of_work() as uow:
        Repositories(uow).people.update(person.id, {"thumbnail_path": str(old)})
    enqueue(container, MIGRATION, JobName.MIGRATE_PERSON.value, {"id": str(person.id)})
    assert run_migration(container) == 1
    target = nested(container, StorageFolder.THUMBNAILS, admin, f"{person.id}.jpeg")
    with container.unit_of_work() as uow:
        moved = Repositories(uow).people.get(person.id)
    assert moved is not None and moved.thumbnail_path == str(target)
    assert target.read_bytes() == b"face" and not old.exists()


def test_jobs_for_missing_assets_and_people_are_skipped(container: Container) -> None:
    enqueue(container, MIGRATION, JobName.MIGRATE_ASSET.value, {"id": str(uuid.uuid4())})
    enqueue(container, MIGRATION, JobName.MIGRATE_PERSON.value, {"id": str(uuid.uuid4())})
    assert run_migration(container) == 2
    assert (state(container, MIGRATION).completed, state(container, MIGRATION).failed) == (2, 0)
    assert rows(container) == []


def test_starting_the_queue_migrates_every_asset_and_person(api: Api, admin: Caller, container: Container) -> None:
    kept = make_asset(container, admin).id
    make_asset(container, admin, deleted_at=utcnow(), status="trashed")
    with container.unit_of_work() as uow:
        person = Repositories(uow).people.create({"owner_id": UUID(admin.id)})
    thumbs = container.storage.folder(StorageFolder.THUMBNAILS)
    (thumbs / "empty" / "deeper").mkdir(parents=True)
    write(thumbs / "full" / "file.webp", b"w")
    response = api.request("PUT", f"/api/jobs/{MIGRATION}", admin, json={"command": "start"})
    assert response.status_code == 200, response.text
    assert run_migration(container, max_jobs=1) == 1
    assert queued(container, JobName.MIGRATE_ASSET.value) == [{"id": str(kept)}]
    assert queued(container, JobName.MIGRATE_PERSON.value) == [{"id": str(person.id)}]
    # The queue's only job: empty folders left by earlier moves go, files and the mount marker stay.
    assert sorted(p.relative_to(thumbs).as_posix() for p in thumbs.rglob("*")) == [".immich", "full", "full/file.webp"]
    assert run_migration(container) == 2
    assert (state(container, MIGRATION).completed, state(container, MIGRATION).failed) == (3, 0)


def test_no_database_connection_is_held_while_files_move(
    admin: Caller, container: Container, monkeypatch: pytest.MonkeyPatch
) -> None:
    asset_id = uuid.uuid4()
    thumbs = container.storage.folder(StorageFolder.THUMBNAILS)
    old_preview = write(thumbs / "old" / f"{asset_id}-preview.jpeg", b"p")
    old_video = write(container.storage.folder(StorageFolder.ENCODED_VIDEO) / "old" / f"{asset_id}.mp4", b"v")
    make_asset(container, admin, id=asset_id, type="VIDEO", encoded_video_path=str(old_video))
    with container.unit_of_work() as uow:
        Repositories(uow).assets.upsert_file(asset_id, "preview", str(old_preview))
    real_move = file_migration.move_file
    held: list[int] = []

    def move_file(old: str, target: Path) -> bool:
        # A move may copy a large file across file systems: the job's transaction (on SQLite the database's write
        # lock) must not be open meanwhile; only the worker's own connection may be checked out.
        held.append(container.engine.pool.checkedout())  # type: ignore[attr-defined]
        return real_move(old, target)

    monkeypatch.setattr(file_migration, "move_file", move_file)
    enqueue(container, MIGRATION, JobName.MIGRATE_ASSET.value, {"id": str(asset_id)})
    assert run_migration(container) == 1
    assert held == [0, 0]
    assert encoded_video_of(container, asset_id) == str(
        nested(container, StorageFolder.ENCODED_VIDEO, admin, f"{asset_id}.mp4")
    )
