"""External libraries and their assets (`library.repository.ts`)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import and_, delete, func, insert, select, update

from photonest.db.dialects import job_sql
from photonest.db.tables import asset, asset_exif, job, library
from photonest.records import Library
from photonest.repositories.base import Repository

# Well below SQLite's bound-parameter limit and PostgreSQL's, for `IN (...)` lists and multi-row inserts.
CHUNK = 1000
TRASHED = "trashed"


@dataclass(frozen=True)
class LibraryStatistics:
    photos: int
    videos: int
    usage: int


@dataclass(frozen=True)
class LibraryAsset:
    """What a scan needs to know of an asset already in a library."""

    id: UUID
    original_path: str
    is_offline: bool
    status: str
    deleted_at: datetime | None
    file_modified_at: datetime
    file_size: int | None
    sidecar_path: str | None


def _chunks(values: Sequence[Any], size: int = CHUNK) -> Iterable[Sequence[Any]]:
    for start in range(0, len(values), size):
        yield values[start : start + size]


class LibraryRepository(Repository):
    """Libraries and the library-side asset queries."""

    # --- libraries ---

    def create(self, values: dict[str, Any]) -> Library:
        return Library.from_row(self.execute(insert(library).values(**values).returning(library)).one())

    def get(self, library_id: UUID, *, with_deleted: bool = False) -> Library | None:
        query = select(library).where(library.c.id == library_id)
        if not with_deleted:
            query = query.where(library.c.deleted_at.is_(None))
        row = self.execute(query).first()
        return Library.from_row(row) if row else None

    def get_all(self, *, with_deleted: bool = False) -> list[Library]:
        query = select(library).order_by(library.c.created_at, library.c.id)
        if not with_deleted:
            query = query.where(library.c.deleted_at.is_(None))
        return [Library.from_row(row) for row in self.execute(query)]

    def list_deleted(self) -> list[Library]:
        query = select(library).where(library.c.deleted_at.is_not(None)).order_by(library.c.created_at)
        return [Library.from_row(row) for row in self.execute(query)]

    def update(self, library_id: UUID, values: dict[str, Any]) -> Library:
        statement = update(library).where(library.c.id == library_id).values(**values).returning(library)
        return Library.from_row(self.execute(statement).one())

    def soft_delete(self, library_id: UUID, now: datetime) -> None:
        self.execute(update(library).where(library.c.id == library_id).values(deleted_at=now))

    def delete(self, library_id: UUID) -> None:
        self.execute(delete(library).where(library.c.id == library_id))

    def asset_counts(self, library_ids: Iterable[UUID]) -> dict[UUID, int]:
        """How many assets each library holds."""
        ids = list(library_ids)
        if not ids:
            return {}
        count = func.count().label("assets")
        query = select(asset.c.library_id, count).where(asset.c.library_id.in_(ids)).group_by(asset.c.library_id)
        return {row.library_id: int(row.assets) for row in self.execute(query)}

    def statistics(self, library_id: UUID) -> LibraryStatistics:
        """Visible photos and videos, and the bytes of every asset, as upstream's `getStatistics`."""
        visible = asset.c.visibility != "hidden"
        query = (
            select(
                func.count().filter(and_(asset.c.type == "IMAGE", visible)).label("photos"),
                func.count().filter(and_(asset.c.type == "VIDEO", visible)).label("videos"),
                func.coalesce(func.sum(asset_exif.c.file_size_in_byte), 0).label("usage"),
            )
            .select_from(asset.outerjoin(asset_exif, asset_exif.c.asset_id == asset.c.id))
            .where(asset.c.library_id == library_id)
        )
        row = self.execute(query).one()
        return LibraryStatistics(int(row.photos), int(row.videos), int(row.usage))

    # --- library assets ---

    def existing_paths(self, library_id: UUID, paths: Sequence[str]) -> set[str]:
        """Which of these paths the library already has an asset for."""
        found: set[str] = set()
        for chunk in _chunks(paths):
            query = select(asset.c.original_path).where(
                asset.c.library_id == library_id, asset.c.original_path.in_(chunk)
            )
            found.update(self.execute(query).scalars())
        return found

    def insert_assets(self, rows: Sequence[dict[str, Any]]) -> list[UUID]:
        """Insert library assets (rows carry their ids), skipping any the library already has; the ids inserted."""
        if not rows:
            return []
        # A plain executemany, without RETURNING: drivers run it as one prepared statement (psycopg pipelines it),
        # where RETURNING would build one huge multi-row statement per batch.
        self.execute(self.upsert(asset).on_conflict_do_nothing(), list(rows))
        ids = [row["id"] for row in rows]
        inserted: set[UUID] = set()
        for chunk in _chunks(ids):
            inserted.update(self.execute(select(asset.c.id).where(asset.c.id.in_(chunk))).scalars())
        return [asset_id for asset_id in ids if asset_id in inserted]

    def upsert_file_sizes(self, sizes: dict[UUID, int]) -> None:
        """Store each asset's file size in its EXIF row, as the upload path does."""
        if not sizes:
            return
        statement = self.upsert(asset_exif)
        statement = statement.on_conflict_do_update(
            index_elements=["asset_id"], set_={"file_size_in_byte": statement.excluded.file_size_in_byte}
        )
        rows = [{"asset_id": asset_id, "file_size_in_byte": size} for asset_id, size in sizes.items()]
        self.execute(statement, rows)

    def count_assets(self, library_id: UUID) -> int:
        return int(self.execute(select(func.count()).where(asset.c.library_id == library_id)).scalar_one())

    def asset_page(self, library_id: UUID, after: UUID | None, limit: int) -> list[tuple[UUID, str, bool]]:
        """The next page of (id, path, offline) of the library's assets, in id order."""
        query = select(asset.c.id, asset.c.original_path, asset.c.is_offline).where(asset.c.library_id == library_id)
        if after is not None:
            query = query.where(asset.c.id > after)
        rows = self.execute(query.order_by(asset.c.id).limit(limit))
        return [(r.id, r.original_path, r.is_offline) for r in rows]

    def get_assets(self, library_id: UUID, ids: Sequence[UUID]) -> list[LibraryAsset]:
        return self._library_assets(library_id, asset.c.id, ids)

    def get_assets_by_path(self, library_id: UUID, paths: Sequence[str]) -> list[LibraryAsset]:
        return self._library_assets(library_id, asset.c.original_path, paths)

    def _library_assets(self, library_id: UUID, column: Any, values: Sequence[Any]) -> list[LibraryAsset]:
        found: list[LibraryAsset] = []
        for chunk in _chunks(values):
            query = (
                select(
                    asset.c.id,
                    asset.c.original_path,
                    asset.c.is_offline,
                    asset.c.status,
                    asset.c.deleted_at,
                    asset.c.file_modified_at,
                    asset_exif.c.file_size_in_byte.label("file_size"),
                    asset.c.sidecar_path,
                )
                .select_from(asset.outerjoin(asset_exif, asset_exif.c.asset_id == asset.c.id))
                .where(asset.c.library_id == library_id, column.in_(chunk))
            )
            found.extend(LibraryAsset(**row._mapping) for row in self.execute(query))
        return found

    def set_offline(self, ids: Sequence[UUID], now: datetime) -> None:
        """Mark assets offline; those not already trashed also go to the trash (upstream sets `deletedAt`)."""
        for chunk in _chunks(ids):
            self.execute(
                update(asset)
                .where(asset.c.id.in_(chunk), asset.c.status != TRASHED, asset.c.deleted_at.is_(None))
                .values(is_offline=True, deleted_at=now)
            )
            self.execute(update(asset).where(asset.c.id.in_(chunk)).values(is_offline=True))

    def set_online(self, ids: Sequence[UUID]) -> None:
        """Bring offline assets back; ones the user trashed stay in the trash."""
        for chunk in _chunks(ids):
            self.execute(
                update(asset)
                .where(asset.c.id.in_(chunk), asset.c.status != TRASHED)
                .values(is_offline=False, deleted_at=None)
            )
            self.execute(update(asset).where(asset.c.id.in_(chunk)).values(is_offline=False))

    def set_sidecar_paths(self, sidecars: dict[UUID, str | None]) -> None:
        for asset_id, path in sidecars.items():
            self.execute(update(asset).where(asset.c.id == asset_id).values(sidecar_path=path))

    def trash_all(self, library_id: UUID, now: datetime) -> None:
        """Hide every asset of a library being deleted from the timeline (upstream sets `deletedAt`)."""
        self.execute(
            update(asset).where(asset.c.library_id == library_id, asset.c.deleted_at.is_(None)).values(deleted_at=now)
        )

    def asset_ids(self, library_id: UUID, limit: int) -> list[UUID]:
        query = select(asset.c.id).where(asset.c.library_id == library_id).order_by(asset.c.id).limit(limit)
        return list(self.execute(query).scalars())

    # --- jobs ---

    def enqueue_many(self, queue: str, name: str, datas: Sequence[dict[str, Any]]) -> None:
        """Queue one job per data in one batched insert (a scan queues thousands at once)."""
        if not datas:
            return
        self.execute(insert(job), [{"queue": queue, "name": name, "data": data} for data in datas])
        notify = job_sql(self.db.dialect.name).notify_jobs(queue)
        if notify is not None:
            self.execute(notify)
