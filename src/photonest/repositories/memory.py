"""Memories and their assets (`memory.repository.ts`, plus the on-this-day asset query of `asset.repository.ts`)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime, time, timedelta
from typing import Any
from uuid import UUID

from sqlalchemy import ColumnElement, and_, delete, exists, func, insert, or_, select, update

from photonest.db.tables import asset, asset_file, asset_job_status, memory, memory_asset
from photonest.db.types import utcnow
from photonest.records import Asset, Memory
from photonest.repositories.base import Repository

TIMELINE = "timeline"
PREVIEW = "preview"


class MemoryRepository(Repository):
    """SQL for the `memory` and `memory_asset` tables."""

    def search(
        self,
        owner_id: UUID,
        *,
        for_: datetime | None = None,
        is_saved: bool | None = None,
        is_trashed: bool | None = None,
        type_: str | None = None,
    ) -> list[Memory]:
        """The owner's memories matching the filters, newest `memoryAt` first; `for_` keeps those shown then."""
        query = select(memory).where(
            memory.c.owner_id == owner_id,
            memory.c.deleted_at.is_not(None) if is_trashed else memory.c.deleted_at.is_(None),
        )
        if is_saved is not None:
            query = query.where(memory.c.is_saved == is_saved)
        if type_ is not None:
            query = query.where(memory.c.type == type_)
        if for_ is not None:
            query = query.where(
                or_(memory.c.show_at.is_(None), memory.c.show_at <= for_),
                or_(memory.c.hide_at.is_(None), memory.c.hide_at >= for_),
            )
        return [Memory.from_row(r) for r in self.execute(query.order_by(memory.c.memory_at.desc(), memory.c.id))]

    def get(self, memory_id: UUID) -> Memory | None:
        row = self.execute(select(memory).where(memory.c.id == memory_id, memory.c.deleted_at.is_(None))).first()
        return Memory.from_row(row) if row else None

    def create(self, values: dict[str, Any], asset_ids: Iterable[UUID]) -> Memory:
        found = Memory.from_row(self.execute(insert(memory).values(**values).returning(memory)).one())
        self.add_asset_ids(found.id, asset_ids)
        return found

    def update(self, memory_id: UUID, values: dict[str, Any]) -> Memory:
        statement = update(memory).where(memory.c.id == memory_id).values(**values).returning(memory)
        return Memory.from_row(self.execute(statement).one())

    def touch(self, memory_id: UUID) -> None:
        self.execute(update(memory).where(memory.c.id == memory_id).values(updated_at=utcnow()))

    def delete(self, memory_id: UUID) -> None:
        self.execute(delete(memory).where(memory.c.id == memory_id))

    def delete_unsaved_created_before(self, cutoff: datetime) -> None:
        self.execute(delete(memory).where(memory.c.created_at < cutoff, memory.c.is_saved.is_(False)))

    def contained_asset_ids(self, memory_id: UUID, asset_ids: Iterable[UUID]) -> set[UUID]:
        """Which of these assets the memory holds."""
        query = select(memory_asset.c.asset_id).where(
            memory_asset.c.memory_id == memory_id, memory_asset.c.asset_id.in_(list(asset_ids))
        )
        return set(self.execute(query).scalars())

    def add_asset_ids(self, memory_id: UUID, asset_ids: Iterable[UUID]) -> None:
        rows = [{"memory_id": memory_id, "asset_id": a} for a in dict.fromkeys(asset_ids)]
        if rows:
            self.execute(insert(memory_asset), rows)

    def remove_asset_ids(self, memory_id: UUID, asset_ids: Iterable[UUID]) -> None:
        ids = list(asset_ids)
        if ids:
            self.execute(
                delete(memory_asset).where(memory_asset.c.memory_id == memory_id, memory_asset.c.asset_id.in_(ids))
            )

    def list_assets(self, memory_ids: Iterable[UUID]) -> dict[UUID, list[Asset]]:
        """The untrashed timeline assets of each memory, oldest `fileCreatedAt` first."""
        ids = list(memory_ids)
        assets: dict[UUID, list[Asset]] = {memory_id: [] for memory_id in ids}
        if not ids:
            return assets
        query = (
            select(asset, memory_asset.c.memory_id.label("in_memory_id"))
            .join(memory_asset, memory_asset.c.asset_id == asset.c.id)
            .where(
                memory_asset.c.memory_id.in_(ids),
                asset.c.visibility == TIMELINE,
                asset.c.deleted_at.is_(None),
            )
            .order_by(asset.c.file_created_at, asset.c.id)
        )
        for row in self.execute(query):
            assets[row.in_memory_id].append(Asset.from_row(row))
        return assets

    def earliest_local_year(self, owner_ids: Sequence[UUID]) -> int | None:
        """The year of the owners' oldest asset, by local date."""
        oldest = self.execute(select(func.min(asset.c.local_date_time)).where(asset.c.owner_id.in_(owner_ids)))
        value = oldest.scalar()
        return _as_datetime(value).year if value is not None else None

    def assets_of_day(self, owner_ids: Sequence[UUID], days: Sequence[date], per_day: int) -> dict[date, list[UUID]]:
        """For each of the days, up to `per_day` of the owners' untrashed timeline assets with a preview taken then."""
        found: dict[date, list[UUID]] = {}
        if not days or not owner_ids:
            return found
        query = (
            select(asset.c.id, asset.c.local_date_time)
            .join(asset_job_status, asset_job_status.c.asset_id == asset.c.id)
            .where(
                or_(*(_on_day(day) for day in days)),
                asset.c.owner_id.in_(owner_ids),
                asset.c.visibility == TIMELINE,
                asset.c.deleted_at.is_(None),
                asset_job_status.c.preview_at.is_not(None),
                exists().where(asset_file.c.asset_id == asset.c.id, asset_file.c.type == PREVIEW),
            )
            .order_by(asset.c.local_date_time, asset.c.id)
        )
        for row in self.execute(query):
            ids = found.setdefault(_as_datetime(row.local_date_time).date(), [])
            if len(ids) < per_day:
                ids.append(row.id)
        return found


def _on_day(day: date) -> ColumnElement[bool]:
    # Local dates are stored as if UTC (upstream reads `localDateTime at time zone 'UTC'`).
    start = datetime.combine(day, time())
    return and_(asset.c.local_date_time >= start, asset.c.local_date_time < start + timedelta(days=1))


def _as_datetime(value: Any) -> datetime:
    # An aggregate loses the column type on SQLite, which then answers text.
    return value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
