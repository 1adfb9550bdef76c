"""Migration queue handlers: move each asset's and person's derived files to the current layout."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from photonest.jobs.names import JobName, JobStatus
from photonest.jobs.registry import job_handler
from photonest.services.base import ServiceContext
from photonest.services.file_migration import FileMigrationService


@job_handler(JobName.QUEUE_MIGRATION)
def queue_migration(ctx: ServiceContext, data: dict[str, Any]) -> JobStatus:
    return FileMigrationService(ctx).queue_all()


@job_handler(JobName.MIGRATE_ASSET)
def migrate_asset(ctx: ServiceContext, data: dict[str, Any]) -> JobStatus:
    return FileMigrationService(ctx).migrate_asset(UUID(data["id"]))


@job_handler(JobName.MIGRATE_PERSON)
def migrate_person(ctx: ServiceContext, data: dict[str, Any]) -> JobStatus:
    return FileMigrationService(ctx).migrate_person(UUID(data["id"]))
