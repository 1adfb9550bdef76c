"""Partner sharing between two users."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from sqlalchemy import delete, insert, select, update

from photonest.db.tables import partner
from photonest.records import Partner
from photonest.repositories.base import Repository


class PartnerRepository(Repository):
    """SQL for the `partner` table."""

    def get(self, shared_by_id: UUID, shared_with_id: UUID) -> Partner | None:
        query = select(partner).where(
            partner.c.shared_by_id == shared_by_id, partner.c.shared_with_id == shared_with_id
        )
        row = self.execute(query).first()
        return Partner.from_row(row) if row else None

    def list_shared_by(self, user_id: UUID) -> list[Partner]:
        query = select(partner).where(partner.c.shared_by_id == user_id).order_by(partner.c.created_at)
        return [Partner.from_row(r) for r in self.execute(query)]

    def list_shared_with(self, user_id: UUID) -> list[Partner]:
        query = select(partner).where(partner.c.shared_with_id == user_id).order_by(partner.c.created_at)
        return [Partner.from_row(r) for r in self.execute(query)]

    def create(self, shared_by_id: UUID, shared_with_id: UUID) -> Partner:
        statement = insert(partner).values(shared_by_id=shared_by_id, shared_with_id=shared_with_id)
        return Partner.from_row(self.execute(statement.returning(partner)).one())

    def update(self, shared_by_id: UUID, shared_with_id: UUID, values: dict[str, Any]) -> Partner:
        statement = (
            update(partner)
            .where(partner.c.shared_by_id == shared_by_id, partner.c.shared_with_id == shared_with_id)
            .values(**values)
            .returning(partner)
        )
        return Partner.from_row(self.execute(statement).one())

    def delete(self, shared_by_id: UUID, shared_with_id: UUID) -> None:
        self.execute(
            delete(partner).where(partner.c.shared_by_id == shared_by_id, partner.c.shared_with_id == shared_with_id)
        )
