"""One transaction per request or job, with the repositories bound to it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import Connection, Engine

from photonest.db.engine import SQLITE_AUTOCOMMIT


class UnitOfWork:
    """A connection in a transaction, committed once, plus actions to run after the commit.

    With `autocommit`, every statement commits on its own instead: for short lookups whose statements need no
    common snapshot (authentication), so that on SQLite they neither wait for nor hold the database's write lock.
    """

    def __init__(self, engine: Engine, *, autocommit: bool = False) -> None:
        self._engine = engine
        self._autocommit = autocommit
        self._connection: Connection | None = None
        self._after_commit: list[Callable[[], None]] = []

    @property
    def connection(self) -> Connection:
        if self._connection is None:
            connection = self._engine.connect()
            if self._autocommit:
                connection.execution_options(**_autocommit_options(connection))
            connection.begin()
            self._connection = connection
        return self._connection

    def after_commit(self, action: Callable[[], None]) -> None:
        """Run an action (an event, a file removal) only once the transaction has committed."""
        self._after_commit.append(action)

    def commit(self) -> None:
        if self._connection is not None:
            self._connection.commit()
        actions, self._after_commit = self._after_commit, []
        for action in actions:
            action()

    def release(self) -> None:
        """Commit what was done so far and let the next statement open a new transaction.

        For jobs about to do slow work (decoding, transcoding) after their reads: on SQLite an open transaction
        holds the database's write lock, which would stall every other writer meanwhile.
        """
        self.commit()
        self.close()

    def rollback(self) -> None:
        self._after_commit.clear()
        if self._connection is not None:
            self._connection.rollback()

    def close(self) -> None:
        if self._connection is not None:
            self._connection.close()
            self._connection = None

    def __enter__(self) -> UnitOfWork:
        return self

    def __exit__(self, exc_type: object, *_: object) -> None:
        try:
            if exc_type is None:
                self.commit()
            else:
                self.rollback()
        finally:
            self.close()


def _autocommit_options(connection: Connection) -> dict[str, Any]:
    if connection.dialect.name == "sqlite":
        # pysqlite runs without implicit transactions already (engine.py): only BEGIN IMMEDIATE is left out.
        return {SQLITE_AUTOCOMMIT: True}
    return {"isolation_level": "AUTOCOMMIT"}
