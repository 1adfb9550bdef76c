"""Handlers of the CLIP embedding jobs."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from photonest.jobs.names import JobName, JobStatus
from photonest.jobs.registry import job_handler
from photonest.services.base import ServiceContext
from photonest.services.smart_info import SmartInfoService


@job_handler(JobName.QUEUE_SMART_SEARCH)
def queue_smart_search(ctx: ServiceContext, data: dict[str, Any]) -> JobStatus:
    return SmartInfoService(ctx).queue_encode_all(force=bool(data.get("force")))


@job_handler(JobName.SMART_SEARCH)
def smart_search(ctx: ServiceContext, data: dict[str, Any]) -> JobStatus:
    return SmartInfoService(ctx).encode(UUID(data["id"]), data.get("source"))
