"""Storage template queue handlers: one asset after its metadata, or every asset on request."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from photonest.jobs.names import JobName, JobStatus
from photonest.jobs.registry import job_handler
from photonest.services.base import ServiceContext
from photonest.services.storage_template import StorageTemplateService


@job_handler(JobName.STORAGE_TEMPLATE_MIGRATION_SINGLE)
def storage_template_migration_single(ctx: ServiceContext, data: dict[str, Any]) -> JobStatus:
    return StorageTemplateService(ctx).migrate_single(UUID(data["id"]), data.get("source"))


@job_handler(JobName.STORAGE_TEMPLATE_MIGRATION)
def storage_template_migration(ctx: ServiceContext, data: dict[str, Any]) -> JobStatus:
    return StorageTemplateService(ctx).migrate_all()
