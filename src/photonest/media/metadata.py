"""Map ExifTool tags to the `asset_exif` row and asset dates the way upstream's metadata extraction does.

Two layers, both ported from upstream v1.134.0 behaviour (not its code):
- `parse_tags` does what `exiftool-vendored`'s `ReadTask` does to one file's raw JSON: GPS sanity (0,0 and
  out-of-range positions dropped, S/W references make negative values), the time zone of the file (offset tags,
  then the GPS position, then offsets inside the capture-date tags, UTC for videos, then the GPS-clock and
  `TimeStamp` heuristics) and date parsing with that zone as the default for zoneless values.
- `map_metadata` does what `server/src/services/metadata.service.ts` does with the (merged) tags: date-tag
  priority, `timeZone`/`localDateTime`, file-time fallback, dimensions, camera fields, rating, description,
  tags from TagsList/HierarchicalSubject/Keywords, live-photo and burst ids, motion photos, face regions.

Zoneless dates are read as UTC, as upstream does in its container (its Node process runs with TZ unset).
"""

from __future__ import annotations

import functools
import logging
import math
import os
import re
import zoneinfo
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass, replace
from datetime import UTC, datetime, timedelta, timezone, tzinfo
from pathlib import Path
from typing import Any

logger = logging.getLogger(__name__)

# Date tags in upstream's priority order (`EXIF_DATE_TAGS`, metadata.service.ts).
EXIF_DATE_TAGS: tuple[str, ...] = (
    "SubSecDateTimeOriginal",
    "SubSecCreateDate",
    "SubSecMediaCreateDate",
    "DateTimeOriginal",
    "CreateDate",
    "MediaCreateDate",
    "CreationDate",
    "DateTimeCreated",
    "GPSDateTime",
    "DateTimeUTC",
    "SonyDateTime2",
    "SourceImageCreateTime",
)

# exiftool-vendored's `CapturedAtTagNames`: where it looks for zones and zoneless capture times.
CAPTURED_AT_TAGS: tuple[str, ...] = (
    "SubSecDateTimeOriginal",
    "DateTimeOriginal",
    "SubSecCreateDate",
    "CreationDate",
    "CreateDate",
    "SubSecMediaCreateDate",
    "MediaCreateDate",
    "DateTimeCreated",
)

# Tags whose value is a time zone or an offset, in exiftool-vendored's order.
TIMEZONE_OFFSET_TAGS: tuple[str, ...] = (
    "TimeZone",
    "OffsetTime",
    "OffsetTimeOriginal",
    "OffsetTimeDigitized",
    "TimeZoneOffset",
)

_DATE_TAGS = frozenset(EXIF_DATE_TAGS) | frozenset(CAPTURED_AT_TAGS)

# Offsets in use somewhere in the last 50 years (exiftool-vendored's `ValidTimezoneOffsets`), in minutes.
_VALID_OFFSETS: frozenset[int] = frozenset(
    sign * (h * 60 + m)
    for sign, h, m in [
        (-1, 11, 0), (-1, 10, 0), (-1, 9, 30), (-1, 9, 0), (-1, 8, 30), (-1, 8, 0), (-1, 7, 0), (-1, 6, 0),
        (-1, 5, 0), (-1, 4, 30), (-1, 4, 0), (-1, 3, 30), (-1, 3, 0), (-1, 2, 30), (-1, 2, 0), (-1, 1, 0),
        (1, 0, 0), (1, 1, 0), (1, 2, 0), (1, 3, 0), (1, 3, 30), (1, 4, 0), (1, 4, 30), (1, 5, 0), (1, 5, 30),
        (1, 5, 45), (1, 6, 0), (1, 6, 30), (1, 7, 0), (1, 7, 30), (1, 8, 0), (1, 8, 30), (1, 8, 45), (1, 9, 0),
        (1, 9, 30), (1, 9, 45), (1, 10, 0), (1, 10, 30), (1, 11, 0), (1, 12, 0), (1, 12, 45), (1, 13, 45),
        (1, 14, 0),
    ]
)  # fmt: skip
# The GPS-clock heuristic snaps to whole and half hours only.
_LIKELY_OFFSETS: tuple[int, ...] = tuple(sorted(m for m in _VALID_OFFSETS if m % 30 == 0))
_MAX_OFFSET_MINUTES = 14 * 60
_UTC_NAMES = frozenset({"UTC", "GMT", "Z", "+0", "+00:00", "UTC+0", "GMT+0", "UTC+00:00"})
_NULLISH = frozenset({"undef", "null", "undefined"})

# A value ExifTool can write: text, a number, or a list of them.
TagValue = str | int | float | Sequence[str | int | float]

# ExifOrientation values (server/src/enum.ts).
ORIENTATION_HORIZONTAL = 1
ORIENTATION_ROTATE_180 = 3
ORIENTATION_ROTATE_90_CW = 6
ORIENTATION_ROTATE_270_CW = 8
_SIDEWAYS_ORIENTATIONS = frozenset({5, 6, 7, 8})


# ---------------------------------------------------------------------------------------------------------------
# Time zones


@functools.cache
def _iana_zones() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones())


def zone_tzinfo(name: str) -> tzinfo:
    """A tzinfo for a zone name this module produces ("UTC", "UTC+5:30", "Europe/Paris")."""
    if name == "UTC":
        return UTC
    match = re.fullmatch(r"UTC([+-])(\d{1,2})(?::(\d\d))?", name)
    if match:
        minutes = int(match[2]) * 60 + int(match[3] or 0)
        return timezone(timedelta(minutes=-minutes if match[1] == "-" else minutes))
    return zoneinfo.ZoneInfo(name)


def _fixed_zone_name(minutes: int) -> str:
    if minutes == 0:
        return "UTC"
    sign = "-" if minutes < 0 else "+"
    hours, rest = divmod(abs(minutes), 60)
    return f"UTC{sign}{hours}" + (f":{rest:02d}" if rest else "")


def offset_minutes_to_zone_name(minutes: float | None) -> str | None:
    """'UTC', 'UTC+2', 'UTC-3:30' for a plausible real-world offset, else None (exiftool-vendored's naming)."""
    if minutes is None or not math.isfinite(minutes) or minutes != int(minutes) or int(minutes) not in _VALID_OFFSETS:
        return None
    return _fixed_zone_name(int(minutes))


def normalize_zone(value: str) -> str | None:
    """The zone name for an IANA name or a 'UTC±H[:MM]' string, else None."""
    name = re.sub(r"^(?:Zulu|Z|GMT)(?=\b|$)", "UTC", value.strip())
    if not name:
        return None
    fixed = re.fullmatch(r"UTC([+-])(\d{1,2})(?::(\d\d))?", name)
    if fixed:
        minutes = (int(fixed[2]) * 60 + int(fixed[3] or 0)) * (-1 if fixed[1] == "-" else 1)
        return _fixed_zone_name(minutes) if abs(minutes) < _MAX_OFFSET_MINUTES else None
    if name == "UTC":
        return "UTC"
    if re.fullmatch(r"\w{2,15}(?:/\w{3,15})?", name) and name in _iana_zones():
        offset = datetime.now(zoneinfo.ZoneInfo(name)).utcoffset() or timedelta()
        return name if abs(offset) < timedelta(minutes=_MAX_OFFSET_MINUTES) else None
    return None


def is_utc_zone(zone: str | None) -> bool:
    return zone is not None and zone in _UTC_NAMES


_TZ_SUFFIX = re.compile(r"(?P<Z>Z)|(?:(?:UTC)?(?P<sign>[+-])(?P<hours>\d\d?)(?::(?P<minutes>\d\d))?)$")


def extract_zone(value: Any) -> str | None:
    """The zone a tag value names: an IANA name, an offset string, a trailing offset of a date, or hours."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, list):
        return extract_zone(next((v for v in value if v is not None), None))
    if isinstance(value, ExifDateTime):
        return value.zone
    if isinstance(value, int | float):
        return offset_minutes_to_zone_name(value * 60)
    if not isinstance(value, str) or not value.strip():
        return None
    zone = normalize_zone(value)
    if zone:
        return zone
    text = value.strip()
    # A time-zone abbreviation after an offset ("-08:00 PST") says nothing more.
    if not re.search(r"[.\d\s](?:UTC|Z)$", text):
        text = re.sub(r"\s[a-z]{2,5}$", "", text, flags=re.IGNORECASE)
    if not text:
        return None
    zone = normalize_zone(text)
    if zone:
        return zone
    match = _TZ_SUFFIX.search(text)
    if not match:
        return None
    if match["Z"]:
        return "UTC"
    minutes = int(match["hours"]) * 60 + int(match["minutes"] or 0)
    return offset_minutes_to_zone_name(-minutes if match["sign"] == "-" else minutes)


def _likely_offset_minutes(delta_minutes: float) -> float:
    if abs(delta_minutes) > 24 * 60:
        return delta_minutes
    return min(_LIKELY_OFFSETS, key=lambda offset: abs(offset - delta_minutes))


# ---------------------------------------------------------------------------------------------------------------
# Dates


@dataclass(frozen=True)
class ExifDateTime:
    """A date-time read from a tag: wall-clock time, its zone (None when unknown) and the raw text."""

    local: datetime  # naive wall-clock time, millisecond precision
    zone: str | None
    raw: str
    inferred_zone: bool = False

    def instant(self) -> datetime:
        """The moment in UTC; a zoneless value counts as UTC."""
        if self.zone is None:
            return self.local.replace(tzinfo=UTC)
        return self.local.replace(tzinfo=zone_tzinfo(self.zone)).astimezone(UTC)

    def local_as_utc(self) -> datetime:
        """The wall-clock time labelled UTC (upstream's `localDateTime`)."""
        return self.local.replace(tzinfo=UTC)

    def in_zone(self, zone: str) -> ExifDateTime:
        """The same moment expressed in another zone."""
        local = self.instant().astimezone(zone_tzinfo(zone)).replace(tzinfo=None)
        return replace(self, local=local, zone=zone, inferred_zone=True)


_EXIF_DATE_RE = re.compile(
    r"\s*(?P<y>\d{4})(?P<sep>[:-])(?P<mo>\d{1,2})(?P=sep)(?P<d>\d{1,2})(?:T|\s+)"
    r"(?P<h>\d{1,2}):(?P<mi>\d{2})(?::(?P<s>\d{2})(?:[.,](?P<f>\d+))?)?"
    r"\s*(?P<z>Z|UTC|GMT|[+-]\d{1,2}(?::?\d{2})?)?\s*"
)
_LOOSE_FORMATS = ("%b %d %Y %H:%M:%S", "%b %d %Y, %H:%M:%S", "%a %b %d %H:%M:%S %Y")


def parse_exif_datetime(text: Any, default_zone: str | None = None) -> ExifDateTime | None:
    """Parse 'YYYY:MM:DD HH:MM[:SS[.fff]][±HH:MM|Z]' (or ISO with '-'/'T'); None unless it has a date and a time."""
    if isinstance(text, ExifDateTime):
        return text
    if not isinstance(text, str) or not text.strip():
        return None
    match = _EXIF_DATE_RE.fullmatch(text)
    if match is None:
        return _parse_loose(text, default_zone)
    fraction = match["f"] or ""
    millis = int((fraction + "000")[:3]) if fraction else 0
    try:
        local = datetime(
            int(match["y"]),
            int(match["mo"]),
            int(match["d"]),
            int(match["h"]),
            int(match["mi"]),
            int(match["s"] or 0),
            millis * 1000,
        )
    except ValueError:
        return None
    if local.year <= 1:
        return None
    zone_text = match["z"]
    if zone_text is None:
        if default_zone is None:
            return ExifDateTime(local, None, text)
        return ExifDateTime(local, default_zone, text, inferred_zone=True)
    minutes = _offset_text_minutes(zone_text)
    if minutes is None or abs(minutes) >= _MAX_OFFSET_MINUTES:
        return None
    return ExifDateTime(local, _fixed_zone_name(minutes), text)


def _offset_text_minutes(text: str) -> int | None:
    if text in ("Z", "UTC", "GMT"):
        return 0
    match = re.fullmatch(r"([+-])(\d{1,2})(?::?(\d{2}))?", text)
    if match is None:
        return None
    minutes = int(match[2]) * 60 + int(match[3] or 0)
    return -minutes if match[1] == "-" else minutes


def _parse_loose(text: str, default_zone: str | None) -> ExifDateTime | None:
    for fmt in _LOOSE_FORMATS:
        try:
            local = datetime.strptime(text.strip(), fmt)
        except ValueError:
            continue
        return ExifDateTime(local, default_zone, text, inferred_zone=default_zone is not None)
    return None


def first_date_time(tags: Mapping[str, Any]) -> tuple[str, ExifDateTime] | None:
    """The first usable date in upstream's tag priority (`firstDateTime`)."""
    for tag in EXIF_DATE_TAGS:
        value = tags.get(tag)
        if isinstance(value, ExifDateTime):
            return tag, value
        if isinstance(value, str):
            parsed = parse_exif_datetime(value)
            if parsed is not None:
                return tag, parsed
    return None


def format_duration(seconds: float) -> str:
    """'HH:MM:SS.mmm' (luxon `toFormat('hh:mm:ss.SSS')`, milliseconds floored), as upstream stores video durations."""
    total_ms = math.floor(seconds * 1000 + 1e-6)
    hours, rest = divmod(total_ms, 3_600_000)
    minutes, rest = divmod(rest, 60_000)
    secs, millis = divmod(rest, 1000)
    return f"{hours:02d}:{minutes:02d}:{secs:02d}.{millis:03d}"


# ---------------------------------------------------------------------------------------------------------------
# One file's raw tags -> parsed tags (exiftool-vendored ReadTask behaviour)


@dataclass(frozen=True)
class _Gps:
    latitude: float | None = None
    longitude: float | None = None
    invalid: bool = False


_DMS_NUMBER = re.compile(r"[-+]?\d+(?:\.\d+)?")


def _parse_coordinate(value: Any) -> float | None:
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value)
    if not isinstance(value, str) or not value.strip():
        return None
    numbers = [float(n) for n in _DMS_NUMBER.findall(value)]
    if not numbers or len(numbers) > 3:
        raise ValueError(f"unparseable coordinate {value!r}")
    degrees = abs(numbers[0]) + sum(n / 60.0**i for i, n in enumerate(numbers[1:], start=1))
    negative = numbers[0] < 0 or bool(re.search(r"[SW]\s*$", value.strip(), re.IGNORECASE))
    return -degrees if negative else degrees


def _parse_position(value: Any) -> tuple[float, float] | None:
    if not isinstance(value, str) or not value.strip():
        return None
    parts = [p for p in re.split(r"\s*,\s*", value.strip()) if p]
    if len(parts) == 1:
        halves = parts[0].split()
        if len(halves) == 2:
            parts = halves
    if len(parts) != 2:
        raise ValueError(f"unparseable position {value!r}")
    lat, lon = _parse_coordinate(parts[0]), _parse_coordinate(parts[1])
    return (lat, lon) if lat is not None and lon is not None else None


def _parse_gps(raw: Mapping[str, Any]) -> _Gps:
    try:
        lat = _parse_coordinate(raw.get("GPSLatitude"))
        lon = _parse_coordinate(raw.get("GPSLongitude"))
        if lat is None or lon is None:
            position = _parse_position(raw.get("GPSPosition"))
            if position is not None:
                lat = lat if lat is not None else position[0]
                lon = lon if lon is not None else position[1]
    except ValueError:
        return _Gps(invalid=True)
    if lat is None or lon is None:
        return _Gps()
    if lat == 0 and lon == 0:
        return _Gps(invalid=True)
    if not (math.isfinite(lat) and math.isfinite(lon)) or abs(lat) > 90 or abs(lon) > 180:
        return _Gps(invalid=True)
    # References win over the sign: a value with a South/West reference is negative.
    if str(raw.get("GPSLatitudeRef", "")).strip().upper().startswith("S"):
        lat = -abs(lat)
    if str(raw.get("GPSLongitudeRef", "")).strip().upper().startswith("W"):
        lon = -abs(lon)
    return _Gps(lat, lon)


def _is_nullish(value: Any) -> bool:
    return value is None or (isinstance(value, str) and value.strip() in _NULLISH)


def _is_utc_tag(tag: str) -> bool:
    return "UTC" in tag or tag.startswith("GPS")


def _extract_time_zone(raw: Mapping[str, Any], gps: _Gps, is_video: bool) -> tuple[str, str] | None:
    for tag in TIMEZONE_OFFSET_TAGS:
        zone = extract_zone(raw.get(tag))
        if zone is not None:
            return zone, tag
    if not gps.invalid and gps.latitude is not None and isinstance(raw.get("GeolocationTimeZone"), str):
        # ExifTool's geolocation database stands in for upstream's geo-tz lookup of the same position.
        zone = normalize_zone(raw["GeolocationTimeZone"])
        if zone is not None:
            return zone, "GeolocationTimeZone"
    for tag in CAPTURED_AT_TAGS:
        zone = extract_zone(raw.get(tag))
        # Some exporters stamp a spurious +00:00 on dates, so UTC is not trusted here.
        if zone is not None and not is_utc_zone(zone):
            return zone, tag
    if is_video:
        return "UTC", "defaultVideosToUTC"
    return _zone_from_utc_clock(raw) or _zone_from_time_stamp(raw)


def _zone_from_utc_clock(raw: Mapping[str, Any]) -> tuple[str, str] | None:
    stamp = None
    if not _blank(raw.get("GPSDateStamp")) and not _blank(raw.get("GPSTimeStamp")):
        stamp = f"{raw['GPSDateStamp']} {raw['GPSTimeStamp']}"
    sources = {
        "GPSDateTime": raw.get("GPSDateTime"),
        "DateTimeUTC": raw.get("DateTimeUTC"),
        "GPSDateTimeStamp": stamp,
        "SonyDateTime2": raw.get("SonyDateTime2"),
    }
    utc: tuple[str, datetime] | None = None
    for tag, value in sources.items():
        parsed = parse_exif_datetime(value)
        if parsed is not None and (parsed.zone is None or is_utc_zone(parsed.zone)):
            utc = tag, parsed.local_as_utc()
            break
    if utc is None:
        return None
    for tag in CAPTURED_AT_TAGS:
        parsed = parse_exif_datetime(raw.get(tag))
        if parsed is not None and parsed.zone is None:
            delta = (parsed.local_as_utc() - utc[1]).total_seconds() / 60
            zone = offset_minutes_to_zone_name(_likely_offset_minutes(delta))
            return (zone, f"offset between {tag} and {utc[0]}") if zone else None
    return None


def _zone_from_time_stamp(raw: Mapping[str, Any]) -> tuple[str, str] | None:
    stamp = parse_exif_datetime(raw.get("TimeStamp"))
    if stamp is None:
        return None
    for tag in CAPTURED_AT_TAGS:
        parsed = parse_exif_datetime(raw.get(tag))
        if parsed is None:
            continue
        if parsed.zone is not None:
            return parsed.zone, tag
        delta = math.floor((parsed.local_as_utc() - stamp.instant()).total_seconds() / 60)
        zone = offset_minutes_to_zone_name(_likely_offset_minutes(delta))
        if zone is not None:
            return zone, f"offset between {tag} and TimeStamp"
    return None


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def parse_tags(raw: Mapping[str, Any]) -> dict[str, Any]:
    """One file's ExifTool JSON with GPS checked, `tz`/`tzSource` set and date tags parsed to ExifDateTime."""
    is_video = str(raw.get("MIMEType", "")).startswith("video/")
    gps = _parse_gps(raw)
    found_zone = _extract_time_zone(raw, gps, is_video)
    zone = found_zone[0] if found_zone else None
    tags: dict[str, Any] = {}
    if not gps.invalid and gps.latitude is not None and gps.longitude is not None:
        tags["GPSLatitude"] = gps.latitude
        tags["GPSLongitude"] = gps.longitude
    if found_zone is not None:
        tags["tz"], tags["tzSource"] = found_zone
    for key, value in raw.items():
        if key in tags or _is_nullish(value):
            continue
        if gps.invalid and (key.startswith("GPS") or key.startswith("Geolocation")):
            continue  # no GPS value of an invalid position is trusted
        if key in _DATE_TAGS and isinstance(value, str):
            tags[key] = _parse_date_tag(key, value, zone, is_video)
        else:
            tags[key] = value
    return tags


def _parse_date_tag(tag: str, value: str, zone: str | None, is_video: bool) -> ExifDateTime | str:
    # Videos store zoneless times in UTC; photos default to the file's zone.
    default_zone = "UTC" if _is_utc_tag(tag) or is_video else zone
    parsed = parse_exif_datetime(value, default_zone)
    if parsed is None:
        return value
    if is_video and zone is not None and not _is_utc_tag(tag) and parsed.inferred_zone:
        return parsed.in_zone(zone)
    return parsed


def merge_tags(
    media: Mapping[str, Any],
    sidecar: Mapping[str, Any] | None,
    video: Mapping[str, Any] | None,
) -> dict[str, Any]:
    """Upstream's `mergeExifTags`: sidecar dates replace all media dates; durations come from the video probe only."""
    media_tags = dict(media)
    sidecar_tags = dict(sidecar) if sidecar is not None else None
    if sidecar_tags is not None and first_date_time(sidecar_tags) is not None:
        for tag in EXIF_DATE_TAGS:
            media_tags.pop(tag, None)
    media_tags.pop("Duration", None)
    if sidecar_tags is not None:
        sidecar_tags.pop("Duration", None)
    return {**media_tags, **(video or {}), **(sidecar_tags or {})}


# ---------------------------------------------------------------------------------------------------------------
# Result types


@dataclass(frozen=True)
class FileStats:
    """What the metadata step needs from `stat()`: size and modification/creation times."""

    size: int
    mtime: datetime
    birthtime: datetime | None = None

    @classmethod
    def from_path(cls, path: Path) -> FileStats:
        """Size and times of a file, to the millisecond like Node's `fs.stat` dates."""
        stat = path.stat()
        birth = getattr(stat, "st_birthtime", None)
        return cls(
            size=stat.st_size,
            mtime=_epoch_millis(stat.st_mtime_ns // 1_000_000),
            birthtime=_epoch_millis(int(birth * 1000)) if birth else None,
        )


def _epoch_millis(millis: int) -> datetime:
    return datetime(1970, 1, 1, tzinfo=UTC) + timedelta(milliseconds=millis)


@dataclass(frozen=True)
class VideoTags:
    """What upstream takes from ffprobe for a video: format duration (seconds) and the main stream's rotation."""

    duration_seconds: float | None = None
    rotation: int | None = None


@dataclass(frozen=True)
class MotionPhoto:
    """Where the video of an Android motion photo is: a binary tag to extract, or a byte range of the file."""

    tag: str | None = None
    offset: int | None = None
    length: int | None = None


@dataclass(frozen=True)
class FaceRegion:
    """A named face region (MWG RegionInfo) in pixels of the displayed (oriented) image."""

    name: str
    image_width: int
    image_height: int
    x1: int
    y1: int
    x2: int
    y2: int


@dataclass(frozen=True)
class ExtractedMetadata:
    """Every `asset_exif` column (but the reverse-geocoded city/state/country) plus the asset fields upstream sets."""

    # asset_exif
    make: str | None = None
    model: str | None = None
    exif_image_width: int | None = None
    exif_image_height: int | None = None
    file_size_in_byte: int | None = None
    orientation: str | None = None
    date_time_original: datetime | None = None
    modify_date: datetime | None = None
    time_zone: str | None = None
    lens_model: str | None = None
    f_number: float | None = None
    focal_length: float | None = None
    iso: int | None = None
    exposure_time: str | None = None
    latitude: float | None = None
    longitude: float | None = None
    description: str = ""
    projection_type: str | None = None
    profile_description: str | None = None
    colorspace: str | None = None
    bits_per_sample: int | None = None
    rating: int | None = None
    fps: float | None = None
    live_photo_cid: str | None = None
    auto_stack_id: str | None = None
    # asset
    local_date_time: datetime | None = None
    file_created_at: datetime | None = None
    file_modified_at: datetime | None = None
    duration: str | None = None
    # related rows
    tags: tuple[str, ...] = ()
    motion_photo: MotionPhoto | None = None
    face_regions: tuple[FaceRegion, ...] = ()
    # diagnostics
    date_tag: str | None = None
    time_zone_source: str | None = None

    _EXIF_COLUMNS = (
        "make", "model", "exif_image_width", "exif_image_height", "file_size_in_byte", "orientation",
        "date_time_original", "modify_date", "time_zone", "lens_model", "f_number", "focal_length", "iso",
        "exposure_time", "latitude", "longitude", "description", "projection_type", "profile_description",
        "colorspace", "bits_per_sample", "rating", "fps", "live_photo_cid", "auto_stack_id",
    )  # fmt: skip

    def exif_row(self) -> dict[str, Any]:
        """The `asset_exif` column values (without asset_id and the geocoded names)."""
        values = asdict(self)
        return {name: values[name] for name in self._EXIF_COLUMNS}


@dataclass(frozen=True)
class SidecarTags:
    """Values the sidecar-write job puts into `<original>.xmp`; None leaves a tag alone (upstream omits undefined)."""

    description: str | None = None
    date_time_original: str | None = None
    latitude: float | None = None
    longitude: float | None = None
    rating: int | None = None
    tags: Sequence[str] | None = None

    def exiftool_tags(self) -> dict[str, TagValue | None]:
        """ExifTool tag names and values, as upstream's `handleSidecarWrite` builds them."""
        return {
            "Description": self.description,
            "ImageDescription": self.description,
            "DateTimeOriginal": self.date_time_original,
            "GPSLatitude": self.latitude,
            "GPSLongitude": self.longitude,
            "Rating": self.rating,
            "TagsList": list(self.tags) if self.tags is not None else None,
        }

    def is_empty(self) -> bool:
        return all(value is None for value in self.exiftool_tags().values())


# ---------------------------------------------------------------------------------------------------------------
# Merged tags -> ExtractedMetadata (metadata.service.ts behaviour)


def _js_string(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, list):
        return ",".join(_js_string(v) for v in value)
    return str(value)


def _number(value: Any) -> float | int | None:
    """Upstream's `validate`: first of a list; strings and non-finite numbers are dropped."""
    if isinstance(value, list):
        value = value[0] if value else None
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def _int(value: Any) -> int | None:
    number = _number(value)
    return int(number) if number is not None else None


def _float(value: Any) -> float | None:
    number = _number(value)
    return float(number) if number is not None else None


def _text(value: Any) -> str | None:
    return None if value is None else _js_string(value)


def _js_parse_float(value: Any) -> float | None:
    if isinstance(value, int | float) and not isinstance(value, bool):
        result = float(value)
    else:
        match = re.match(r"\s*[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?", str(value)) if value is not None else None
        if not match:
            return None
        result = float(match.group())
    return result if math.isfinite(result) else None


def _js_parse_int(value: Any) -> int | None:
    match = re.match(r"\s*([-+]?\d+)", str(value))
    return int(match.group(1)) if match else None


def _dimensions(tags: Mapping[str, Any]) -> tuple[int | None, int | None]:
    # RAW files (CR2, RAF) give the preview's size in ImageWidth/Height; ImageSize is the real one.
    size = tags.get("ImageSize")
    width = height = None
    if isinstance(size, str) and "x" in size:
        parts = [_js_parse_int(p) or None for p in size.split("x")]
        if len(parts) >= 2:
            width, height = parts[0], parts[1]
    if not width or not height:
        return _int(tags.get("ImageWidth")), _int(tags.get("ImageHeight"))
    return width, height


def _lens_model(tags: Mapping[str, Any]) -> str | None:
    for name in ("LensID", "LensType", "LensSpec", "LensModel"):
        if tags.get(name) is not None:
            lens = _js_string(tags[name]).strip()
            break
    else:
        return None
    if lens == "----" or lens.startswith("Unknown"):
        return None
    return lens or None


def _bits_per_sample(tags: Mapping[str, Any]) -> int | None:
    for name in ("BitsPerSample", "ComponentBitDepth", "ImagePixelDepth", "BitDepth", "ColorBitDepth"):
        value = tags.get(name)
        number = _js_parse_int(value) if isinstance(value, str) else _number(value)
        if number is not None:
            bits = int(number)
            # Per-pixel depth (24, 48) becomes per-channel.
            return bits // 3 if bits >= 24 and bits % 3 == 0 else bits
    return None


def _coalesce(*values: Any) -> Any:
    """JavaScript's `a ?? b ?? c`."""
    return next((value for value in values if value is not None), None)


def _struct_get(tags: Mapping[str, Any], name: str, key: str) -> Any:
    value = tags.get(name)
    return value.get(key) if isinstance(value, dict) else None


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def tag_list(tags: Mapping[str, Any]) -> tuple[str, ...]:
    """Tag values from TagsList, else HierarchicalSubject ('a|b' -> 'a/b'), else Keywords (upstream's `getTagList`)."""
    if tags.get("TagsList") is not None:
        return tuple(_js_string(v) for v in _as_list(tags["TagsList"]))
    if tags.get("HierarchicalSubject") is not None:
        return tuple(
            _js_string(v)
            if isinstance(v, int | float)
            else "/".join(part.replace("/", "|") for part in str(v).split("|"))
            for v in _as_list(tags["HierarchicalSubject"])
        )
    if tags.get("Keywords") is not None:
        return tuple(_js_string(v) for v in _as_list(tags["Keywords"]))
    return ()


def motion_photo(tags: Mapping[str, Any], *, is_image: bool) -> MotionPhoto | None:
    """Where an Android motion photo's video is (upstream's `isMotionPhoto`/`applyMotionPhotos` rules)."""
    if not is_image or not (tags.get("MotionPhoto") or tags.get("MicroVideo")):
        return None
    length = padding = 0
    directory = tags.get("ContainerDirectory")
    if tags.get("MotionPhoto") and isinstance(directory, list):
        for entry in directory:
            item = entry.get("Item") if isinstance(entry, dict) else None
            if isinstance(item, dict) and item.get("Semantic") == "MotionPhoto":
                length = _int(item.get("Length")) or 0
                padding = _int(item.get("Padding")) or 0
                break
    offset = tags.get("MicroVideoOffset")
    if tags.get("MicroVideo") and isinstance(offset, int | float) and not isinstance(offset, bool):
        length = int(offset)
    if tags.get("MotionPhotoVideo"):
        return MotionPhoto(tag="MotionPhotoVideo")
    # HEIC files carry these tags too, so they only count after MotionPhotoVideo.
    if tags.get("EmbeddedVideoType") == "MotionPhoto_Data" and tags.get("EmbeddedVideoFile"):
        return MotionPhoto(tag="EmbeddedVideoFile")
    if not length:
        return None
    return MotionPhoto(offset=-(length + padding), length=length)


def face_regions(tags: Mapping[str, Any]) -> tuple[FaceRegion, ...]:
    """Named MWG face regions, rotated with the EXIF orientation like upstream's `orientRegionInfo`."""
    info = tags.get("RegionInfo")
    if not isinstance(info, dict):
        return ()
    applied = info.get("AppliedToDimensions")
    regions = info.get("RegionList")
    if not isinstance(applied, dict) or not isinstance(regions, list) or not regions:
        return ()
    orientation = _int(tags.get("Orientation"))
    sideways = orientation in _SIDEWAYS_ORIENTATIONS
    width, height = _float(applied.get("W")) or 0.0, _float(applied.get("H")) or 0.0
    if sideways:
        width, height = height, width
    result = []
    for region in regions:
        area = region.get("Area") if isinstance(region, dict) else None
        if not isinstance(area, dict) or not region.get("Name"):
            continue
        x, y, w, h = (_float(area.get(k)) or 0.0 for k in ("X", "Y", "W", "H"))
        x, y = _orient_point(x, y, orientation)
        if sideways:
            w, h = h, w
        result.append(
            FaceRegion(
                name=_js_string(region["Name"]),
                image_width=int(width),
                image_height=int(height),
                x1=math.floor((x - w / 2) * width),
                y1=math.floor((y - h / 2) * height),
                x2=math.floor((x + w / 2) * width),
                y2=math.floor((y + h / 2) * height),
            )
        )
    return tuple(result)


def _orient_point(x: float, y: float, orientation: int | None) -> tuple[float, float]:
    mapping = {
        2: (1 - x, y),
        3: (1 - x, 1 - y),
        4: (x, 1 - y),
        5: (y, x),
        6: (1 - y, x),
        7: (1 - y, 1 - x),
        8: (y, 1 - x),
    }
    return mapping.get(orientation or 1, (x, y))


def video_tags_to_exif(video: VideoTags) -> dict[str, Any]:
    """The probe's values as the tags upstream's `getVideoTags` returns (Duration text, Orientation)."""
    tags: dict[str, Any] = {}
    rotation_to_orientation = {
        -90: ORIENTATION_ROTATE_90_CW,
        0: ORIENTATION_HORIZONTAL,
        90: ORIENTATION_ROTATE_270_CW,
        180: ORIENTATION_ROTATE_180,
    }
    if video.rotation in rotation_to_orientation:
        tags["Orientation"] = rotation_to_orientation[video.rotation]
    if video.duration_seconds:
        tags["Duration"] = format_duration(video.duration_seconds)
    return tags


def map_metadata(
    tags: Mapping[str, Any],
    stats: FileStats,
    *,
    is_image: bool = True,
) -> ExtractedMetadata:
    """Turn merged, parsed tags into the values upstream writes to `exif` and `assets`."""
    found = first_date_time(tags)
    date_tag, date_time = found if found else (None, None)
    time_zone = tags.get("tz") if isinstance(tags.get("tz"), str) else None
    if time_zone is None and date_time is not None and date_time.raw.endswith("+00:00"):
        # exiftool-vendored reports no zone for an explicit +00:00 (its issue 203); upstream patches it here.
        time_zone = "UTC+0"
    if date_time is not None:
        date_time_original = date_time.instant()
        local_date_time = date_time.local_as_utc()
    else:
        earliest = min(stats.mtime, stats.birthtime) if stats.birthtime else stats.mtime
        date_time_original = local_date_time = earliest

    latitude = longitude = None
    lat, lon = tags.get("GPSLatitude"), tags.get("GPSLongitude")
    # Upstream's `hasGeo` tests the latitude twice, so a position on the equator counts as none.
    if isinstance(lat, int | float) and isinstance(lon, int | float) and lat != 0:
        latitude, longitude = float(lat), float(lon)

    width, height = _dimensions(tags)
    orientation = _number(tags.get("Orientation"))
    rating = _int(tags.get("Rating"))
    description = tags.get("ImageDescription") or tags.get("Description") or ""
    projection = tags.get("ProjectionType")
    duration = tags.get("Duration")
    live_photo_cid = tags.get("ContentIdentifier") or tags.get("MediaGroupUUID")
    return ExtractedMetadata(
        make=_text(_coalesce(tags.get("Make"), _struct_get(tags, "Device", "Manufacturer"), tags.get("AndroidMake"))),
        model=_text(_coalesce(tags.get("Model"), _struct_get(tags, "Device", "ModelName"), tags.get("AndroidModel"))),
        exif_image_width=width,
        exif_image_height=height,
        file_size_in_byte=stats.size,
        orientation=_js_string(orientation) if orientation is not None else None,
        date_time_original=date_time_original,
        modify_date=stats.mtime,
        time_zone=time_zone,
        lens_model=_lens_model(tags),
        f_number=_float(tags.get("FNumber")),
        focal_length=_float(tags.get("FocalLength")),
        iso=_int(tags.get("ISO")),
        exposure_time=_text(tags.get("ExposureTime")),
        latitude=latitude,
        longitude=longitude,
        description=_js_string(description).strip(),
        projection_type=_js_string(projection).upper() if projection else None,
        profile_description=_text(tags.get("ProfileDescription") or None),
        colorspace=_text(tags.get("ColorSpace")),
        bits_per_sample=_bits_per_sample(tags),
        rating=rating if rating is not None and -1 <= rating <= 5 else None,
        fps=_js_parse_float(tags.get("VideoFrameRate")),
        live_photo_cid=_text(live_photo_cid) if live_photo_cid else None,
        auto_stack_id=_text(
            _coalesce(*(tags.get(n) for n in ("BurstID", "BurstUUID", "CameraBurstID", "MediaUniqueID")))
        ),
        local_date_time=local_date_time,
        file_created_at=date_time_original,
        file_modified_at=stats.mtime,
        duration=_js_string(duration) if duration is not None and not isinstance(duration, dict) else None,
        tags=tag_list(tags),
        motion_photo=motion_photo(tags, is_image=is_image),
        face_regions=face_regions(tags),
        date_tag=date_tag,
        time_zone_source=tags.get("tzSource") if isinstance(tags.get("tzSource"), str) else None,
    )


# ---------------------------------------------------------------------------------------------------------------
# Orchestration (the ExifTool adapter in `photonest.media.exiftool` supplies the raw reads)


RawReader = Callable[[Path, bool], dict[str, Any]]


def gps_position(raw: Mapping[str, Any]) -> tuple[float, float] | None:
    """The usable GPS position of one file's raw tags, or None (missing, null island, out of range)."""
    gps = _parse_gps(raw)
    if gps.invalid or gps.latitude is None or gps.longitude is None:
        return None
    return gps.latitude, gps.longitude


def extract_metadata(
    read_raw: RawReader,
    path: Path,
    *,
    is_video: bool = False,
    sidecar_path: Path | None = None,
    stats: FileStats | None = None,
    video: VideoTags | None = None,
) -> ExtractedMetadata:
    """Upstream's `getExifTags` and mapping: a photo's own tags, or those merged with its sidecar and probe values."""
    # `video` is ffprobe's duration and rotation; ExifTool's own values stand in when the caller has none.
    file_stats = stats or FileStats.from_path(path)
    media = parse_tags(read_raw(path, is_video))
    if sidecar_path is None and not is_video:
        merged = media
    else:
        sidecar = parse_tags(read_raw(sidecar_path, False)) if sidecar_path is not None else None
        if is_video and video is None:
            video = _video_tags_from_exiftool(media)
        merged = merge_tags(media, sidecar, video_tags_to_exif(video) if video is not None else None)
    return map_metadata(merged, file_stats, is_image=not is_video)


def _video_tags_from_exiftool(tags: Mapping[str, Any]) -> VideoTags:
    """Stand-ins for ffprobe's values when the caller has none: ExifTool's duration and clockwise rotation."""
    clockwise = _int(tags.get("Rotation"))
    # ffprobe reports the display rotation counter-clockwise.
    rotation = {0: 0, 90: -90, 180: 180, 270: 90}.get(clockwise % 360) if clockwise is not None else None
    return VideoTags(duration_seconds=_float(tags.get("Duration")), rotation=rotation)


def read_motion_range(path: Path, motion: MotionPhoto) -> bytes:
    """The `length` bytes that start `-offset` bytes before the end of the file."""
    assert motion.offset is not None and motion.length is not None
    with path.open("rb") as file:
        size = os.fstat(file.fileno()).st_size
        file.seek(max(0, size + motion.offset))
        return file.read(motion.length)


def sidecar_candidates(original: Path) -> list[Path]:
    """Where a sidecar may live: `photo.jpg.xmp` first, then `photo.xmp` (upstream's sidecar discovery order)."""
    return [original.with_name(original.name + ".xmp"), original.with_suffix(".xmp")]
