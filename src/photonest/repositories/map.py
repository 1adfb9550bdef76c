"""Map markers: the assets with GPS a user may see on the map (upstream `map.repository.ts`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from sqlalchemy import ColumnElement, and_, exists, or_, select

from photonest.db.tables import album, album_asset, album_user, asset, asset_exif, partner, user
from photonest.records import Record
from photonest.repositories.base import Repository

TIMELINE, ARCHIVE = "timeline", "archive"


@dataclass(frozen=True)
class MapMarker(Record):
    id: UUID
    lat: float
    lon: float
    city: str | None
    state: str | None
    country: str | None


@dataclass(frozen=True)
class MarkerFilter:
    """The `GET /map/markers` filters, as upstream's `MapMarkerSearchOptions`."""

    is_archived: bool | None = None
    is_favorite: bool | None = None
    file_created_after: datetime | None = None
    file_created_before: datetime | None = None


class MapRepository(Repository):
    """SQL for map markers over `asset`, `asset_exif`, partners and albums."""

    def partner_ids(self, user_id: UUID) -> list[UUID]:
        """Users who share their library with this user (deleted users left out)."""
        statement = (
            select(partner.c.shared_by_id)
            .join(user, user.c.id == partner.c.shared_by_id)
            .where(partner.c.shared_with_id == user_id, user.c.deleted_at.is_(None))
        )
        return list(self.execute(statement).scalars())

    def album_ids(self, user_id: UUID) -> list[UUID]:
        """Albums the user owns or is a member of, not deleted."""
        member = exists().where(album_user.c.album_id == album.c.id, album_user.c.user_id == user_id)
        statement = select(album.c.id).where(album.c.deleted_at.is_(None), or_(album.c.owner_id == user_id, member))
        return list(self.execute(statement).scalars())

    def markers(self, owner_ids: list[UUID], album_ids: list[UUID], options: MarkerFilter) -> list[MapMarker]:
        """Assets with GPS owned by `owner_ids` or in `album_ids`, newest first."""
        statement = (
            select(
                asset.c.id,
                asset_exif.c.latitude.label("lat"),
                asset_exif.c.longitude.label("lon"),
                asset_exif.c.city,
                asset_exif.c.state,
                asset_exif.c.country,
            )
            .join(asset_exif, asset_exif.c.asset_id == asset.c.id)
            .where(
                asset_exif.c.latitude.is_not(None),
                asset_exif.c.longitude.is_not(None),
                asset.c.deleted_at.is_(None),
                *_filters(options),
                _scope(owner_ids, album_ids),
            )
            .order_by(asset.c.file_created_at.desc())
        )
        return [MapMarker.from_row(row) for row in self.execute(statement)]


def _filters(options: MarkerFilter) -> list[ColumnElement[bool]]:
    visibilities = [TIMELINE, ARCHIVE] if options.is_archived else [TIMELINE]
    conditions: list[ColumnElement[bool]] = [asset.c.visibility.in_(visibilities)]
    if options.is_favorite is not None:
        conditions.append(asset.c.is_favorite.is_(options.is_favorite))
    if options.file_created_after is not None:
        conditions.append(asset.c.file_created_at >= options.file_created_after)
    if options.file_created_before is not None:
        conditions.append(asset.c.file_created_at <= options.file_created_before)
    return conditions


def _scope(owner_ids: list[UUID], album_ids: list[UUID]) -> ColumnElement[bool]:
    in_albums = exists().where(album_asset.c.asset_id == asset.c.id, album_asset.c.album_id.in_(album_ids))
    scopes = [asset.c.owner_id.in_(owner_ids)] + ([in_albums] if album_ids else [])
    return or_(*scopes) if len(scopes) > 1 else and_(*scopes)
