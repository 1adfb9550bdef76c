"""Downloads: asset sizes to split archives by and the originals that go in (upstream `download.repository.ts`)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from uuid import UUID

from sqlalchemy import ColumnElement, Select, func, select

from photonest.db.tables import album_asset, asset, asset_exif
from photonest.repositories.base import Repository
from photonest.repositories.timeline import DEFAULT_VISIBILITIES


@dataclass(frozen=True)
class DownloadSize:
    """An asset's id, its live-photo video and its size in bytes (0 when the EXIF row is missing)."""

    id: UUID
    live_photo_video_id: UUID | None
    original_path: str
    size: int


@dataclass(frozen=True)
class Original:
    id: UUID
    original_path: str
    original_file_name: str


class DownloadRepository(Repository):
    """SQL for downloads."""

    def _sizes(self, *conditions: ColumnElement[bool]) -> Select[tuple[UUID, UUID | None, str, int]]:
        return (
            select(
                asset.c.id,
                asset.c.live_photo_video_id,
                asset.c.original_path,
                func.coalesce(asset_exif.c.file_size_in_byte, 0).label("size"),
            )
            .select_from(asset.outerjoin(asset_exif, asset_exif.c.asset_id == asset.c.id))
            .where(asset.c.deleted_at.is_(None), *conditions)
        )

    def sizes_of(self, ids: Iterable[UUID]) -> list[DownloadSize]:
        """The sizes of these (not trashed) assets, in the order asked for."""
        wanted = list(dict.fromkeys(ids))
        rows = {r.id: DownloadSize(r.id, r.live_photo_video_id, r.original_path, int(r.size))
                for r in self.execute(self._sizes(asset.c.id.in_(wanted)))}  # fmt: skip
        return [rows[i] for i in wanted if i in rows]

    def sizes_of_owner(self, owner_id: UUID) -> list[DownloadSize]:
        """The sizes of the user's timeline and archived assets, oldest first."""
        query = self._sizes(asset.c.owner_id == owner_id, asset.c.visibility.in_(DEFAULT_VISIBILITIES))
        query = query.order_by(asset.c.local_date_time, asset.c.id)
        return [DownloadSize(r.id, r.live_photo_video_id, r.original_path, int(r.size)) for r in self.execute(query)]

    def sizes_in_album(self, album_id: UUID) -> list[DownloadSize]:
        """The sizes of the album's (not trashed) assets, oldest first."""
        query = self._sizes().join(album_asset, album_asset.c.asset_id == asset.c.id)
        query = query.where(album_asset.c.album_id == album_id).order_by(asset.c.local_date_time, asset.c.id)
        return [DownloadSize(r.id, r.live_photo_video_id, r.original_path, int(r.size)) for r in self.execute(query)]

    def originals(self, ids: Iterable[UUID]) -> list[Original]:
        """The original file of each asset found (trashed ones included, as upstream)."""
        query = select(asset.c.id, asset.c.original_path, asset.c.original_file_name).where(asset.c.id.in_(list(ids)))
        return [Original(r.id, r.original_path, r.original_file_name) for r in self.execute(query)]
