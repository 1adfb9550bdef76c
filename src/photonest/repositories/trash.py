"""Trashed assets: restore and empty."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from uuid import UUID

from sqlalchemy import select, update

from photonest.db.tables import asset
from photonest.repositories.base import Repository

TRASHED = "trashed"
DELETED = "deleted"
ACTIVE = "active"


class TrashRepository(Repository):
    """SQL over the `asset` table's trash states."""

    def restore(self, ids: Iterable[UUID]) -> list[UUID]:
        """Bring trashed assets back; the ids that were restored."""
        statement = (
            update(asset)
            .where(asset.c.id.in_(list(ids)), asset.c.status == TRASHED)
            .values(status=ACTIVE, deleted_at=None)
            .returning(asset.c.id)
        )
        return list(self.execute(statement).scalars())

    def restore_all(self, owner_id: UUID) -> list[UUID]:
        statement = (
            update(asset)
            .where(asset.c.owner_id == owner_id, asset.c.status == TRASHED)
            .values(status=ACTIVE, deleted_at=None)
            .returning(asset.c.id)
        )
        return list(self.execute(statement).scalars())

    def empty(self, owner_id: UUID) -> int:
        """Mark every trashed asset of the owner for deletion; how many."""
        statement = (
            update(asset)
            .where(asset.c.owner_id == owner_id, asset.c.status == TRASHED)
            .values(status=DELETED)
            .returning(asset.c.id)
        )
        return len(list(self.execute(statement).scalars()))

    def ids_to_delete(self) -> list[UUID]:
        return list(self.execute(select(asset.c.id).where(asset.c.status == DELETED)).scalars())

    def ids_trashed_before(self, cutoff: datetime) -> list[UUID]:
        query = select(asset.c.id).where(asset.c.status == TRASHED, asset.c.deleted_at < cutoff)
        return list(self.execute(query).scalars())
