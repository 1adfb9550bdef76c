"""Asset queries needed outside the asset routes (statistics, usage)."""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

from sqlalchemy import case, func, select

from photonest.db.tables import asset, asset_exif
from photonest.repositories.base import Repository

# What upstream's `withDefaultVisibility` shows: hidden (live-photo video parts) and locked assets are left out.
DEFAULT_VISIBILITIES = ("archive", "timeline")


@dataclass(frozen=True)
class UsageByUser:
    """Photo and video counts and bytes of one user's assets."""

    user_id: UUID
    photos: int
    videos: int
    usage_photos: int
    usage_videos: int


@dataclass(frozen=True)
class AssetCounts:
    images: int
    videos: int


class AssetRepository(Repository):
    """SQL over the `asset` table for statistics."""

    def usage_by_user(self) -> dict[UUID, UsageByUser]:
        size = func.coalesce(asset_exif.c.file_size_in_byte, 0)
        query = (
            select(
                asset.c.owner_id,
                func.count().filter(asset.c.type == "IMAGE").label("photos"),
                func.count().filter(asset.c.type == "VIDEO").label("videos"),
                func.coalesce(func.sum(case((asset.c.type == "IMAGE", size), else_=0)), 0).label("usage_photos"),
                func.coalesce(func.sum(case((asset.c.type == "VIDEO", size), else_=0)), 0).label("usage_videos"),
            )
            .select_from(asset.outerjoin(asset_exif, asset_exif.c.asset_id == asset.c.id))
            .where(asset.c.deleted_at.is_(None))
            .group_by(asset.c.owner_id)
        )
        return {
            r.owner_id: UsageByUser(r.owner_id, r.photos, r.videos, int(r.usage_photos), int(r.usage_videos))
            for r in self.execute(query)
        }

    def statistics(
        self, owner_id: UUID, *, is_favorite: bool | None, is_trashed: bool | None, visibility: str | None
    ) -> AssetCounts:
        """Image and video counts as upstream's `getStatistics`: archive + timeline and not trashed by default."""
        query = select(
            func.count().filter(asset.c.type == "IMAGE").label("images"),
            func.count().filter(asset.c.type == "VIDEO").label("videos"),
        ).where(asset.c.owner_id == owner_id)
        if visibility is None:
            query = query.where(asset.c.visibility.in_(DEFAULT_VISIBILITIES))
        else:
            query = query.where(asset.c.visibility == visibility)
        if is_favorite is not None:
            query = query.where(asset.c.is_favorite.is_(is_favorite))
        if is_trashed:
            query = query.where(asset.c.status != "deleted", asset.c.deleted_at.is_not(None))
        else:
            query = query.where(asset.c.deleted_at.is_(None))
        row = self.execute(query).one()
        return AssetCounts(int(row.images), int(row.videos))

    def owned_file_paths(self, owner_id: UUID) -> list[str]:
        query = select(asset.c.original_path, asset.c.sidecar_path, asset.c.encoded_video_path)
        paths: list[str] = []
        for row in self.execute(query.where(asset.c.owner_id == owner_id, asset.c.is_external.is_(False))):
            paths.extend(p for p in row if p)
        return paths
