"""The unit of work: one transaction committed once, or (autocommit) statements that commit one by one."""

from __future__ import annotations

import time

from sqlalchemy import Engine, func, insert, select

from photonest.db.tables import system_metadata
from photonest.db.unit_of_work import UnitOfWork


def _keys(engine: Engine) -> list[str]:
    """The committed keys, read without waiting for a writer (see the autocommit tests)."""
    with UnitOfWork(engine, autocommit=True) as reader:
        query = select(system_metadata.c.key).order_by(system_metadata.c.key)
        return list(reader.connection.execute(query).scalars())


def _insert(uow: UnitOfWork, key: str) -> None:
    uow.connection.execute(insert(system_metadata).values(key=key, value={}))


def test_a_transaction_is_invisible_to_others_until_commit_and_undone_by_rollback(clean_engine: Engine) -> None:
    uow = UnitOfWork(clean_engine)
    _insert(uow, "kept")
    assert _keys(clean_engine) == []
    uow.commit()
    uow.close()
    with UnitOfWork(clean_engine) as failed:
        _insert(failed, "dropped")
        failed.rollback()
    assert _keys(clean_engine) == ["kept"]


def test_autocommit_statements_are_committed_one_by_one(clean_engine: Engine) -> None:
    uow = UnitOfWork(clean_engine, autocommit=True)
    _insert(uow, "first")
    assert _keys(clean_engine) == ["first"]
    uow.rollback()
    uow.close()
    assert _keys(clean_engine) == ["first"]


def test_autocommit_reads_while_another_transaction_holds_the_write_lock(clean_engine: Engine) -> None:
    writer = UnitOfWork(clean_engine)
    _insert(writer, "pending")  # on SQLite: BEGIN IMMEDIATE, the write lock is held until commit
    try:
        started = time.monotonic()
        with UnitOfWork(clean_engine, autocommit=True) as reader:
            count = reader.connection.execute(select(func.count()).select_from(system_metadata)).scalar()
        assert count == 0 and time.monotonic() - started < 1
    finally:
        writer.rollback()
        writer.close()


def test_autocommit_does_not_leak_into_the_next_user_of_the_connection(clean_engine: Engine) -> None:
    with UnitOfWork(clean_engine, autocommit=True) as uow:
        uow.connection.execute(select(1))
    later = UnitOfWork(clean_engine)
    _insert(later, "undone")
    later.rollback()
    later.close()
    assert _keys(clean_engine) == []
