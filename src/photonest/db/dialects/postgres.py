"""PostgreSQL spellings of the statements in `photonest.db.dialects`, and the LISTEN loop for new jobs."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Engine, Executable, TextClause, Update, func, select, text

from photonest.db.dialects import claim_update, next_runnable_job

log = logging.getLogger(__name__)

JOBS_CHANNEL = "photonest_jobs"


def claim_job(queues: Sequence[str], worker: str, now: datetime, lease_until: datetime) -> Update:
    """Claim the next runnable job; SKIP LOCKED lets concurrent claimers pass over rows another one is taking."""
    return claim_update(next_runnable_job(queues, now).with_for_update(skip_locked=True), worker, now, lease_until)


def notify_jobs(queue: str) -> Executable | None:
    """Tell listening workers, once the transaction commits, that the queue has a new job."""
    return select(func.pg_notify(JOBS_CHANNEL, queue))


def listen_for_jobs(
    engine: Engine, on_notify: Callable[[], None], stop: threading.Event, *, timeout: float = 1.0
) -> None:
    """Call `on_notify` for each notification on the jobs channel until `stop` is set; reconnects after errors."""
    while not stop.is_set():
        connection: Any = None
        try:
            cargs, cparams = engine.dialect.create_connect_args(engine.url)
            connection = engine.dialect.loaded_dbapi.connect(*cargs, **cparams)
            if not hasattr(connection, "notifies"):
                log.warning("The PostgreSQL driver cannot LISTEN; workers fall back to polling")
                return
            connection.autocommit = True
            connection.execute(f"LISTEN {JOBS_CHANNEL}")
            # Jobs queued while not listening would otherwise wait for the next poll.
            on_notify()
            while not stop.is_set():
                for _ in connection.notifies(timeout=timeout):
                    on_notify()
        except Exception:
            log.exception("Lost the job notification connection; reconnecting")
            stop.wait(timeout)
        finally:
            if connection is not None:
                connection.close()


def widen_hnsw_scan(ef_search: int) -> TextClause:
    """Let the HNSW scans of this transaction look further, and on pgvector >= 0.8 keep going until a page is full."""
    # `hnsw.iterative_scan` exists from pgvector 0.8 on; older versions reject the setting.
    return text(
        "SELECT set_config('hnsw.ef_search', :ef_search, true), "
        "CASE WHEN string_to_array(extversion, '.')::int[] >= ARRAY[0, 8] "
        "THEN set_config('hnsw.iterative_scan', 'strict_order', true) END "
        "FROM pg_extension WHERE extname = 'vector'"
    ).bindparams(ef_search=str(ef_search))


def vector_column_size(table: str, column: str) -> TextClause:
    """The declared size of a `vector(n)` column (its type modifier)."""
    return text(
        "SELECT atttypmod FROM pg_attribute WHERE attrelid = CAST(:table AS regclass) AND attname = :column"
    ).bindparams(table=table, column=column)


def resize_vector_column(table: str, column: str, index: str, size: int) -> list[TextClause]:
    """Statements that make an emptied vector column hold `size` values and rebuild its HNSW index."""
    return [
        text(f'DROP INDEX IF EXISTS "{index}"'),
        text(f'ALTER TABLE "{table}" ALTER COLUMN "{column}" TYPE vector({int(size)})'),
        text(f'CREATE INDEX "{index}" ON "{table}" USING hnsw ("{column}" vector_cosine_ops)'),
    ]
