"""Timeline queries: month buckets and the assets of one month (upstream `getTimeBuckets`, `getTimeBucket`)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import ColumnElement, Select, and_, exists, func, or_, select
from sqlalchemy.orm import aliased

from photonest.db.dialects.expressions import month_of
from photonest.db.tables import album_asset, asset, asset_exif, asset_face, stack, tag_asset, tag_closure
from photonest.repositories.base import Repository

# Upstream's `withDefaultVisibility`: hidden (live-photo video parts) and locked assets stay out.
DEFAULT_VISIBILITIES = ("archive", "timeline")


@dataclass(frozen=True)
class TimelineFilter:
    """Which assets a timeline shows (upstream's `TimeBucketOptions`)."""

    user_ids: Sequence[UUID] | None = None
    is_favorite: bool | None = None
    is_trashed: bool | None = None
    visibility: str | None = None
    tag_id: UUID | None = None
    album_id: UUID | None = None
    person_id: UUID | None = None
    with_stacked: bool = False
    descending: bool = True


@dataclass(frozen=True)
class BucketCount:
    time_bucket: str
    count: int


def timeline_conditions(f: TimelineFilter) -> list[ColumnElement[bool]]:
    """The WHERE clauses both timeline queries share."""
    conditions: list[ColumnElement[bool]] = []
    if f.is_trashed:
        conditions += [asset.c.deleted_at.is_not(None), asset.c.status != "deleted"]
    else:
        conditions.append(asset.c.deleted_at.is_(None))
    if f.visibility is None:
        conditions.append(asset.c.visibility.in_(DEFAULT_VISIBILITIES))
    else:
        conditions.append(asset.c.visibility == f.visibility)
    if f.user_ids is not None:
        ids = list(f.user_ids)
        conditions.append(asset.c.owner_id == ids[0] if len(ids) == 1 else asset.c.owner_id.in_(ids))
    if f.is_favorite is not None:
        conditions.append(asset.c.is_favorite == f.is_favorite)
    if f.with_stacked:
        # Only the primary of a stack is shown; an asset whose stack row is gone stays visible.
        other_primary = select(stack.c.id).where(stack.c.id == asset.c.stack_id, stack.c.primary_asset_id != asset.c.id)
        conditions.append(~exists(other_primary))
    if f.tag_id is not None:
        descendants = select(tag_closure.c.descendant_id).where(tag_closure.c.ancestor_id == f.tag_id)
        tagged = select(tag_asset.c.asset_id).where(
            tag_asset.c.asset_id == asset.c.id,
            or_(tag_asset.c.tag_id == f.tag_id, tag_asset.c.tag_id.in_(descendants)),
        )
        conditions.append(exists(tagged))
    if f.person_id is not None:
        shows_person = select(asset_face.c.id).where(
            asset_face.c.asset_id == asset.c.id,
            asset_face.c.person_id == f.person_id,
            asset_face.c.deleted_at.is_(None),
        )
        conditions.append(exists(shows_person))
    if f.album_id is not None:
        # Answered from the album_asset primary key (album_id, asset_id).
        in_album = select(album_asset.c.asset_id).where(
            album_asset.c.album_id == f.album_id, album_asset.c.asset_id == asset.c.id
        )
        conditions.append(exists(in_album))
    return conditions


class TimelineRepository(Repository):
    """SQL for the timeline: counts per month and the columns of one month's assets."""

    def bucket_counts(self, f: TimelineFilter) -> list[BucketCount]:
        month, first_day = month_of(self.db.dialect.name, asset.c.local_date_time)
        query = (
            select(first_day.label("time_bucket"), func.count().label("asset_count"))
            .where(*timeline_conditions(f))
            .group_by(month)
            .order_by(month.desc() if f.descending else month.asc())
        )
        return [BucketCount(r.time_bucket, int(r.asset_count)) for r in self.execute(query)]

    def bucket_columns(self, f: TimelineFilter, start: datetime, end: datetime) -> dict[str, tuple[Any, ...]]:
        """The assets whose local date falls in [start, end) with the EXIF the grid needs, column by column."""
        result = self.execute(self._bucket_query(f, start, end))
        names, rows = list(result.keys()), result.all()
        return dict(zip(names, zip(*rows, strict=True), strict=True)) if rows else {name: () for name in names}

    def _bucket_query(self, f: TimelineFilter, start: datetime, end: datetime) -> Select[Any]:
        columns: list[Any] = [
            asset.c.id,
            asset.c.owner_id,
            asset.c.type,
            asset.c.is_favorite,
            asset.c.visibility,
            asset.c.deleted_at,
            asset.c.thumbhash,
            asset.c.local_date_time,
            asset.c.duration,
            asset.c.live_photo_video_id,
            asset.c.status,
            asset.c.stack_id,
            asset_exif.c.exif_image_width,
            asset_exif.c.exif_image_height,
            asset_exif.c.orientation,
            asset_exif.c.projection_type,
            asset_exif.c.city,
            asset_exif.c.country,
        ]
        if f.with_stacked:
            stacked = aliased(asset, name="stacked")
            count = (
                select(func.count())
                .where(
                    stacked.c.stack_id == asset.c.stack_id,
                    stacked.c.deleted_at.is_(None),
                    stacked.c.visibility == "timeline",
                )
                .scalar_subquery()
            )
            columns.append(count.label("stack_count"))
        order = asset.c.local_date_time.desc() if f.descending else asset.c.local_date_time.asc()
        tiebreak = asset.c.id.desc() if f.descending else asset.c.id.asc()
        in_month = and_(asset.c.local_date_time >= start, asset.c.local_date_time < end)
        return (
            select(*columns)
            .select_from(asset.outerjoin(asset_exif, asset_exif.c.asset_id == asset.c.id))
            .where(in_month, *timeline_conditions(f))
            .order_by(order, tiebreak)
        )
