"""Folder view: the directories of a user's originals and the assets directly in one (`view.repository.ts`)."""

from __future__ import annotations

from collections.abc import Sequence
from uuid import UUID

from sqlalchemy import ColumnElement, func, or_, select

from photonest.db.dialects.expressions import directory_of
from photonest.db.tables import asset, asset_exif
from photonest.records import Asset
from photonest.repositories.base import Repository, prefixed, unprefixed
from photonest.repositories.stack import AssetWithExif


def _escape_like(value: str) -> str:
    return value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


class ViewRepository(Repository):
    """SQL for the folder view, over the user's non-trashed timeline assets as upstream."""

    def _visible(self, owner_id: UUID) -> list[ColumnElement[bool]]:
        return [asset.c.owner_id == owner_id, asset.c.visibility == "timeline", asset.c.deleted_at.is_(None)]

    def unique_directories(self, owner_id: UUID) -> list[str]:
        """The distinct directories (with their trailing '/') of the user's originals."""
        directory = directory_of(self.db.dialect.name, asset.c.original_path).label("directory")
        query = select(directory).where(*self._visible(owner_id)).distinct()
        return [r.directory for r in self.execute(query)]

    def assets_directly_in(self, owner_id: UUID, prefixes: Sequence[str]) -> list[AssetWithExif]:
        """Assets whose original path is one of the prefixes followed by a name without '/'."""
        matches = []
        for prefix in prefixes:
            # substr compares case-sensitively (SQLite's LIKE does not); LIKE only rules out deeper folders.
            starts = func.substr(asset.c.original_path, 1, len(prefix)) == prefix
            deeper = asset.c.original_path.like(_escape_like(prefix) + "%/%", escape="\\")
            matches.append(starts & ~deeper)
        query = (
            select(asset, *prefixed(asset_exif, "exif__"))
            .outerjoin(asset_exif, asset_exif.c.asset_id == asset.c.id)
            .where(*self._visible(owner_id), or_(*matches))
        )
        found = []
        for row in self.execute(query):
            exif = unprefixed(row, "exif__")
            found.append(AssetWithExif(Asset.from_row(row), exif if exif.get("asset_id") is not None else None))
        return found
