"""Library queue handlers: scan all, crawl, import, check, watcher removals, deletion."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from photonest.jobs.names import JobName, JobStatus
from photonest.jobs.registry import job_handler
from photonest.services.base import ServiceContext
from photonest.services.library import LibraryJobService


@job_handler(JobName.LIBRARY_QUEUE_SCAN_ALL)
def library_queue_scan_all(ctx: ServiceContext, data: dict[str, Any]) -> JobStatus:
    return LibraryJobService(ctx).queue_scan_all()


@job_handler(JobName.LIBRARY_QUEUE_CLEANUP)
def library_queue_cleanup(ctx: ServiceContext, data: dict[str, Any]) -> JobStatus:
    return LibraryJobService(ctx).queue_cleanup()


@job_handler(JobName.LIBRARY_QUEUE_SYNC_FILES)
def library_queue_sync_files(ctx: ServiceContext, data: dict[str, Any]) -> JobStatus:
    return LibraryJobService(ctx).queue_sync_files(UUID(data["id"]))


@job_handler(JobName.LIBRARY_SYNC_FILES)
def library_sync_files(ctx: ServiceContext, data: dict[str, Any]) -> JobStatus:
    return LibraryJobService(ctx).sync_files(UUID(data["libraryId"]), list(data.get("paths", [])))


@job_handler(JobName.LIBRARY_QUEUE_SYNC_ASSETS)
def library_queue_sync_assets(ctx: ServiceContext, data: dict[str, Any]) -> JobStatus:
    return LibraryJobService(ctx).queue_sync_assets(UUID(data["id"]))


@job_handler(JobName.LIBRARY_SYNC_ASSETS)
def library_sync_assets(ctx: ServiceContext, data: dict[str, Any]) -> JobStatus:
    return LibraryJobService(ctx).sync_assets(data)


@job_handler(JobName.LIBRARY_ASSET_REMOVAL)
def library_asset_removal(ctx: ServiceContext, data: dict[str, Any]) -> JobStatus:
    return LibraryJobService(ctx).remove_files(UUID(data["libraryId"]), list(data.get("paths", [])))


@job_handler(JobName.LIBRARY_DELETE)
def library_delete(ctx: ServiceContext, data: dict[str, Any]) -> JobStatus:
    return LibraryJobService(ctx).delete_library(UUID(data["id"]))
