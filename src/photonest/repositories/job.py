"""Persisted jobs and queue state."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache
from typing import Any

from sqlalchemy import Executable, and_, case, delete, func, insert, select, update

from photonest.db.dialects import job_sql
from photonest.db.tables import job, job_queue
from photonest.db.types import utcnow
from photonest.records import Job
from photonest.repositories.base import Repository, upsert_for

STALLED_ERROR = "Job stalled more than allowable limit"


@dataclass(frozen=True)
class QueueState:
    """How many jobs of a queue are in each state, and whether the queue is paused."""

    name: str
    active: int = 0
    waiting: int = 0
    delayed: int = 0
    failed: int = 0
    completed: int = 0
    is_paused: bool = False


class JobRepository(Repository):
    """SQL for the `job` and `job_queue` tables."""

    def _affected(self, statement: Executable) -> int:
        """Run a DML statement; the number of rows it touched."""
        return int(self.db.execute(statement).rowcount)

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
        self.execute(_INSERT_JOB if job_key is None else _insert_job_once(self.dialect), values)
        notify = job_sql(self.db.dialect.name).notify_jobs(queue)
        if notify is not None:
            self.execute(notify)

    def claim(self, queues: Sequence[str], worker: str, now: datetime, lease_until: datetime) -> Job | None:
        """Atomically take the next runnable job of these queues for this worker, or None."""
        if not queues:
            return None
        statement = job_sql(self.db.dialect.name).claim_job(queues, worker, now, lease_until)
        row = self.execute(statement).first()
        return Job.from_row(row) if row is not None else None

    def complete(self, job_id: int, worker: str) -> bool:
        """Remove a job this worker finished and count it as completed; False if the worker had lost it."""
        deleted = self.execute(
            delete(job)
            .where(job.c.id == job_id, job.c.locked_by == worker, job.c.status == "active")
            .returning(job.c.queue)
        ).first()
        if deleted is None:
            return False
        statement = self.upsert(job_queue).values(name=deleted.queue, is_paused=False, completed=1)
        self.execute(
            statement.on_conflict_do_update(index_elements=["name"], set_={"completed": job_queue.c.completed + 1})
        )
        return True

    def retry(self, job_id: int, worker: str, run_at: datetime, error: str) -> bool:
        """Put a job this worker failed back in its queue, to run again at `run_at`."""
        affected = self._affected(
            update(job)
            .where(job.c.id == job_id, job.c.locked_by == worker, job.c.status == "active")
            .values(status="waiting", run_at=run_at, locked_by=None, locked_until=None, error=error)
        )
        return affected > 0

    def mark_failed(self, job_id: int, worker: str, error: str) -> bool:
        """Give up on a job this worker ran: it stays as failed, with its error, until cleared; its key is freed."""
        affected = self._affected(
            update(job)
            .where(job.c.id == job_id, job.c.locked_by == worker, job.c.status == "active")
            # A failed job gives its key up, so the same work can be queued again before failures are cleared.
            .values(status="failed", locked_by=None, locked_until=None, error=error, job_key=None)
        )
        return affected > 0

    def extend_leases(self, job_ids: Sequence[int], worker: str, until: datetime) -> int:
        """Push back the lease expiry of the jobs this worker is running (the heartbeat)."""
        if not job_ids:
            return 0
        affected = self._affected(
            update(job)
            .where(job.c.id.in_(list(job_ids)), job.c.locked_by == worker, job.c.status == "active")
            .values(locked_until=until)
        )
        return affected

    def release(self, job_ids: Sequence[int], worker: str) -> int:
        """Hand jobs this worker will not finish back to the queue, without counting the attempt."""
        if not job_ids:
            return 0
        affected = self._affected(
            update(job)
            .where(job.c.id.in_(list(job_ids)), job.c.locked_by == worker, job.c.status == "active")
            .values(status="waiting", attempts=job.c.attempts - 1, locked_by=None, locked_until=None)
        )
        return affected

    def reap_expired(self, now: datetime) -> int:
        """Return jobs whose worker stopped renewing the lease to the queue, or fail them when out of attempts."""
        out_of_attempts = job.c.attempts >= job.c.max_attempts
        affected = self._affected(
            update(job)
            .where(job.c.status == "active", job.c.locked_until < now)
            .values(
                status=case((out_of_attempts, "failed"), else_="waiting"),
                error=case((out_of_attempts, STALLED_ERROR), else_=job.c.error),
                job_key=case((out_of_attempts, None), else_=job.c.job_key),
                locked_by=None,
                locked_until=None,
            )
        )
        return affected

    def queue_states(self, now: datetime) -> dict[str, QueueState]:
        """Job counts per queue that has jobs or state, keyed by queue name."""

        def count(*conditions: Any) -> Any:
            return func.coalesce(func.sum(case((and_(*conditions), 1), else_=0)), 0)

        waiting = job.c.status == "waiting"
        counts = self.execute(
            select(
                job.c.queue,
                count(job.c.status == "active").label("active"),
                count(waiting, job.c.run_at <= now).label("waiting"),
                count(waiting, job.c.run_at > now).label("delayed"),
                count(job.c.status == "failed").label("failed"),
            ).group_by(job.c.queue)
        ).all()
        by_queue = {row.queue: row for row in counts}
        flags = {row.name: row for row in self.execute(select(job_queue)).all()}
        states: dict[str, QueueState] = {}
        for name in set(by_queue) | set(flags):
            row = by_queue.get(name)
            flag = flags.get(name)
            states[name] = QueueState(
                name=name,
                active=int(row.active) if row else 0,
                waiting=int(row.waiting) if row else 0,
                delayed=int(row.delayed) if row else 0,
                failed=int(row.failed) if row else 0,
                completed=int(flag.completed) if flag else 0,
                is_paused=bool(flag.is_paused) if flag else False,
            )
        return states

    def set_paused(self, queue: str, paused: bool) -> None:
        """Pause or resume a queue: a paused queue keeps its jobs but no worker claims them."""
        statement = self.upsert(job_queue).values(name=queue, is_paused=paused, completed=0)
        self.execute(statement.on_conflict_do_update(index_elements=["name"], set_={"is_paused": paused}))

    def empty(self, queue: str) -> int:
        """Delete the waiting and delayed jobs of a queue (running and failed ones stay)."""
        affected = self._affected(delete(job).where(job.c.queue == queue, job.c.status == "waiting"))
        return affected

    def clear_failed(self, queue: str) -> int:
        """Delete the failed jobs of a queue."""
        affected = self._affected(delete(job).where(job.c.queue == queue, job.c.status == "failed"))
        return affected


# Built once (the values come as execute parameters): every upload and pipeline step adds jobs.
_INSERT_JOB = insert(job)


@cache
def _insert_job_once(dialect: str) -> Executable:
    statement: Executable = upsert_for(dialect, job).on_conflict_do_nothing(index_elements=["job_key"])
    return statement
