"""Shared plumbing for repositories."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, Executable, Label, Result, Row, Table
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from photonest.db.unit_of_work import UnitOfWork


class Repository:
    """A repository runs its queries on the unit of work's connection."""

    def __init__(self, uow: UnitOfWork) -> None:
        self._uow = uow

    @property
    def db(self) -> Connection:
        return self._uow.connection

    def execute(self, statement: Executable, params: Any = None) -> Result[Any]:
        return self.db.execute(statement, params)

    @property
    def dialect(self) -> str:
        return self.db.dialect.name

    def upsert(self, table: Table) -> Any:
        """An INSERT with `on_conflict_do_*` for this connection's database (both spell it the same way)."""
        return upsert_for(self.dialect, table)


def upsert_for(dialect: str, table: Table) -> Any:
    """An INSERT with `on_conflict_do_*` for the named database."""
    return (pg_insert if dialect == "postgresql" else sqlite_insert)(table)


def prefixed(table: Table, prefix: str) -> list[Label[Any]]:
    """The table's columns labelled `<prefix><name>`, to select beside another table's."""
    return [column.label(f"{prefix}{column.name}") for column in table.c]


def unprefixed(row: Row[Any], prefix: str) -> dict[str, Any]:
    """The values of a row's `<prefix>` columns, keyed by their own names."""
    return {k[len(prefix) :]: v for k, v in row._mapping.items() if k.startswith(prefix)}
