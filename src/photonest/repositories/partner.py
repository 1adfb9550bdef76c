"""Partner sharing between two users."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any
from uuid import UUID

from sqlalchemy import Column, delete, insert, select, update

from photonest.db.tables import partner, user
from photonest.records import Partner, User
from photonest.repositories.base import Repository, prefixed, unprefixed


class PartnerRepository(Repository):
    """SQL for the `partner` table."""

    def get(self, shared_by_id: UUID, shared_with_id: UUID) -> Partner | None:
        query = select(partner).where(
            partner.c.shared_by_id == shared_by_id, partner.c.shared_with_id == shared_with_id
        )
        row = self.execute(query).first()
        return Partner.from_row(row) if row else None

    def list_shared_by(self, user_id: UUID) -> list[tuple[Partner, User]]:
        """The user's partnerships as the sharing side, each with the (not deleted) user shared with."""
        return self._list_with_other(partner.c.shared_by_id, partner.c.shared_with_id, user_id)

    def list_shared_with(self, user_id: UUID) -> list[tuple[Partner, User]]:
        """The partnerships sharing with the user, each with the (not deleted) user who shares."""
        return self._list_with_other(partner.c.shared_with_id, partner.c.shared_by_id, user_id)

    def _list_with_other(self, mine: Column[Any], other: Column[Any], user_id: UUID) -> list[tuple[Partner, User]]:
        query = (
            select(partner, *prefixed(user, "user__"))
            .join(user, user.c.id == other)
            .where(mine == user_id, user.c.deleted_at.is_(None))
            .order_by(partner.c.created_at)
        )
        return [(Partner.from_row(r), User(**unprefixed(r, "user__"))) for r in self.execute(query)]

    def list_ids_sharing_with(self, user_id: UUID, shared_by_ids: Iterable[UUID]) -> set[UUID]:
        """Which of these users share with the user."""
        query = select(partner.c.shared_by_id).where(
            partner.c.shared_with_id == user_id, partner.c.shared_by_id.in_(list(shared_by_ids))
        )
        return set(self.execute(query).scalars())

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
