"""Groups of assets marked as duplicates of each other (`duplicate.repository.ts`)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any
from uuid import UUID

from sqlalchemy import func, or_, select, update

from photonest.db.tables import asset, asset_exif
from photonest.records import Asset
from photonest.repositories.base import Repository, prefixed, unprefixed

VISIBLE = ("archive", "timeline")


class DuplicateRepository(Repository):
    """Reads and writes `asset.duplicate_id` groups."""

    def groups(self, owner_id: UUID) -> dict[UUID, list[tuple[Asset, dict[str, Any] | None]]]:
        """The owner's groups of at least two visible, untrashed, unstacked assets, with each asset's EXIF row."""
        conditions = (
            asset.c.owner_id == owner_id,
            asset.c.duplicate_id.is_not(None),
            asset.c.deleted_at.is_(None),
            asset.c.stack_id.is_(None),
            asset.c.visibility.in_(VISIBLE),
        )
        big_enough = (
            select(asset.c.duplicate_id).where(*conditions).group_by(asset.c.duplicate_id).having(func.count() > 1)
        )
        query = (
            select(asset, *prefixed(asset_exif, "exif__"))
            .select_from(asset.outerjoin(asset_exif, asset_exif.c.asset_id == asset.c.id))
            .where(*conditions, asset.c.duplicate_id.in_(big_enough))
            .order_by(asset.c.duplicate_id, asset.c.local_date_time, asset.c.id)
        )
        found: dict[UUID, list[tuple[Asset, dict[str, Any] | None]]] = {}
        for row in self.execute(query):
            exif = unprefixed(row, "exif__")
            record = Asset.from_row(row)
            assert record.duplicate_id is not None
            found.setdefault(record.duplicate_id, []).append((record, exif if exif["asset_id"] is not None else None))
        return found

    def merge(self, target_id: UUID, asset_ids: Iterable[UUID], source_ids: Iterable[UUID]) -> None:
        """Put these assets, and every asset of the source groups, into the target group."""
        ids, sources = list(asset_ids), list(source_ids)
        matches = [asset.c.id.in_(ids)]
        if sources:
            matches.append(asset.c.duplicate_id.in_(sources))
        self.execute(update(asset).where(or_(*matches)).values(duplicate_id=target_id))

    def remove(self, asset_id: UUID) -> None:
        """Take the asset out of its group."""
        self.execute(update(asset).where(asset.c.id == asset_id).values(duplicate_id=None))
