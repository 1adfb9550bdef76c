"""Users and their per-user metadata (preferences, license)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import delete, exists, func, insert, select, update

from photonest.db.tables import asset, asset_exif, user, user_metadata
from photonest.db.types import utcnow
from photonest.records import User
from photonest.repositories.base import Repository


class UserRepository(Repository):
    """SQL for the `user` and `user_metadata` tables."""

    def get(self, user_id: UUID, *, with_deleted: bool = False) -> User | None:
        query = select(user).where(user.c.id == user_id)
        if not with_deleted:
            query = query.where(user.c.deleted_at.is_(None))
        row = self.execute(query).first()
        return User.from_row(row) if row else None

    def get_by_email(self, email: str, *, with_deleted: bool = False) -> User | None:
        query = select(user).where(user.c.email == email)
        if not with_deleted:
            query = query.where(user.c.deleted_at.is_(None))
        row = self.execute(query).first()
        return User.from_row(row) if row else None

    def get_by_storage_label(self, label: str) -> User | None:
        row = self.execute(select(user).where(user.c.storage_label == label)).first()
        return User.from_row(row) if row else None

    def get_admin(self) -> User | None:
        row = self.execute(select(user).where(user.c.is_admin.is_(True)).order_by(user.c.created_at).limit(1)).first()
        return User.from_row(row) if row else None

    def has_admin(self) -> bool:
        return bool(self.execute(select(exists().where(user.c.is_admin.is_(True)))).scalar())

    def list_all(self, *, with_deleted: bool = False, ids: Sequence[UUID] | None = None) -> list[User]:
        query = select(user).order_by(user.c.created_at)
        if not with_deleted:
            query = query.where(user.c.deleted_at.is_(None))
        if ids is not None:
            query = query.where(user.c.id.in_(ids))
        return [User.from_row(r) for r in self.execute(query)]

    def list_deleted_before(self, cutoff: datetime) -> list[User]:
        query = select(user).where(user.c.deleted_at.is_not(None), user.c.deleted_at < cutoff)
        return [User.from_row(r) for r in self.execute(query)]

    def count(self) -> int:
        return int(self.execute(select(func.count()).select_from(user)).scalar_one())

    def create(self, values: dict[str, Any]) -> User:
        row = self.execute(insert(user).values(**values).returning(user)).one()
        return User.from_row(row)

    def update(self, user_id: UUID, values: dict[str, Any]) -> User:
        row = self.execute(update(user).where(user.c.id == user_id).values(**values).returning(user)).one()
        return User.from_row(row)

    def delete(self, user_id: UUID) -> None:
        self.execute(delete(user).where(user.c.id == user_id))

    def sync_usage(self, user_id: UUID) -> None:
        """Recount the bytes of the user's uploaded (non-library) assets into `quota_usage_in_bytes`."""
        self.execute(update(user).where(user.c.id == user_id).values(quota_usage_in_bytes=_uploaded_bytes(user_id)))

    def sync_usage_all(self) -> None:
        """Recount every active user's `quota_usage_in_bytes` (upstream's nightly `syncUsage`)."""
        active = update(user).where(user.c.deleted_at.is_(None))
        self.execute(active.values(quota_usage_in_bytes=_uploaded_bytes(user.c.id), updated_at=utcnow()))

    def get_metadata(self, user_id: UUID, key: str) -> Any:
        query = select(user_metadata.c.value).where(user_metadata.c.user_id == user_id, user_metadata.c.key == key)
        return self.execute(query).scalar()

    def set_metadata(self, user_id: UUID, key: str, value: Any) -> None:
        statement = self.upsert(user_metadata).values(user_id=user_id, key=key, value=value)
        statement = statement.on_conflict_do_update(index_elements=["user_id", "key"], set_={"value": value})
        self.execute(statement)

    def delete_metadata(self, user_id: UUID, key: str) -> None:
        self.execute(delete(user_metadata).where(user_metadata.c.user_id == user_id, user_metadata.c.key == key))


def _uploaded_bytes(owner: Any) -> Any:
    """The size of an owner's uploaded assets, as `user.repository.ts` counts: trashed ones in, library ones out.

    `owner` is a user id, or `user.c.id` to correlate with the user being updated.
    """
    return (
        select(func.coalesce(func.sum(asset_exif.c.file_size_in_byte), 0))
        .select_from(asset.outerjoin(asset_exif, asset_exif.c.asset_id == asset.c.id))
        .where(asset.c.owner_id == owner, asset.c.library_id.is_(None))
        .correlate(user)
        .scalar_subquery()
    )
