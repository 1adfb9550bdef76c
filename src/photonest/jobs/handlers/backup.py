"""Database backup handler: the `backupDatabase` queue's only job."""

from __future__ import annotations

from typing import Any

from photonest.jobs.names import JobName, JobStatus
from photonest.jobs.registry import job_handler
from photonest.services.backup import BackupService
from photonest.services.base import ServiceContext


@job_handler(JobName.DATABASE_BACKUP)
def database_backup(ctx: ServiceContext, data: dict[str, Any]) -> JobStatus:
    return BackupService(ctx).backup_database()
