"""The timeline: month buckets and the columnar assets of one month (`timeline.service.ts`)."""

from __future__ import annotations

import base64
import json
import re
from collections import defaultdict
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache
from typing import Any
from uuid import UUID

from photonest.errors import BadRequest, Unauthorized
from photonest.records import Auth
from photonest.repositories.timeline import TimelineFilter
from photonest.schemas import generated as g
from photonest.schemas import requests as r
from photonest.services.access import require_access
from photonest.services.base import BaseService

P = g.Permission
V = g.AssetVisibility
WITH_PARTNERS_ERROR = "withPartners is only supported for non-archived, non-trashed, non-favorited assets"
# EXIF orientations that turn the image by 90 degrees, so its width and height swap (upstream's ratio SQL).
ROTATED = {"5", "6", "7", "8", "-90", "90"}
_LONG_YEAR = re.compile(r"^\d{5,6}-\d{2}-\d{2}")
_RATIO_STEP = Decimal("0.001")


class TimelineService(BaseService):
    """Reads the caller's (and their partners') timeline."""

    def get_time_buckets(self, auth: Auth, dto: r.TimeBucketDto) -> list[g.TimeBucketsResponseDto]:
        buckets = self.repos.timeline.bucket_counts(self._filter(auth, dto))
        return [g.TimeBucketsResponseDto(time_bucket=b.time_bucket, count=b.count) for b in buckets]

    def get_time_bucket(self, auth: Auth, dto: r.TimeBucketAssetDto) -> str:
        """The bucket as upstream's pre-serialised JSON object of parallel arrays."""
        options = self._filter(auth, dto)
        month = month_range(dto.time_bucket)
        columns = self.repos.timeline.bucket_columns(options, *month) if month else {}
        return json.dumps(bucket_columns(columns, options.with_stacked), separators=(",", ":"), ensure_ascii=False)

    def _filter(self, auth: Auth, dto: r.TimeBucketDto) -> TimelineFilter:
        """Check the caller may see what they ask for (upstream's `timeBucketChecks`) and build the filter."""
        visibility = dto.visibility
        if visibility == V.LOCKED and not auth.has_elevated_permission:
            raise Unauthorized("Elevated permission is required")
        user_id = dto.user_id
        if dto.album_id:
            require_access(self.repos, auth, P.ALBUM_READ, [dto.album_id])
        else:
            user_id = user_id or auth.user_id
        if dto.person_id:
            # Likewise for people; upstream filters by person without checking it.
            require_access(self.repos, auth, P.PERSON_READ, [dto.person_id])
        if user_id:
            require_access(self.repos, auth, P.TIMELINE_READ, [user_id])
            if visibility == V.ARCHIVE:
                require_access(self.repos, auth, P.ARCHIVE_READ, [user_id])
            if visibility == V.LOCKED and user_id != auth.user_id:
                raise BadRequest("You may not access another user's locked timeline")
        if dto.tag_id:
            require_access(self.repos, auth, P.TAG_READ, [dto.tag_id])
        # Locked is refused too: partners' locked assets must never reach another user (later upstream does so).
        restricted = visibility in (None, V.ARCHIVE, V.LOCKED) or dto.is_favorite is not None or dto.is_trashed
        if dto.with_partners and restricted:
            raise BadRequest(WITH_PARTNERS_ERROR)
        return TimelineFilter(
            user_ids=self._user_ids(auth, user_id, bool(dto.with_partners)) if user_id else None,
            is_favorite=dto.is_favorite,
            is_trashed=dto.is_trashed,
            visibility=visibility.value if visibility else None,
            tag_id=dto.tag_id,
            album_id=dto.album_id,
            person_id=dto.person_id,
            with_stacked=bool(dto.with_stacked),
            descending=dto.order != g.AssetOrder.ASC,
        )

    def _user_ids(self, auth: Auth, user_id: UUID, with_partners: bool) -> list[UUID]:
        if not with_partners:
            return [user_id]
        partners = self.repos.partners.list_shared_with(auth.user_id)
        return [user_id, *(p.shared_by_id for p, _ in partners if p.in_timeline and p.shared_by_id != user_id)]


def month_range(time_bucket: str) -> tuple[datetime, datetime] | None:
    """[start, end) of the month the bucket names, or None when no asset can be in it.

    Upstream compares the month-truncated local date with the string as a timestamp, so only the first instant of a
    month (in UTC) matches anything; years past 9999 are valid there but hold no assets here.
    """
    text = time_bucket.strip().lstrip("+-")
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        if _LONG_YEAR.match(text):
            return None
        raise BadRequest(["timeBucket must be a valid ISO 8601 date string"]) from None
    moment = moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
    if moment != moment.replace(day=1, hour=0, minute=0, second=0, microsecond=0):
        return None
    if moment.year == 9999 and moment.month == 12:
        return moment, datetime.max.replace(tzinfo=UTC)
    if moment.month == 12:
        return moment, moment.replace(year=moment.year + 1, month=1)
    return moment, moment.replace(month=moment.month + 1)


@lru_cache(maxsize=4096)
def ratio(width: int | None, height: int | None, orientation: str | None) -> float | int:
    """Width over height rounded to 3 places (height over width when turned), 1 when unknown."""
    if not width or not height:
        return 1
    value = Decimal(height) / Decimal(width) if orientation in ROTATED else Decimal(width) / Decimal(height)
    rounded = value.quantize(_RATIO_STEP, rounding=ROUND_HALF_UP)
    return int(rounded) if rounded == rounded.to_integral_value() else float(rounded)


def json_timestamp(value: datetime) -> str:
    """A timestamp as PostgreSQL's JSON renders timestamptz in a UTC session: '2024-01-01T10:00:00.5+00:00'."""
    v = value.astimezone(UTC)
    text = f"{v.year:04d}-{v.month:02d}-{v.day:02d}T{v.hour:02d}:{v.minute:02d}:{v.second:02d}"
    if v.microsecond:
        text += f".{v.microsecond:06d}".rstrip("0")
    return text + "+00:00"


def bucket_columns(columns: Mapping[str, Sequence[Any]], with_stacked: bool) -> dict[str, list[Any]]:
    """Query columns to upstream's parallel arrays, keys in its order; `status` is sent although the spec omits it."""
    c: Mapping[str, Sequence[Any]] = defaultdict(tuple, columns)
    image = g.AssetTypeEnum.IMAGE.value
    arrays: dict[str, list[Any]] = {
        "city": list(c["city"]),
        "country": list(c["country"]),
        "duration": list(c["duration"]),
        "id": [str(v) for v in c["id"]],
        "visibility": list(c["visibility"]),
        "isFavorite": [bool(v) for v in c["is_favorite"]],
        "isImage": [v == image for v in c["type"]],
        "isTrashed": [v is not None for v in c["deleted_at"]],
        "livePhotoVideoId": [str(v) if v else None for v in c["live_photo_video_id"]],
        "localDateTime": [json_timestamp(v) for v in c["local_date_time"]],
        "ownerId": [str(v) for v in c["owner_id"]],
        "projectionType": list(c["projection_type"]),
        "ratio": list(map(ratio, c["exif_image_width"], c["exif_image_height"], c["orientation"])),
        "status": list(c["status"]),
        "thumbhash": [base64.b64encode(v).decode() if v else None for v in c["thumbhash"]],
    }
    if with_stacked:
        # Upstream's `array[stackId::text, count::text]`: the count travels as a string.
        arrays["stack"] = [
            [str(stack_id), str(count)] if stack_id is not None and count else None
            for stack_id, count in zip(c["stack_id"], c["stack_count"], strict=True)
        ]
    return arrays
