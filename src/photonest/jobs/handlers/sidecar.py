"""Sidecar queue handlers: queue all, discovery of new sidecars and re-checks of known ones."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from photonest.jobs.names import JobName, JobStatus
from photonest.jobs.registry import job_handler
from photonest.services.base import ServiceContext
from photonest.services.sidecar import SidecarService


@job_handler(JobName.QUEUE_SIDECAR)
def queue_sidecar(ctx: ServiceContext, data: dict[str, Any]) -> JobStatus:
    return SidecarService(ctx).queue_all(force=bool(data.get("force")))


@job_handler(JobName.SIDECAR_DISCOVERY)
def sidecar_discovery(ctx: ServiceContext, data: dict[str, Any]) -> JobStatus:
    return SidecarService(ctx).discover(UUID(data["id"]))


@job_handler(JobName.SIDECAR_SYNC)
def sidecar_sync(ctx: ServiceContext, data: dict[str, Any]) -> JobStatus:
    return SidecarService(ctx).sync(UUID(data["id"]))
