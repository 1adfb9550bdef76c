"""Persisted jobs and queue state."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import insert
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from photonest.db.tables import job
from photonest.db.types import utcnow
from photonest.repositories.base import Repository


class JobRepository(Repository):
    """SQL for the `job` and `job_queue` tables."""

    def enqueue(
        self,
        queue: str,
        name: str,
        data: dict[str, Any],
        *,
        job_key: str | None = None,
        priority: int = 0,
        delay: timedelta | None = None,
        max_attempts: int = 3,
    ) -> None:
        """Add a job; a job whose key is already queued is not added twice."""
        values = {
            "queue": queue,
            "name": name,
            "data": data,
            "priority": priority,
            "max_attempts": max_attempts,
            "run_at": utcnow() + (delay or timedelta(0)),
            "job_key": job_key,
        }
        if job_key is None:
            self.execute(insert(job).values(**values))
            return
        dialect_insert = pg_insert if self.db.dialect.name == "postgresql" else sqlite_insert
        self.execute(dialect_insert(job).values(**values).on_conflict_do_nothing(index_elements=["job_key"]))
