"""Engine creation with the per-dialect settings Photonest relies on."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import sqlite_vec
from pysqlite3 import dbapi2 as sqlite3
from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import make_url

# Execution option of a SQLite connection whose statements each commit on their own (see UnitOfWork autocommit).
SQLITE_AUTOCOMMIT = "photonest_sqlite_autocommit"


def create_db_engine(url: str) -> Engine:
    """Create an engine; SQLite gets WAL, foreign keys and a busy timeout.

    The pool hands out the connection returned last: its page cache (SQLite) or its prepared statements
    (PostgreSQL) are the warmest, where round-robin made each SQLite transaction re-read the pages it changes.
    """
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        in_file = bool(parsed.database) and parsed.database != ":memory:"
        if in_file:
            Path(str(parsed.database)).parent.mkdir(parents=True, exist_ok=True)
        # pysqlite3 bundles a SQLite that can load extensions (the interpreter's own may not): sqlite-vec needs it.
        engine = create_engine(
            url,
            module=sqlite3,
            connect_args={"check_same_thread": False, "timeout": 30},
            **({"pool_use_lifo": True} if in_file else {}),  # an in-memory database has one connection per thread
        )
        event.listen(engine, "connect", _sqlite_pragmas)
        # Let SQLAlchemy, not pysqlite, open transactions, so BEGIN IMMEDIATE can be issued.
        event.listen(engine, "begin", _begin_immediate)
        return engine
    return create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=20, pool_use_lifo=True)


def _begin_immediate(conn: Connection) -> None:
    # Taking the write lock up front: a deferred transaction that reads first and writes later fails at once
    # (SQLITE_BUSY, no busy wait) when another connection committed in between.
    if not conn.get_execution_options().get(SQLITE_AUTOCOMMIT):
        conn.exec_driver_sql("BEGIN IMMEDIATE")


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    dbapi_connection.isolation_level = None
    dbapi_connection.enable_load_extension(True)
    sqlite_vec.load(dbapi_connection)
    dbapi_connection.enable_load_extension(False)
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    # Reads of large tables (vector scans, timelines) from the page cache of the OS rather than through read().
    cursor.execute("PRAGMA mmap_size=268435456")
    cursor.close()
