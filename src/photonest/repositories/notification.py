"""In-app notifications."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import delete, insert, select, update

from photonest.db.tables import notification
from photonest.records import Notification
from photonest.repositories.base import Repository


class NotificationRepository(Repository):
    """SQL for the `notification` table."""

    def create(self, values: dict[str, Any]) -> Notification:
        statement = insert(notification).values(**values).returning(notification)
        return Notification.from_row(self.execute(statement).one())

    def get(self, notification_id: UUID) -> Notification | None:
        query = select(notification).where(notification.c.id == notification_id, notification.c.deleted_at.is_(None))
        row = self.execute(query).first()
        return Notification.from_row(row) if row else None

    def owned_ids(self, user_id: UUID, ids: Iterable[UUID]) -> set[UUID]:
        """Which of these (not deleted) notifications belong to the user."""
        query = select(notification.c.id).where(
            notification.c.user_id == user_id, notification.c.id.in_(list(ids)), notification.c.deleted_at.is_(None)
        )
        return set(self.execute(query).scalars())

    def search(
        self,
        user_id: UUID,
        *,
        notification_id: UUID | None = None,
        level: str | None = None,
        type_: str | None = None,
        unread: bool | None = None,
    ) -> list[Notification]:
        query = select(notification).where(notification.c.user_id == user_id, notification.c.deleted_at.is_(None))
        if notification_id is not None:
            query = query.where(notification.c.id == notification_id)
        if level is not None:
            query = query.where(notification.c.level == level)
        if type_ is not None:
            query = query.where(notification.c.type == type_)
        if unread:
            # Upstream filters only for `unread=true`; `unread=false` lists read and unread alike.
            query = query.where(notification.c.read_at.is_(None))
        query = query.order_by(notification.c.created_at.desc())
        return [Notification.from_row(r) for r in self.execute(query)]

    def update(self, notification_id: UUID, values: dict[str, Any]) -> Notification:
        statement = update(notification).where(notification.c.id == notification_id).values(**values)
        return Notification.from_row(self.execute(statement.returning(notification)).one())

    def update_many(self, ids: Iterable[UUID], values: dict[str, Any]) -> None:
        self.execute(update(notification).where(notification.c.id.in_(list(ids))).values(**values))

    def soft_delete_many(self, ids: Iterable[UUID], when: datetime) -> None:
        """Mark as deleted; the rows are purged later."""
        self.update_many(ids, {"deleted_at": when})

    def purge_deleted_before(self, cutoff: datetime) -> None:
        self.execute(delete(notification).where(notification.c.deleted_at < cutoff))
