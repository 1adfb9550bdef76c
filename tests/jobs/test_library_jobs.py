"""Library jobs on real folders: import, rescans (online/offline), exclusions, sidecars, pipeline, watcher."""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest
from sqlalchemy import select

from photonest.container import Container
from photonest.db.tables import asset, asset_exif, job
from photonest.db.types import utcnow
from photonest.jobs.names import JobName
from photonest.jobs.runner import run_pending_jobs
from photonest.jobs.schedule import current_config, library_schedules
from photonest.library_watch import LibraryWatcher
from photonest.repositories import Repositories
from photonest.services.library import LibraryJobService, path_checksum
from tests.api.test_library import ASSETS, JPG, PNG, create, library_assets, place, queued, run_library_jobs, scan
from tests.factories import Api, Caller
from tests.jobs.helpers import rows

XMP = ASSETS / "metadata/xmp/dates/2000.xmp"
pytestmark = pytest.mark.skipif(not ASSETS.is_dir(), reason="shared test assets are not available")


@pytest.fixture
def admin(api: Api) -> Caller:
    return api.admin()


@pytest.fixture
def root(tmp_path: Path) -> Path:
    folder = tmp_path / "photos"
    place(JPG, folder / "a.jpg")
    place(PNG, folder / "sub" / "b.png")
    return folder


def library_with(api: Api, admin: Caller, *paths: Path, **body: Any) -> str:
    library: dict[str, Any] = create(api, admin, ownerId=admin.id, importPaths=[str(p) for p in paths], **body)
    return str(library["id"])


def state(container: Container, library_id: str) -> dict[str, tuple[bool, bool, str]]:
    """Each asset's (offline, in the trash, status) by file name."""
    return {
        Path(path).name: (row.is_offline, row.deleted_at is not None, row.status)
        for path, row in library_assets(container, library_id).items()
    }


def extraction_ids(container: Container) -> list[str]:
    return [data["id"] for data in queued(container, "metadata-extraction")]


def clear_jobs(container: Container) -> None:
    with container.engine.begin() as conn:
        conn.execute(job.delete())


def bump(path: Path, data: bytes | None = None) -> None:
    """Change a file's content (if given) and move its mtime, as an edit would."""
    if data is not None:
        path.write_bytes(data)
    later = path.stat().st_mtime + 5
    os.utime(path, (later, later))


def test_first_scan_imports_files_as_external_assets(api: Api, admin: Caller, root: Path, container: Container) -> None:
    library_id = library_with(api, admin, root)
    scan(api, admin, library_id, container)
    found = library_assets(container, library_id)
    assert set(found) == {str(root / "a.jpg"), str(root / "sub" / "b.png")}
    row = found[str(root / "a.jpg")]
    assert row.is_external and not row.is_offline and row.owner_id == UUID(admin.id)
    assert row.checksum == path_checksum(str(root / "a.jpg"))
    assert (row.device_id, row.device_asset_id, row.original_file_name) == ("Library Import", "a.jpg", "a.jpg")
    assert row.file_modified_at.timestamp() == pytest.approx((root / "a.jpg").stat().st_mtime, abs=0.001)
    # Then metadata extraction, which chains thumbnails, as after an upload.
    jobs = queued(container, "metadata-extraction")
    assert sorted(j["id"] for j in jobs) == sorted(str(r.id) for r in found.values())
    assert {j["source"] for j in jobs} == {"upload"}
    with container.engine.connect() as conn:
        size = conn.execute(select(asset_exif.c.file_size_in_byte).where(asset_exif.c.asset_id == row.id)).scalar()
    assert size == JPG.stat().st_size


def test_rescan_with_nothing_changed_queues_no_work(api: Api, admin: Caller, root: Path, container: Container) -> None:
    library_id = library_with(api, admin, root)
    scan(api, admin, library_id, container)
    clear_jobs(container)
    scan(api, admin, library_id, container)
    assert rows(container) == []
    assert state(container, library_id) == {"a.jpg": (False, False, "active"), "b.png": (False, False, "active")}


def test_rescan_imports_added_rereads_changed_and_offlines_removed_files(
    api: Api, admin: Caller, root: Path, container: Container
) -> None:
    library_id = library_with(api, admin, root)
    scan(api, admin, library_id, container)
    before = library_assets(container, library_id)
    clear_jobs(container)
    place(JPG, root / "new" / "c.jpg")
    bump(root / "a.jpg", JPG.read_bytes() + b"\0")
    (root / "sub" / "b.png").unlink()
    scan(api, admin, library_id, container)
    after = library_assets(container, library_id)
    assert state(container, library_id) == {
        "a.jpg": (False, False, "active"),
        "b.png": (True, True, "active"),
        "c.jpg": (False, False, "active"),
    }
    assert sorted(extraction_ids(container)) == sorted(
        [str(before[str(root / "a.jpg")].id), str(after[str(root / "new" / "c.jpg")].id)]
    )
    # The same asset comes back online when its file returns.
    place(PNG, root / "sub" / "b.png")
    scan(api, admin, library_id, container)
    assert state(container, library_id)["b.png"] == (False, False, "active")
    assert (
        library_assets(container, library_id)[str(root / "sub" / "b.png")].id == before[str(root / "sub" / "b.png")].id
    )


def test_an_asset_trashed_by_the_user_stays_trashed_through_offline_and_back(
    api: Api, admin: Caller, root: Path, container: Container
) -> None:
    library_id = library_with(api, admin, root)
    scan(api, admin, library_id, container)
    target = library_assets(container, library_id)[str(root / "a.jpg")]
    response = api.request("DELETE", "/api/assets", admin, json={"ids": [str(target.id)]})
    assert response.status_code == 204
    (root / "a.jpg").unlink()
    scan(api, admin, library_id, container)
    assert state(container, library_id)["a.jpg"] == (True, True, "trashed")
    place(JPG, root / "a.jpg")
    scan(api, admin, library_id, container)
    assert state(container, library_id)["a.jpg"] == (False, True, "trashed")


def test_exclusion_patterns_skip_files_and_offline_newly_excluded_ones(
    api: Api, admin: Caller, root: Path, container: Container
) -> None:
    place(JPG, root / "@eaDir" / "thumb.jpg")
    place(JPG, root / "Raw" / "r.jpg")
    library_id = library_with(api, admin, root, exclusionPatterns=["**/@eaDir/**", "**/Raw/**"])
    scan(api, admin, library_id, container)
    assert set(state(container, library_id)) == {"a.jpg", "b.png"}
    response = api.request("PUT", f"/api/libraries/{library_id}", admin, json={"exclusionPatterns": ["**/sub/**"]})
    assert response.status_code == 200
    scan(api, admin, library_id, container)
    assert state(container, library_id) == {
        "a.jpg": (False, False, "active"),
        "b.png": (True, True, "active"),
        "thumb.jpg": (False, False, "active"),
        "r.jpg": (False, False, "active"),
    }
    api.request("PUT", f"/api/libraries/{library_id}", admin, json={"exclusionPatterns": []})
    scan(api, admin, library_id, container)
    assert state(container, library_id)["b.png"] == (False, False, "active")


def test_assets_outside_the_remaining_import_paths_go_offline(
    api: Api, admin: Caller, root: Path, tmp_path: Path, container: Container
) -> None:
    other = tmp_path / "other"
    place(PNG, other / "o.png")
    library_id = library_with(api, admin, root, other)
    scan(api, admin, library_id, container)
    assert len(state(container, library_id)) == 3
    api.request("PUT", f"/api/libraries/{library_id}", admin, json={"importPaths": [str(root)]})
    scan(api, admin, library_id, container)
    assert state(container, library_id)["o.png"] == (True, True, "active")
    assert state(container, library_id)["a.jpg"] == (False, False, "active")


def test_sidecars_next_to_files_are_found_both_ways(api: Api, admin: Caller, root: Path, container: Container) -> None:
    place(XMP, root / "a.jpg.xmp")
    place(XMP, root / "sub" / "b.xmp")
    library_id = library_with(api, admin, root)
    scan(api, admin, library_id, container)
    found = library_assets(container, library_id)
    assert found[str(root / "a.jpg")].sidecar_path == str(root / "a.jpg.xmp")
    assert found[str(root / "sub" / "b.png")].sidecar_path == str(root / "sub" / "b.xmp")
    # A sidecar that disappears is forgotten when the file changes.
    (root / "a.jpg.xmp").unlink()
    bump(root / "a.jpg")
    scan(api, admin, library_id, container)
    assert library_assets(container, library_id)[str(root / "a.jpg")].sidecar_path is None


def test_symlinks_leading_out_of_the_import_path_are_not_imported(
    api: Api, admin: Caller, root: Path, tmp_path: Path, container: Container
) -> None:
    secret = place(JPG, tmp_path / "private" / "secret.jpg")
    (root / "leak.jpg").symlink_to(secret)
    (root / "leak-dir").symlink_to(secret.parent)
    (root / "alias.png").symlink_to(root / "sub" / "b.png")
    library_id = library_with(api, admin, root)
    scan(api, admin, library_id, container)
    assert set(state(container, library_id)) == {"a.jpg", "b.png", "alias.png"}
    # A path queued by hand (as the watcher would) is checked the same way.
    with container.unit_of_work() as uow:
        LibraryJobService(container.context(uow)).sync_files(UUID(library_id), [str(root / "leak.jpg")])
    assert "leak.jpg" not in state(container, library_id)


def test_the_same_file_in_two_libraries_and_as_an_upload_gives_separate_assets(
    api: Api, admin: Caller, root: Path, container: Container
) -> None:
    first = library_with(api, admin, root)
    second = library_with(api, admin, root / "sub")
    scan(api, admin, first, container)
    scan(api, admin, second, container)
    assert set(state(container, first)) == {"a.jpg", "b.png"}
    assert set(state(container, second)) == {"b.png"}
    upload = api.request(
        "POST",
        "/api/assets",
        admin,
        data={
            "deviceAssetId": "b",
            "deviceId": "web",
            "fileCreatedAt": "2024-01-01T00:00:00.000Z",
            "fileModifiedAt": "2024-01-01T00:00:00.000Z",
        },
        files={"assetData": ("b.png", PNG.read_bytes(), "image/png")},
    )
    assert upload.status_code == 201 and upload.json()["status"] == "created"


def test_scan_all_queues_every_library_and_cleans_up_deleted_ones(
    api: Api, admin: Caller, root: Path, container: Container
) -> None:
    kept = library_with(api, admin, root)
    dropped = library_with(api, admin, root)
    with container.unit_of_work() as uow:
        Repositories(uow).libraries.soft_delete(UUID(dropped), utcnow())
    with container.unit_of_work() as uow:
        LibraryJobService(container.context(uow)).queue_scan_all()
    names = [(r["name"], r["data"].get("id")) for r in rows(container)]
    assert names == [
        ("library-queue-cleanup", None),
        ("library-queue-sync-files", kept),
        ("library-queue-sync-assets", kept),
    ]
    run_library_jobs(container)
    with container.unit_of_work() as uow:
        assert Repositories(uow).libraries.get(UUID(dropped), with_deleted=True) is None
    assert set(state(container, kept)) == {"a.jpg", "b.png"}


def test_the_scan_schedule_follows_the_system_config(api: Api, admin: Caller, container: Container) -> None:
    (schedule,) = library_schedules(current_config(container))
    assert (schedule.cron, schedule.jobs) == ("0 0 * * *", ((JobName.LIBRARY_QUEUE_SCAN_ALL, {}),))
    set_library_config(api, admin, scan={"enabled": True, "cronExpression": "0 3 * * *"})
    assert library_schedules(current_config(container))[0].cron == "0 3 * * *"
    set_library_config(api, admin, scan={"enabled": False, "cronExpression": "0 3 * * *"})
    assert library_schedules(current_config(container)) == []


def test_library_files_go_through_the_upload_pipeline(
    api: Api, admin: Caller, root: Path, container: Container
) -> None:
    place(XMP, root / "a.jpg.xmp")
    before = (root / "a.jpg").stat()
    library_id = library_with(api, admin, root)
    scan(api, admin, library_id, container)
    container.media_toolkit()
    run_pending_jobs(container)
    row = library_assets(container, library_id)[str(root / "a.jpg")]
    with container.unit_of_work() as uow:
        files = {f.type: Path(f.path) for f in Repositories(uow).assets.get_files(row.id)}
    assert {"preview", "thumbnail"} <= set(files)
    assert all(path.is_relative_to(container.storage.root) and path.is_file() for path in files.values())
    # The sidecar's date wins, and the original is left exactly as it was.
    assert row.local_date_time.year == 2000
    after = (root / "a.jpg").stat()
    assert (after.st_mtime_ns, after.st_size) == (before.st_mtime_ns, before.st_size)
    assert (root / "a.jpg").read_bytes() == JPG.read_bytes()
    assert sorted(p.name for p in root.rglob("*")) == ["a.jpg", "a.jpg.xmp", "b.png", "sub"]


def test_library_delete_works_in_batches(
    api: Api, admin: Caller, root: Path, container: Container, monkeypatch: pytest.MonkeyPatch
) -> None:
    import photonest.services.library as service

    monkeypatch.setattr(service, "DELETE_BATCH", 1)
    library_id = library_with(api, admin, root)
    scan(api, admin, library_id, container)
    assert api.request("DELETE", f"/api/libraries/{library_id}", admin).status_code == 204
    with container.engine.connect() as conn:
        hidden = conn.execute(select(asset.c.deleted_at).where(asset.c.library_id == UUID(library_id))).all()
    assert len(hidden) == 2
    run_library_jobs(container)
    assert library_assets(container, library_id) == {}
    with container.unit_of_work() as uow:
        assert Repositories(uow).libraries.get(UUID(library_id), with_deleted=True) is None


def set_library_config(api: Api, admin: Caller, **library: Any) -> None:
    config = api.request("GET", "/api/system-config", admin).json()
    config["library"].update(library)
    response = api.request("PUT", "/api/system-config", admin, json=config)
    assert response.status_code == 200, response.text


def wait_for(condition: Any, container: Container, timeout: float = 5.0) -> None:
    """Run library jobs until the condition holds, as a worker would; fail after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        run_library_jobs(container)
        if condition():
            return
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def test_watcher_imports_dropped_files_and_offlines_removed_ones(
    api: Api, admin: Caller, root: Path, container: Container
) -> None:
    library_id = library_with(api, admin, root)
    scan(api, admin, library_id, container)
    watcher = LibraryWatcher(container, debounce=0.2, refresh_interval=60)
    stop = threading.Event()
    thread = threading.Thread(target=watcher.run, args=(stop,), daemon=True)
    thread.start()
    try:
        time.sleep(0.3)
        assert watcher.watching == []
        set_library_config(api, admin, watch={"enabled": True})
        deadline = time.monotonic() + 5
        while watcher.watching != [str(root)]:
            assert time.monotonic() < deadline, "the watcher did not start"
            time.sleep(0.05)
        place(JPG, root / "dropped" / "new.jpg")
        (root / "ignored.txt").write_text("x")
        place(JPG, root / ".hidden.jpg")
        wait_for(lambda: "new.jpg" in state(container, library_id), container)
        (root / "sub" / "b.png").unlink()
        wait_for(lambda: state(container, library_id)["b.png"][0], container)
        assert set(state(container, library_id)) == {"a.jpg", "b.png", "new.jpg"}
        set_library_config(api, admin, watch={"enabled": False})
        deadline = time.monotonic() + 5
        while watcher.watching:
            assert time.monotonic() < deadline, "the watcher did not stop"
            time.sleep(0.05)
    finally:
        stop.set()
        thread.join(5)
    assert not thread.is_alive()


def test_watcher_events_are_debounced_into_one_job(container: Container, api: Api, admin: Caller, root: Path) -> None:
    library_id = UUID(library_with(api, admin, root))
    watcher = LibraryWatcher(container, debounce=10)
    for _ in range(3):
        watcher.note(library_id, changed=str(root / "a.jpg"))
    watcher.note(library_id, removed=str(root / "gone.jpg"))
    assert watcher.flush() == 0
    assert watcher.flush(force=True) == 1
    # Another worker process seeing the same events adds nothing while the first batch waits.
    other = LibraryWatcher(container, debounce=10)
    other.note(library_id, changed=str(root / "a.jpg"))
    other.note(library_id, removed=str(root / "gone.jpg"))
    assert other.flush(force=True) == 1
    names = [(r["name"], r["data"]) for r in rows(container)]
    assert names == [
        ("library-sync-files", {"libraryId": str(library_id), "paths": [str(root / "a.jpg")]}),
        ("handle-library-file-deletion", {"libraryId": str(library_id), "paths": [str(root / "gone.jpg")]}),
    ]


def test_removal_only_offlines_files_really_gone(api: Api, admin: Caller, root: Path, container: Container) -> None:
    library_id = library_with(api, admin, root)
    scan(api, admin, library_id, container)
    with container.unit_of_work() as uow:
        LibraryJobService(container.context(uow)).remove_files(UUID(library_id), [str(root / "a.jpg")])
    assert state(container, library_id)["a.jpg"] == (False, False, "active")
    (root / "a.jpg").unlink()
    with container.unit_of_work() as uow:
        LibraryJobService(container.context(uow)).remove_files(UUID(library_id), [str(root / "a.jpg")])
    assert state(container, library_id)["a.jpg"] == (True, True, "active")
