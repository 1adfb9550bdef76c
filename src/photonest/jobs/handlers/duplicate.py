"""Handlers of the duplicate detection jobs."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from photonest.jobs.names import JobName, JobStatus
from photonest.jobs.registry import job_handler
from photonest.services.base import ServiceContext
from photonest.services.duplicate import DuplicateService


@job_handler(JobName.QUEUE_DUPLICATE_DETECTION)
def queue_duplicate_detection(ctx: ServiceContext, data: dict[str, Any]) -> JobStatus:
    return DuplicateService(ctx).queue_detect_all(force=bool(data.get("force")))


@job_handler(JobName.DUPLICATE_DETECTION)
def duplicate_detection(ctx: ServiceContext, data: dict[str, Any]) -> JobStatus:
    return DuplicateService(ctx).detect(UUID(data["id"]))
