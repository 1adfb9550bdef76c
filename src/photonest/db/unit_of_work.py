"""One transaction per request or job, with the repositories bound to it."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import Connection, Engine


class UnitOfWork:
    """A connection in a transaction, committed once, plus actions to run after the commit."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._connection: Connection | None = None
        self._after_commit: list[Callable[[], None]] = []

    @property
    def connection(self) -> Connection:
        if self._connection is None:
            self._connection = self._engine.connect()
            self._connection.begin()
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
