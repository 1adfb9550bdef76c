"""SQLite spellings of the statements in `photonest.db.dialects`."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import Executable, Update

from photonest.db.dialects import claim_update, next_runnable_job


def claim_job(queues: Sequence[str], worker: str, now: datetime, lease_until: datetime) -> Update:
    """Claim the next runnable job in one `UPDATE … RETURNING`.

    Every transaction starts with BEGIN IMMEDIATE (see `db/engine.py`), so claims are serialised by the write lock
    and the sub-select cannot race with another claimer.
    """
    return claim_update(next_runnable_job(queues, now), worker, now, lease_until)


def notify_jobs(queue: str) -> Executable | None:
    """SQLite has no notifications: workers in other processes poll."""
    return None
