"""Tag clean-up: the manual `tag-cleanup` job."""

from __future__ import annotations

from typing import Any

from photonest.jobs.names import JobName, JobStatus
from photonest.jobs.registry import job_handler
from photonest.services.base import ServiceContext
from photonest.services.tag import TagService


@job_handler(JobName.TAG_CLEANUP)
def tag_cleanup(ctx: ServiceContext, data: dict[str, Any]) -> JobStatus:
    return TagService(ctx).delete_empty_tags()
