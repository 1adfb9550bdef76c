"""Handlers of the per-asset pipeline: metadata → thumbnails → video conversion, sidecars, deletion."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from photonest.jobs.names import JobName, JobStatus
from photonest.jobs.registry import job_handler
from photonest.services.asset import AssetJobService
from photonest.services.base import ServiceContext
from photonest.services.media import MediaService
from photonest.services.metadata import MetadataService
from photonest.services.trash import TrashService


@job_handler(JobName.METADATA_EXTRACTION)
def metadata_extraction(ctx: ServiceContext, data: dict[str, Any]) -> JobStatus:
    return MetadataService(ctx).extract(UUID(data["id"]), data.get("source"))


@job_handler(JobName.SIDECAR_WRITE)
def sidecar_write(ctx: ServiceContext, data: dict[str, Any]) -> JobStatus:
    return MetadataService(ctx).write_sidecar(data)


@job_handler(JobName.GENERATE_THUMBNAILS)
def generate_thumbnails(ctx: ServiceContext, data: dict[str, Any]) -> JobStatus:
    return MediaService(ctx).generate_thumbnails(UUID(data["id"]), data.get("source"))


@job_handler(JobName.VIDEO_CONVERSION)
def video_conversion(ctx: ServiceContext, data: dict[str, Any]) -> JobStatus:
    return MediaService(ctx).convert_video(UUID(data["id"]))


@job_handler(JobName.ASSET_DELETION)
def asset_deletion(ctx: ServiceContext, data: dict[str, Any]) -> JobStatus:
    return AssetJobService(ctx).delete(UUID(data["id"]), delete_on_disk=data.get("deleteOnDisk", True))


@job_handler(JobName.ASSET_DELETION_CHECK)
def asset_deletion_check(ctx: ServiceContext, data: dict[str, Any]) -> JobStatus:
    return AssetJobService(ctx).delete_expired_trash()


@job_handler(JobName.DELETE_FILES)
def delete_files(ctx: ServiceContext, data: dict[str, Any]) -> JobStatus:
    return AssetJobService(ctx).delete_files(list(data.get("files", [])))


@job_handler(JobName.QUEUE_TRASH_EMPTY)
def queue_trash_empty(ctx: ServiceContext, data: dict[str, Any]) -> JobStatus:
    TrashService(ctx).queue_deletions()
    return JobStatus.SUCCESS


@job_handler(JobName.QUEUE_GENERATE_THUMBNAILS)
def queue_generate_thumbnails(ctx: ServiceContext, data: dict[str, Any]) -> JobStatus:
    return AssetJobService(ctx).queue_all(JobName.GENERATE_THUMBNAILS, force=bool(data.get("force")))


@job_handler(JobName.QUEUE_METADATA_EXTRACTION)
def queue_metadata_extraction(ctx: ServiceContext, data: dict[str, Any]) -> JobStatus:
    return AssetJobService(ctx).queue_all(JobName.METADATA_EXTRACTION, force=bool(data.get("force")))


@job_handler(JobName.QUEUE_VIDEO_CONVERSION)
def queue_video_conversion(ctx: ServiceContext, data: dict[str, Any]) -> JobStatus:
    return AssetJobService(ctx).queue_all(JobName.VIDEO_CONVERSION, force=bool(data.get("force")))
