"""Likes and comments on albums and their assets (upstream `activity.repository.ts`)."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from sqlalchemy import and_, delete, func, insert, or_, select

from photonest.db.tables import activity, asset, user
from photonest.records import Activity, User
from photonest.repositories.base import Repository, prefixed, unprefixed

LOCKED = "locked"


@dataclass(frozen=True)
class ActivityWithUser:
    """An activity and the user who wrote it."""

    activity: Activity
    user: User


def _user(values: dict[str, Any]) -> User:
    names = {f.name for f in dataclasses.fields(User)}
    return User(**{k: v for k, v in values.items() if k in names})


class ActivityRepository(Repository):
    """SQL for the `activity` table."""

    def search(
        self,
        album_id: UUID,
        *,
        asset_id: UUID | None = None,
        album_level: bool = False,
        user_id: UUID | None = None,
        is_liked: bool | None = None,
    ) -> list[ActivityWithUser]:
        """The album's activities by users not deleted and on assets not trashed, oldest first.

        `album_level` keeps only the activities on the album itself (no asset).
        """
        query = (
            select(activity, *prefixed(user, "user__"))
            .join(user, and_(user.c.id == activity.c.user_id, user.c.deleted_at.is_(None)))
            .outerjoin(asset, asset.c.id == activity.c.asset_id)
            .where(activity.c.album_id == album_id, asset.c.deleted_at.is_(None))
            .order_by(activity.c.created_at, activity.c.id)
        )
        if album_level:
            query = query.where(activity.c.asset_id.is_(None))
        elif asset_id is not None:
            query = query.where(activity.c.asset_id == asset_id)
        if user_id is not None:
            query = query.where(activity.c.user_id == user_id)
        if is_liked is not None:
            query = query.where(activity.c.is_liked.is_(is_liked))
        return [ActivityWithUser(Activity.from_row(r), _user(unprefixed(r, "user__"))) for r in self.execute(query)]

    def count_comments(self, album_id: UUID, asset_id: UUID | None = None) -> int:
        """Comments on the album (or one of its assets) by users not deleted, on assets neither trashed nor locked."""
        query = (
            select(func.count())
            .select_from(activity)
            .join(user, and_(user.c.id == activity.c.user_id, user.c.deleted_at.is_(None)))
            .outerjoin(asset, asset.c.id == activity.c.asset_id)
            .where(
                activity.c.album_id == album_id,
                activity.c.is_liked.is_(False),
                or_(asset.c.id.is_(None), and_(asset.c.deleted_at.is_(None), asset.c.visibility != LOCKED)),
            )
        )
        if asset_id is not None:
            query = query.where(activity.c.asset_id == asset_id)
        return int(self.execute(query).scalar_one())

    def create(self, values: dict[str, Any]) -> Activity:
        return Activity.from_row(self.execute(insert(activity).values(**values).returning(activity)).one())

    def delete(self, activity_id: UUID) -> None:
        self.execute(delete(activity).where(activity.c.id == activity_id))
