"""External libraries: admin CRUD, validation, statistics and the scan jobs (`library.service.ts`)."""

from __future__ import annotations

import hashlib
import logging
import os
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from photonest.db.types import utcnow
from photonest.errors import BadRequest
from photonest.jobs.names import JOB_QUEUE, JobName, JobStatus
from photonest.records import Library
from photonest.repositories.library import LibraryAsset
from photonest.schemas import generated as g
from photonest.schemas import library as lib
from photonest.schemas.library import map_library
from photonest.services.asset import AssetJobService
from photonest.services.base import BaseService
from photonest.storage.library_scan import (
    DEFAULT_EXCLUSION_PATTERNS,
    PAGE_SIZE,
    LibraryScope,
    check_import_path,
    find_sidecar,
    is_video_file,
    stat_library_file,
    walk_library,
)

log = logging.getLogger(__name__)

DEVICE_ID = "Library Import"
DEFAULT_NAME = "New External Library"
# Assets removed inline per `library-delete` run; the job queues itself again while assets remain.
DELETE_BATCH = 1000
# Metadata extraction with this source chains thumbnails (and video conversion) as after an upload.
NEW_FILE_SOURCE = "upload"


def path_checksum(path: str) -> bytes:
    """A library asset's checksum: SHA-1 of `path:<path>` (upstream does not read library files to hash them)."""
    return hashlib.sha1(f"path:{path}".encode()).digest()


def _millis(value: datetime) -> int:
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return int(value.timestamp() * 1000)


def _mtime(stat: os.stat_result) -> datetime:
    return datetime.fromtimestamp(stat.st_mtime_ns // 1_000_000 / 1000, tz=UTC)


class LibraryService(BaseService):
    """The admin's view of external libraries."""

    def get_all(self) -> list[g.LibraryResponseDto]:
        libraries = self.repos.libraries.get_all()
        counts = self.repos.libraries.asset_counts(found.id for found in libraries)
        return [map_library(found, counts.get(found.id, 0)) for found in libraries]

    def get(self, library_id: UUID) -> g.LibraryResponseDto:
        return self._map(self._find(library_id))

    def create(self, dto: lib.CreateLibraryDto) -> g.LibraryResponseDto:
        if self.repos.users.get(dto.owner_id) is None:
            raise BadRequest("User not found")
        created = self.repos.libraries.create(
            {
                "owner_id": dto.owner_id,
                "name": dto.name if dto.name is not None else DEFAULT_NAME,
                "import_paths": dto.import_paths if dto.import_paths is not None else [],
                "exclusion_patterns": (
                    dto.exclusion_patterns if dto.exclusion_patterns is not None else DEFAULT_EXCLUSION_PATTERNS
                ),
            }
        )
        return map_library(created, 0)

    def update(self, library_id: UUID, dto: lib.UpdateLibraryDto) -> g.LibraryResponseDto:
        self._find(library_id)
        if dto.import_paths is not None:
            for check in self._check_paths(dto.import_paths):
                if not check.is_valid:
                    raise BadRequest(f"Invalid import path: {check.message}")
        changes: dict[str, Any] = {}
        for name in ("name", "import_paths", "exclusion_patterns"):
            if getattr(dto, name) is not None:
                changes[name] = getattr(dto, name)
        updated = self.repos.libraries.update(library_id, {**changes, "updated_at": utcnow()})
        return self._map(updated)

    def delete(self, library_id: UUID) -> None:
        self._find(library_id)
        self.repos.libraries.soft_delete(library_id, utcnow())
        self.queue_job(JobName.LIBRARY_DELETE, {"id": str(library_id)})

    def validate(self, library_id: UUID, dto: lib.ValidateLibraryDto) -> g.ValidateLibraryResponseDto:
        """Check each import path; upstream answers for any id, the library itself is not read."""
        return g.ValidateLibraryResponseDto(import_paths=self._check_paths(dto.import_paths or []))

    def get_statistics(self, library_id: UUID) -> g.LibraryStatsResponseDto:
        if self.repos.libraries.get(library_id) is None:
            raise BadRequest(f"Library {library_id} not found")
        stats = self.repos.libraries.statistics(library_id)
        return g.LibraryStatsResponseDto(
            photos=stats.photos, videos=stats.videos, total=stats.photos + stats.videos, usage=stats.usage
        )

    def queue_scan(self, library_id: UUID) -> None:
        self._find(library_id)
        self.queue_job(JobName.LIBRARY_QUEUE_SYNC_FILES, {"id": str(library_id)})
        self.queue_job(JobName.LIBRARY_QUEUE_SYNC_ASSETS, {"id": str(library_id)})

    def _check_paths(self, paths: Sequence[str]) -> list[g.ValidateLibraryImportPathResponseDto]:
        root = self.ctx.storage.root
        answers = []
        for path in paths:
            check = check_import_path(path, root)
            answer = g.ValidateLibraryImportPathResponseDto(import_path=check.import_path, is_valid=check.is_valid)
            if check.message is not None:
                answer.message = check.message
            answers.append(answer)
        return answers

    def _map(self, found: Library) -> g.LibraryResponseDto:
        return map_library(found, self.repos.libraries.asset_counts([found.id]).get(found.id, 0))

    def _find(self, library_id: UUID) -> Library:
        found = self.repos.libraries.get(library_id)
        if found is None:
            raise BadRequest("Library not found")
        return found


class LibraryJobService(BaseService):
    """The library queue: crawl import paths, import new files, check known ones, delete libraries."""

    def queue_scan_all(self) -> JobStatus:
        self.queue_job(JobName.LIBRARY_QUEUE_CLEANUP)
        for found in self.repos.libraries.get_all():
            self.queue_job(JobName.LIBRARY_QUEUE_SYNC_FILES, {"id": str(found.id)})
            self.queue_job(JobName.LIBRARY_QUEUE_SYNC_ASSETS, {"id": str(found.id)})
        return JobStatus.SUCCESS

    def queue_cleanup(self) -> JobStatus:
        for found in self.repos.libraries.list_deleted():
            self.queue_job(JobName.LIBRARY_DELETE, {"id": str(found.id)})
        return JobStatus.SUCCESS

    def queue_sync_files(self, library_id: UUID) -> JobStatus:
        """Crawl the valid import paths page by page and queue the import of the files the library lacks."""
        found = self.repos.libraries.get(library_id)
        if found is None:
            return JobStatus.SKIPPED
        valid = []
        for path in found.import_paths:
            check = check_import_path(path, self.ctx.storage.root)
            if check.is_valid:
                valid.append(path)
            else:
                log.warning("Skipping invalid import path %s of library %s: %s", path, library_id, check.message)
        if not valid:
            return JobStatus.SKIPPED
        scope = LibraryScope.of(valid, found.exclusion_patterns, self.ctx.storage.root)
        crawled = 0
        for page in walk_library(scope, PAGE_SIZE):
            crawled += len(page)
            known = self.repos.libraries.existing_paths(library_id, page)
            paths = [path for path in page if path not in known]
            if paths:
                self.queue_job(
                    JobName.LIBRARY_SYNC_FILES,
                    {"libraryId": str(library_id), "paths": paths, "progressCounter": crawled},
                )
            # Let the imports start while the crawl goes on, and hold no transaction (nor lock) while crawling.
            self.release_transaction()
        self.repos.libraries.update(library_id, {"refreshed_at": utcnow()})
        log.info("Crawled %d file(s) of library %s", crawled, library_id)
        return JobStatus.SUCCESS

    def sync_files(self, library_id: UUID, paths: Sequence[str]) -> JobStatus:
        """Import new files as assets of the library's owner; check the ones the library already has."""
        found = self.repos.libraries.get(library_id)
        if found is None:
            return JobStatus.SKIPPED
        scope = LibraryScope.of(found.import_paths, found.exclusion_patterns, self.ctx.storage.root)
        wanted = list(dict.fromkeys(os.path.normpath(path) for path in paths if scope.wants(path)))
        existing = {a.original_path: a for a in self.repos.libraries.get_assets_by_path(library_id, wanted)}
        self.release_transaction()
        rows, sizes = [], {}
        for path in wanted:
            if path in existing:
                continue
            stat = stat_library_file(path, scope)
            if stat is None:
                continue
            row = self._new_asset(found, path, stat)
            sizes[row["id"]] = stat.st_size
            rows.append(row)
        self._check_existing(scope, list(existing.values()))
        created = self.repos.libraries.insert_assets(rows)
        self.repos.libraries.upsert_file_sizes({asset_id: sizes[asset_id] for asset_id in created})
        self._queue_extraction(created)
        log.info("Imported %d file(s) into library %s", len(created), library_id)
        return JobStatus.SUCCESS

    def queue_sync_assets(self, library_id: UUID) -> JobStatus:
        """Offline the assets now outside the import paths or excluded; queue a disk check of the others."""
        found = self.repos.libraries.get(library_id)
        if found is None:
            return JobStatus.SKIPPED
        total = self.repos.libraries.count_assets(library_id)
        if not total:
            return JobStatus.SUCCESS
        scope = LibraryScope.of(found.import_paths, found.exclusion_patterns, self.ctx.storage.root)
        after: UUID | None = None
        checked = 0
        while page := self.repos.libraries.asset_page(library_id, after, PAGE_SIZE):
            after = page[-1][0]
            outside = [asset_id for asset_id, path, offline in page if not offline and not scope.wants(path)]
            if outside:
                self.repos.libraries.set_offline(outside, utcnow())
            gone = set(outside)
            ids = [str(asset_id) for asset_id, _, _ in page if asset_id not in gone]
            checked += len(page)
            if ids:
                data = {
                    "libraryId": str(library_id),
                    "importPaths": list(found.import_paths),
                    "exclusionPatterns": list(found.exclusion_patterns),
                    "assetIds": ids,
                    "progressCounter": checked,
                    "totalAssets": total,
                }
                self.queue_job(JobName.LIBRARY_SYNC_ASSETS, data)
        return JobStatus.SUCCESS

    def sync_assets(self, data: dict[str, Any]) -> JobStatus:
        """Compare known assets with the disk: offline the missing, online the returned, re-read the changed."""
        library_id = UUID(data["libraryId"])
        scope = LibraryScope.of(data.get("importPaths", []), data.get("exclusionPatterns", []), self.ctx.storage.root)
        assets = self.repos.libraries.get_assets(library_id, [UUID(i) for i in data.get("assetIds", [])])
        self.release_transaction()
        self._check_existing(scope, assets)
        return JobStatus.SUCCESS

    def remove_files(self, library_id: UUID, paths: Sequence[str]) -> JobStatus:
        """Files the watcher saw disappear: their assets go offline, as a scan would find them."""
        normal = [os.path.normpath(path) for path in paths]
        assets = self.repos.libraries.get_assets_by_path(library_id, normal)
        missing = [a.id for a in assets if not a.is_offline and not os.path.exists(a.original_path)]
        if missing:
            self.repos.libraries.set_offline(missing, utcnow())
        return JobStatus.SUCCESS

    def delete_library(self, library_id: UUID) -> JobStatus:
        """Delete the library's assets with their derived files (never the originals), then the library."""
        found = self.repos.libraries.get(library_id, with_deleted=True)
        if found is None:
            return JobStatus.SKIPPED
        self.repos.libraries.trash_all(library_id, utcnow())
        ids = self.repos.libraries.asset_ids(library_id, DELETE_BATCH)
        assets = AssetJobService(self.ctx)
        for asset_id in ids:
            assets.delete(asset_id, delete_on_disk=True)
        if len(ids) >= DELETE_BATCH:
            self.queue_job(JobName.LIBRARY_DELETE, {"id": str(library_id)})
            return JobStatus.SUCCESS
        self.repos.libraries.delete(library_id)
        return JobStatus.SUCCESS

    def queue_watch_events(
        self,
        library_id: UUID,
        changed: Sequence[str],
        removed: Sequence[str],
        *,
        crawl: bool = False,
        check: bool = False,
    ) -> None:
        """Queue the work for files the watcher saw appear, change or disappear (and for whole folders).

        Every worker process watches, so each job is keyed by what it covers: the same batch seen by several
        processes is queued once while it waits.
        """
        jobs: list[tuple[JobName, dict[str, Any]]] = []
        if crawl:
            jobs.append((JobName.LIBRARY_QUEUE_SYNC_FILES, {"id": str(library_id)}))
        if check:
            jobs.append((JobName.LIBRARY_QUEUE_SYNC_ASSETS, {"id": str(library_id)}))
        if changed:
            jobs.append((JobName.LIBRARY_SYNC_FILES, {"libraryId": str(library_id), "paths": list(changed)}))
        if removed:
            jobs.append((JobName.LIBRARY_ASSET_REMOVAL, {"libraryId": str(library_id), "paths": list(removed)}))
        for name, data in jobs:
            digest = hashlib.sha1("\0".join(sorted(data.get("paths", []))).encode()).hexdigest()
            self.queue_job(name, data, job_key=f"watch:{name.value}:{library_id}:{digest}")

    # --- internals ---

    def _new_asset(self, found: Library, path: str, stat: os.stat_result) -> dict[str, Any]:
        mtime = _mtime(stat)
        name = os.path.basename(path)
        return {
            "id": uuid.uuid4(),
            "owner_id": found.owner_id,
            "library_id": found.id,
            "checksum": path_checksum(path),
            "original_path": path,
            "original_file_name": name,
            "device_asset_id": "".join(name.split()),
            "device_id": DEVICE_ID,
            "type": g.AssetTypeEnum.VIDEO.value if is_video_file(path) else g.AssetTypeEnum.IMAGE.value,
            "file_created_at": mtime,
            "file_modified_at": mtime,
            "local_date_time": mtime,
            "is_external": True,
            "is_offline": False,
            "is_favorite": False,
            "sidecar_path": find_sidecar(path),
            "status": "active",
            "visibility": g.AssetVisibility.TIMELINE.value,
            "encoded_video_path": "",
        }

    def _check_existing(self, scope: LibraryScope, assets: Sequence[LibraryAsset]) -> None:
        """Upstream's `checkExistingAsset` for each asset, then one update per outcome."""
        offline, online, changed = [], [], []
        for found in assets:
            stat = stat_library_file(found.original_path, scope)
            if stat is None:
                if not found.is_offline:
                    offline.append(found.id)
            elif found.is_offline:
                if found.status != "deleted" and scope.wants(found.original_path):
                    online.append(found.id)
            elif (
                _millis(found.file_modified_at) != stat.st_mtime_ns // 1_000_000
                or found.file_size is None
                or found.file_size != stat.st_size
            ):
                changed.append(found)
        if offline:
            self.repos.libraries.set_offline(offline, utcnow())
        if online:
            self.repos.libraries.set_online(online)
        if changed:
            self.repos.libraries.set_sidecar_paths(
                {
                    a.id: find_sidecar(a.original_path)
                    for a in changed
                    if find_sidecar(a.original_path) != a.sidecar_path
                }
            )
            self._queue_extraction([a.id for a in changed])

    def _queue_extraction(self, asset_ids: Sequence[UUID]) -> None:
        if not asset_ids:
            return
        name = JobName.METADATA_EXTRACTION
        datas = [{"id": str(asset_id), "source": NEW_FILE_SOURCE} for asset_id in asset_ids]
        self.repos.libraries.enqueue_many(JOB_QUEUE[name].value, name.value, datas)
        self.after_commit(self.ctx.bus.jobs_queued)
