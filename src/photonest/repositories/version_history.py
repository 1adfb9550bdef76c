"""Every server version this database has run."""

from __future__ import annotations

from sqlalchemy import insert, select

from photonest.db.tables import version_history
from photonest.records import VersionHistory
from photonest.repositories.base import Repository


class VersionHistoryRepository(Repository):
    """SQL for the `version_history` table."""

    def list_all(self) -> list[VersionHistory]:
        query = select(version_history).order_by(version_history.c.created_at.desc())
        return [VersionHistory.from_row(r) for r in self.execute(query)]

    def latest(self) -> VersionHistory | None:
        row = self.execute(select(version_history).order_by(version_history.c.created_at.desc()).limit(1)).first()
        return VersionHistory.from_row(row) if row else None

    def add(self, version: str) -> VersionHistory:
        row = self.execute(insert(version_history).values(version=version).returning(version_history)).one()
        return VersionHistory.from_row(row)
