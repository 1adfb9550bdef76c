"""Nightly memory jobs: make the on-this-day memories and prune old unsaved ones."""

from __future__ import annotations

from typing import Any

from photonest.jobs.names import JobName, JobStatus
from photonest.jobs.registry import job_handler
from photonest.services.base import ServiceContext
from photonest.services.memory import MemoryService


@job_handler(JobName.MEMORIES_CREATE)
def memories_create(ctx: ServiceContext, data: dict[str, Any]) -> JobStatus:
    MemoryService(ctx).create_memories()
    return JobStatus.SUCCESS


@job_handler(JobName.MEMORIES_CLEANUP)
def memories_cleanup(ctx: ServiceContext, data: dict[str, Any]) -> JobStatus:
    MemoryService(ctx).cleanup_memories()
    return JobStatus.SUCCESS
