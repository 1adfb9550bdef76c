"""Per-dialect SQL: the statements that SQLite and PostgreSQL spell differently."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Protocol

from sqlalchemy import Executable, Select, Update, select, update

from photonest.db.tables import job, job_queue


class JobSql(Protocol):
    """The job-queue statements of one dialect."""

    def claim_job(self, queues: Sequence[str], worker: str, now: datetime, lease_until: datetime) -> Update: ...

    def notify_jobs(self, queue: str) -> Executable | None: ...


def job_sql(dialect_name: str) -> JobSql:
    """The job-queue statements for a dialect name as SQLAlchemy reports it."""
    from photonest.db.dialects import postgres, sqlite

    return postgres if dialect_name == "postgresql" else sqlite


def next_runnable_job(queues: Sequence[str], now: datetime) -> Select[tuple[int]]:
    """The id of the job to run next among these queues: due, waiting, queue not paused, by priority then age."""
    paused = select(job_queue.c.name).where(job_queue.c.is_paused.is_(True))
    return (
        select(job.c.id)
        .where(
            job.c.status == "waiting",
            job.c.run_at <= now,
            job.c.queue.in_(list(queues)),
            job.c.queue.not_in(paused),
        )
        .order_by(job.c.priority.desc(), job.c.id)
        .limit(1)
    )


def claim_update(next_id: Select[tuple[int]], worker: str, now: datetime, lease_until: datetime) -> Update:
    """Mark the selected job active for this worker and return the whole row."""
    return (
        update(job)
        .where(job.c.id == next_id.scalar_subquery(), job.c.status == "waiting")
        .values(
            status="active", locked_by=worker, locked_until=lease_until, attempts=job.c.attempts + 1, started_at=now
        )
        .returning(*job.c)
    )
