"""The sidecar queue: queue-all, discovery of new XMP sidecars and re-checks of known ones, on real files."""

from __future__ import annotations

import shutil
import uuid
from datetime import timedelta
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest

from photonest.container import Container
from photonest.jobs.names import JobName, QueueName
from photonest.jobs.registry import load_handlers
from photonest.jobs.runner import Worker, WorkerOptions
from photonest.repositories import Repositories
from tests.api.test_library import queued
from tests.factories import Api, Caller, make_asset
from tests.jobs.helpers import enqueue, rows, state

ASSETS = Path("/work/shared/test-assets")
JPG = ASSETS / "metadata/dates/time-created.jpg"
XMP = ASSETS / "metadata/xmp/dates/2000.xmp"
SIDECAR = QueueName.SIDECAR.value
pytestmark = pytest.mark.skipif(not ASSETS.is_dir(), reason="shared test assets are not available")


@pytest.fixture
def admin(api: Api) -> Caller:
    return api.admin()


@pytest.fixture
def photos(tmp_path: Path) -> Path:
    folder = tmp_path / "photos"
    folder.mkdir()
    return folder


def photo(container: Container, owner: Caller, path: Path, **values: Any) -> UUID:
    """An asset whose original is a copy of the test JPEG at `path`."""
    shutil.copyfile(JPG, path)
    asset_id = uuid.uuid4()
    make_asset(container, owner, id=asset_id, original_path=str(path), original_file_name=path.name, **values)
    return asset_id


def run_sidecar_queue(container: Container, max_jobs: int | None = None) -> int:
    """Run the sidecar queue's jobs in this thread; the jobs they queue elsewhere stay waiting."""
    options = WorkerOptions(queues=frozenset({QueueName.SIDECAR}), retry_backoff=timedelta(0))
    return Worker(container, load_handlers(), options).run_pending(max_jobs)


def sidecar_of(container: Container, asset_id: UUID) -> str | None:
    with container.unit_of_work() as uow:
        found = Repositories(uow).assets.get(asset_id)
    assert found is not None
    return found.sidecar_path


def run_one(container: Container, name: JobName, asset_id: UUID) -> None:
    enqueue(container, SIDECAR, name.value, {"id": str(asset_id)})
    assert run_sidecar_queue(container) == 1


def test_queue_all_discovers_for_visible_assets_without_a_sidecar(
    admin: Caller, photos: Path, container: Container
) -> None:
    plain = photo(container, admin, photos / "a.jpg")
    photo(container, admin, photos / "b.jpg", sidecar_path=str(photos / "b.jpg.xmp"))
    photo(container, admin, photos / "c.jpg", visibility="hidden")
    enqueue(container, SIDECAR, JobName.QUEUE_SIDECAR.value, {"force": False})
    assert run_sidecar_queue(container, max_jobs=1) == 1
    assert queued(container, "sidecar-discovery") == [{"id": str(plain)}]
    assert queued(container, "sidecar-sync") == []


def test_queue_all_with_force_syncs_every_visible_asset(admin: Caller, photos: Path, container: Container) -> None:
    plain = photo(container, admin, photos / "a.jpg")
    with_sidecar = photo(container, admin, photos / "b.jpg", sidecar_path=str(photos / "b.jpg.xmp"))
    photo(container, admin, photos / "c.jpg", visibility="hidden")
    enqueue(container, SIDECAR, JobName.QUEUE_SIDECAR.value, {"force": True})
    assert run_sidecar_queue(container, max_jobs=1) == 1
    assert sorted(job["id"] for job in queued(container, "sidecar-sync")) == sorted([str(plain), str(with_sidecar)])
    assert queued(container, "sidecar-discovery") == []


def test_discovery_prefers_the_name_with_the_extension_and_rereads_metadata(
    admin: Caller, photos: Path, container: Container
) -> None:
    asset_id = photo(container, admin, photos / "a.jpg")
    shutil.copyfile(XMP, photos / "a.jpg.xmp")
    shutil.copyfile(XMP, photos / "a.xmp")
    run_one(container, JobName.SIDECAR_DISCOVERY, asset_id)
    assert sidecar_of(container, asset_id) == str(photos / "a.jpg.xmp")
    # Upstream queues the extraction with the sidecar job's own data: no source, so no thumbnails follow.
    assert queued(container, "metadata-extraction") == [{"id": str(asset_id)}]
    assert state(container, SIDECAR).completed == 1


def test_discovery_finds_the_name_without_the_extension(admin: Caller, photos: Path, container: Container) -> None:
    asset_id = photo(container, admin, photos / "a.jpg")
    shutil.copyfile(XMP, photos / "a.xmp")
    run_one(container, JobName.SIDECAR_DISCOVERY, asset_id)
    assert sidecar_of(container, asset_id) == str(photos / "a.xmp")


def test_discovery_without_a_sidecar_changes_nothing(admin: Caller, photos: Path, container: Container) -> None:
    asset_id = photo(container, admin, photos / "a.jpg")
    # Neither a folder nor a dangling link is a readable sidecar.
    (photos / "a.jpg.xmp").mkdir()
    (photos / "a.xmp").symlink_to(photos / "gone.xmp")
    run_one(container, JobName.SIDECAR_DISCOVERY, asset_id)
    assert sidecar_of(container, asset_id) is None
    assert queued(container, "metadata-extraction") == []
    assert (state(container, SIDECAR).completed, state(container, SIDECAR).failed) == (1, 0)


def test_discovery_leaves_hidden_assets_and_known_sidecars_alone(
    admin: Caller, photos: Path, container: Container
) -> None:
    hidden = photo(container, admin, photos / "a.jpg", visibility="hidden")
    known = photo(container, admin, photos / "b.jpg", sidecar_path=str(photos / "b.xmp"))
    shutil.copyfile(XMP, photos / "a.jpg.xmp")
    shutil.copyfile(XMP, photos / "b.jpg.xmp")
    run_one(container, JobName.SIDECAR_DISCOVERY, hidden)
    run_one(container, JobName.SIDECAR_DISCOVERY, known)
    assert (sidecar_of(container, hidden), sidecar_of(container, known)) == (None, str(photos / "b.xmp"))
    assert queued(container, "metadata-extraction") == []


def test_discovery_rechecks_external_assets(admin: Caller, photos: Path, container: Container) -> None:
    asset_id = photo(container, admin, photos / "a.jpg", is_external=True, sidecar_path=str(photos / "a.xmp"))
    shutil.copyfile(XMP, photos / "a.jpg.xmp")
    run_one(container, JobName.SIDECAR_DISCOVERY, asset_id)
    assert sidecar_of(container, asset_id) == str(photos / "a.jpg.xmp")


def test_sync_sets_changes_and_clears_the_sidecar(admin: Caller, photos: Path, container: Container) -> None:
    asset_id = photo(container, admin, photos / "a.jpg")
    shutil.copyfile(XMP, photos / "a.xmp")
    run_one(container, JobName.SIDECAR_SYNC, asset_id)
    assert sidecar_of(container, asset_id) == str(photos / "a.xmp")
    shutil.copyfile(XMP, photos / "a.jpg.xmp")
    run_one(container, JobName.SIDECAR_SYNC, asset_id)
    assert sidecar_of(container, asset_id) == str(photos / "a.jpg.xmp")
    # Unchanged: the metadata is still read again, as a forced sync asks.
    run_one(container, JobName.SIDECAR_SYNC, asset_id)
    assert sidecar_of(container, asset_id) == str(photos / "a.jpg.xmp")
    (photos / "a.jpg.xmp").unlink()
    (photos / "a.xmp").unlink()
    run_one(container, JobName.SIDECAR_SYNC, asset_id)
    assert sidecar_of(container, asset_id) is None
    assert queued(container, "metadata-extraction") == [{"id": str(asset_id)}] * 4
    # Nothing before and nothing now: nothing to re-read.
    run_one(container, JobName.SIDECAR_SYNC, asset_id)
    assert len(queued(container, "metadata-extraction")) == 4


def test_jobs_for_missing_assets_are_skipped(container: Container) -> None:
    for name in (JobName.SIDECAR_DISCOVERY, JobName.SIDECAR_SYNC):
        enqueue(container, SIDECAR, name.value, {"id": str(uuid.uuid4())})
    assert run_sidecar_queue(container) == 2
    assert (state(container, SIDECAR).completed, state(container, SIDECAR).failed) == (2, 0)
    assert rows(container) == []


def test_a_discovered_sidecar_date_reaches_the_asset(admin: Caller, photos: Path, container: Container) -> None:
    asset_id = photo(container, admin, photos / "a.jpg")
    shutil.copyfile(XMP, photos / "a.jpg.xmp")
    enqueue(container, SIDECAR, JobName.SIDECAR_DISCOVERY.value, {"id": str(asset_id)})
    container.media_toolkit()
    options = WorkerOptions(
        queues=frozenset({QueueName.SIDECAR, QueueName.METADATA_EXTRACTION}), retry_backoff=timedelta(0)
    )
    assert Worker(container, load_handlers(), options).run_pending() == 2
    with container.unit_of_work() as uow:
        exif = Repositories(uow).assets.get_exif(asset_id)
    assert exif is not None and exif["date_time_original"].year == 2000
    # The original and its sidecar are only read.
    assert (photos / "a.jpg").read_bytes() == JPG.read_bytes()
    assert (photos / "a.jpg.xmp").read_bytes() == XMP.read_bytes()


def test_an_unparsable_sidecar_does_not_stop_the_metadata(admin: Caller, photos: Path, container: Container) -> None:
    asset_id = photo(container, admin, photos / "a.jpg")
    (photos / "a.jpg.xmp").write_bytes(b"\x00\x01 not XML at all")
    enqueue(container, SIDECAR, JobName.SIDECAR_DISCOVERY.value, {"id": str(asset_id)})
    container.media_toolkit()
    options = WorkerOptions(
        queues=frozenset({QueueName.SIDECAR, QueueName.METADATA_EXTRACTION}), retry_backoff=timedelta(0)
    )
    assert Worker(container, load_handlers(), options).run_pending() == 2
    assert sidecar_of(container, asset_id) == str(photos / "a.jpg.xmp")
    assert state(container, QueueName.METADATA_EXTRACTION.value).failed == 0
    with container.unit_of_work() as uow:
        exif = Repositories(uow).assets.get_exif(asset_id)
    assert exif is not None and exif["make"] == "Canon"
