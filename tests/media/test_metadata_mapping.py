"""Tag mapping and the date/time-zone rules of metadata extraction, on hand-made tag sets (no ExifTool)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from photonest.media.metadata import (
    ExifDateTime,
    FileStats,
    MotionPhoto,
    SidecarTags,
    VideoTags,
    extract_zone,
    face_regions,
    format_duration,
    map_metadata,
    merge_tags,
    normalize_zone,
    offset_minutes_to_zone_name,
    parse_exif_datetime,
    parse_tags,
    read_motion_range,
    tag_list,
    video_tags_to_exif,
)

MTIME = datetime(2024, 5, 6, 7, 8, 9, tzinfo=UTC)
STATS = FileStats(size=1234, mtime=MTIME)


def extract(raw: dict[str, Any], *, sidecar: dict[str, Any] | None = None, video: VideoTags | None = None) -> Any:
    """Parse and map like the reader does for one file (+ sidecar / probe values)."""
    media = parse_tags(raw)
    is_video = str(raw.get("MIMEType", "")).startswith("video/")
    if sidecar is None and not is_video:
        merged = media
    else:
        probe = video_tags_to_exif(video) if video else None
        merged = merge_tags(media, parse_tags(sidecar) if sidecar is not None else None, probe)
    return map_metadata(merged, STATS, is_image=not is_video)


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0, micro: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, second, micro, tzinfo=UTC)


# ---- zone names and parsing


@pytest.mark.parametrize(
    ("minutes", "name"),
    [(0, "UTC"), (120, "UTC+2"), (-300, "UTC-5"), (330, "UTC+5:30"), (-210, "UTC-3:30"), (345, "UTC+5:45")],
)
def test_offsets_are_named_like_exiftool_vendored(minutes: int, name: str) -> None:
    assert offset_minutes_to_zone_name(minutes) == name


@pytest.mark.parametrize("minutes", [84, 15 * 60, -12 * 60, 7.5])
def test_implausible_offsets_have_no_zone(minutes: float) -> None:
    assert offset_minutes_to_zone_name(minutes) is None


@pytest.mark.parametrize(
    ("value", "zone"),
    [
        ("+02:00", "UTC+2"),
        ("-08:00", "UTC-8"),
        ("+05:30", "UTC+5:30"),
        ("+00:00", "UTC"),
        ("Z", "UTC"),
        ("Europe/Paris", "Europe/Paris"),
        ("UTC+3", "UTC+3"),
        ("GMT", "UTC"),
        (-5, "UTC-5"),
        ([9, 9], "UTC+9"),
        ("2022:01:10 15:15:44-04:00", "UTC-4"),
        ("2022:01:10 15:15:44-04:00 EDT", "UTC-4"),
        ("2022:01:10 15:15:44", None),
        ("", None),
        (None, None),
        (True, None),
        ("+01:24", None),
    ],
)
def test_extract_zone(value: Any, zone: str | None) -> None:
    assert extract_zone(value) == zone


def test_normalize_zone_rejects_non_zones() -> None:
    assert normalize_zone("Not/AZone") is None
    assert normalize_zone("America/Chicago") == "America/Chicago"
    assert normalize_zone("UTC-15") is None


@pytest.mark.parametrize(
    ("text", "local", "zone"),
    [
        ("2012:08:05 11:39:59", datetime(2012, 8, 5, 11, 39, 59), None),
        ("2012:08:05 11:39:59.17", datetime(2012, 8, 5, 11, 39, 59, 170000), None),
        ("2025:06:01 16:59:26.023460", datetime(2025, 6, 1, 16, 59, 26, 23000), None),  # milliseconds, truncated
        ("2024:01:12 21:38:53.853-08:00", datetime(2024, 1, 12, 21, 38, 53, 853000), "UTC-8"),
        ("2023:11:15 12:30:00Z", datetime(2023, 11, 15, 12, 30), "UTC"),
        ("2023-11-19T18:11:00.000-07:00", datetime(2023, 11, 19, 18, 11), "UTC-7"),
        ("2000:09:27 14:35:33+02:00", datetime(2000, 9, 27, 14, 35, 33), "UTC+2"),
        ("2020:01:01 10:00", datetime(2020, 1, 1, 10, 0), None),
        ("Oct 13 2016 00:12:27", datetime(2016, 10, 13, 0, 12, 27), None),
    ],
)
def test_parse_exif_datetime(text: str, local: datetime, zone: str | None) -> None:
    parsed = parse_exif_datetime(text)
    assert parsed is not None
    assert (parsed.local, parsed.zone, parsed.raw) == (local, zone, text)


@pytest.mark.parametrize(
    "text", ["0000:00:00 00:00:00", "2012:08:05", "2012:13:01 00:00:00", "0001:01:01 00:00:00", "x"]
)
def test_unusable_dates_are_rejected(text: str) -> None:
    assert parse_exif_datetime(text) is None


def test_a_default_zone_only_fills_zoneless_values() -> None:
    inferred = parse_exif_datetime("2020:01:01 12:00:00", "UTC+2")
    explicit = parse_exif_datetime("2020:01:01 12:00:00-05:00", "UTC+2")
    assert inferred is not None and explicit is not None
    assert (inferred.zone, inferred.inferred_zone, inferred.instant()) == ("UTC+2", True, utc(2020, 1, 1, 10))
    assert (explicit.zone, explicit.inferred_zone, explicit.instant()) == ("UTC-5", False, utc(2020, 1, 1, 17))


def test_iana_zones_follow_daylight_saving() -> None:
    summer = parse_exif_datetime("2021:07:01 12:00:00", "Europe/Paris")
    winter = parse_exif_datetime("2021:01:01 12:00:00", "Europe/Paris")
    assert summer is not None and winter is not None
    assert summer.instant() == utc(2021, 7, 1, 10)
    assert winter.instant() == utc(2021, 1, 1, 11)


@pytest.mark.parametrize(
    ("seconds", "text"),
    [(1, "00:00:01.000"), (10.0333, "00:00:10.033"), (3725.5, "01:02:05.500"), (0.999, "00:00:00.999")],
)
def test_durations_use_upstreams_video_format(seconds: float, text: str) -> None:
    assert format_duration(seconds) == text


# ---- date tag priority and the time zone of a photo


def test_subsec_date_time_original_wins_over_every_other_date() -> None:
    meta = extract(
        {
            "DateTimeOriginal": "2023:02:02 02:00:00",
            "SubSecDateTimeOriginal": "2023:01:01 01:00:00.5",
            "CreateDate": "2023:04:04 04:00:00",
            "GPSDateTime": "2023:08:08 08:00:00Z",
        }
    )
    assert (meta.date_tag, meta.date_time_original) == ("SubSecDateTimeOriginal", utc(2023, 1, 1, 1, 0, 0, 500000))


@pytest.mark.parametrize(
    ("tags", "winner"),
    [
        ({"SubSecCreateDate": "2023:03:03 03:00:00", "DateTimeOriginal": "2023:02:02 02:00:00"}, "SubSecCreateDate"),
        ({"DateTimeOriginal": "2023:02:02 02:00:00", "CreateDate": "2023:04:04 04:00:00"}, "DateTimeOriginal"),
        ({"MediaCreateDate": "2023:04:04 04:00:00", "CreationDate": "2023:05:05 05:00:00"}, "MediaCreateDate"),
        ({"CreationDate": "2023:05:05 05:00:00", "DateTimeCreated": "2023:06:06 06:00:00"}, "CreationDate"),
        ({"DateTimeCreated": "2023:06:06 06:00:00", "GPSDateTime": "2023:08:08 08:00:00Z"}, "DateTimeCreated"),
        ({"GPSDateTime": "2023:08:08 08:00:00Z", "DateTimeUTC": "2023:09:09 09:00:00"}, "GPSDateTime"),
        ({"DateTimeUTC": "2023:09:09 09:00:00", "SonyDateTime2": "2023:11:11 11:00:00"}, "DateTimeUTC"),
        ({"SonyDateTime2": "2023:11:11 11:00:00", "SourceImageCreateTime": "2023:12:12 12:00:00"}, "SonyDateTime2"),
        ({"DateTimeOriginal": "0000:00:00 00:00:00", "CreateDate": "2023:04:04 04:00:00"}, "CreateDate"),
    ],
)
def test_date_tags_are_tried_in_upstreams_order(tags: dict[str, Any], winner: str) -> None:
    assert extract(tags).date_tag == winner


def test_a_zoneless_date_without_any_zone_hint_is_utc() -> None:
    meta = extract({"DateTimeOriginal": "2012:08:05 11:39:59"})
    assert meta.date_time_original == utc(2012, 8, 5, 11, 39, 59)
    assert meta.local_date_time == utc(2012, 8, 5, 11, 39, 59)
    assert meta.time_zone is None


def test_offset_tags_give_the_zone_and_shift_the_instant() -> None:
    meta = extract({"DateTimeOriginal": "2020:06:01 12:00:00", "OffsetTimeOriginal": "+02:00"})
    assert meta.time_zone == "UTC+2"
    assert meta.time_zone_source == "OffsetTimeOriginal"
    assert meta.date_time_original == utc(2020, 6, 1, 10)
    assert meta.local_date_time == utc(2020, 6, 1, 12)
    assert meta.file_created_at == meta.date_time_original


def test_time_zone_tag_comes_before_offset_tags() -> None:
    meta = extract({"DateTimeOriginal": "2020:06:01 12:00:00", "TimeZone": "+09:00", "OffsetTimeOriginal": "+02:00"})
    assert (meta.time_zone, meta.date_time_original) == ("UTC+9", utc(2020, 6, 1, 3))


def test_an_offset_inside_the_date_beats_the_backfilled_zone() -> None:
    meta = extract({"SubSecDateTimeOriginal": "2024:01:12 21:38:53.853-08:00", "OffsetTime": "-05:00"})
    assert meta.time_zone == "UTC-5"
    assert meta.date_time_original == utc(2024, 1, 13, 5, 38, 53, 853000)
    assert meta.local_date_time == utc(2024, 1, 12, 21, 38, 53, 853000)


def test_the_gps_position_gives_an_iana_zone() -> None:
    meta = extract(
        {
            "DateTimeOriginal": "2019:03:21 11:04:22.348",
            "GPSLatitude": 41.2203,
            "GPSLongitude": -96.071625,
            "GeolocationTimeZone": "America/Chicago",
        }
    )
    assert (meta.time_zone, meta.time_zone_source) == ("America/Chicago", "GeolocationTimeZone")
    assert meta.date_time_original == utc(2019, 3, 21, 16, 4, 22, 348000)
    assert meta.local_date_time == utc(2019, 3, 21, 11, 4, 22, 348000)


def test_no_gps_zone_without_a_valid_position() -> None:
    meta = extract({"DateTimeOriginal": "2020:01:01 12:00:00", "GeolocationTimeZone": "America/Chicago"})
    assert meta.time_zone is None


def test_an_offset_in_a_capture_date_tag_gives_the_zone_of_the_others() -> None:
    meta = extract({"DateTimeOriginal": "2000:09:27 14:35:33", "CreateDate": "2000:09:27 14:35:33+02:00"})
    assert (meta.time_zone, meta.time_zone_source) == ("UTC+2", "CreateDate")
    assert meta.date_time_original == utc(2000, 9, 27, 12, 35, 33)


def test_a_utc_offset_in_capture_dates_is_not_trusted_as_the_zone() -> None:
    meta = extract({"DateTimeOriginal": "2012:08:05 11:39:59", "DateTimeCreated": "2012:08:05 11:39:59+00:00"})
    assert meta.time_zone is None


def test_explicit_plus_zero_on_the_chosen_date_reads_as_utc_plus_0() -> None:
    meta = extract({"DateTimeOriginal": "2012:08:05 11:39:59+00:00"})
    assert (meta.time_zone, meta.date_time_original) == ("UTC+0", utc(2012, 8, 5, 11, 39, 59))


def test_gps_clock_difference_gives_the_zone() -> None:
    meta = extract({"DateTimeOriginal": "2022:01:10 15:15:44", "GPSDateTime": "2022:01:10 20:15:33.5Z"})
    assert meta.time_zone == "UTC-5"
    assert meta.date_time_original == utc(2022, 1, 10, 20, 15, 44)


def test_gps_date_and_time_stamps_count_as_a_gps_clock() -> None:
    meta = extract(
        {"DateTimeOriginal": "2022:01:10 15:00:00", "GPSDateStamp": "2022:01:10", "GPSTimeStamp": "09:31:00"}
    )
    assert meta.time_zone == "UTC+5:30"


def test_a_gps_clock_more_than_a_day_off_says_nothing() -> None:
    meta = extract({"DateTimeOriginal": "2023:02:02 02:00:00", "GPSDateTime": "2023:08:08 08:00:00"})
    assert meta.time_zone is None
    assert meta.date_time_original == utc(2023, 2, 2, 2)


def test_time_stamp_is_the_last_resort_for_the_zone() -> None:
    meta = extract({"DateTimeOriginal": "2024:01:12 21:38:53", "TimeStamp": "2024:01:13 05:38:53.853+00:00"})
    assert meta.time_zone == "UTC-8"


def test_without_any_date_the_earliest_file_time_is_used() -> None:
    birth = datetime(2020, 1, 1, tzinfo=UTC)
    meta = map_metadata(parse_tags({}), FileStats(size=5, mtime=MTIME, birthtime=birth))
    assert meta.date_time_original == meta.local_date_time == meta.file_created_at == birth
    assert meta.modify_date == meta.file_modified_at == MTIME
    assert meta.file_size_in_byte == 5
    only_mtime = map_metadata(parse_tags({}), STATS)
    assert only_mtime.date_time_original == MTIME


# ---- videos


def test_video_dates_are_utc_by_default() -> None:
    meta = extract({"MIMEType": "video/mp4", "CreateDate": "2020:06:01 10:00:00"})
    assert (meta.time_zone, meta.time_zone_source) == ("UTC", "defaultVideosToUTC")
    assert meta.date_time_original == meta.local_date_time == utc(2020, 6, 1, 10)


def test_video_utc_dates_move_into_the_gps_zone() -> None:
    meta = extract(
        {
            "MIMEType": "video/quicktime",
            "CreateDate": "2020:06:01 10:00:00",
            "GPSLatitude": 48.8584,
            "GPSLongitude": 2.2945,
            "GeolocationTimeZone": "Europe/Paris",
        }
    )
    assert meta.time_zone == "Europe/Paris"
    assert meta.date_time_original == utc(2020, 6, 1, 10)
    assert meta.local_date_time == utc(2020, 6, 1, 12)


def test_video_duration_and_orientation_come_from_the_probe() -> None:
    raw = {"MIMEType": "video/mp4", "CreateDate": "2020:06:01 10:00:00", "Duration": 99.0, "Orientation": 1}
    meta = extract(raw, video=VideoTags(duration_seconds=12.5, rotation=-90))
    assert (meta.duration, meta.orientation) == ("00:00:12.500", "6")
    assert extract(raw, video=VideoTags()).duration is None


@pytest.mark.parametrize(("rotation", "orientation"), [(-90, 6), (0, 1), (90, 8), (180, 3)])
def test_probe_rotation_maps_to_exif_orientation(rotation: int, orientation: int) -> None:
    assert video_tags_to_exif(VideoTags(rotation=rotation))["Orientation"] == orientation


def test_photo_duration_is_exiftools_value_as_text() -> None:
    assert extract({"Duration": 1.5}).duration == "1.5"
    assert extract({}).duration is None


# ---- sidecars


def test_a_sidecar_date_replaces_every_date_of_the_file() -> None:
    meta = extract(
        {"SubSecDateTimeOriginal": "2012:08:05 11:39:59.5", "Make": "SONY", "Rating": 1},
        sidecar={"CreateDate": "2000:09:27 14:35:33+02:00", "Rating": 4},
    )
    assert meta.date_tag == "CreateDate"
    assert meta.date_time_original == utc(2000, 9, 27, 12, 35, 33)
    assert (meta.time_zone, meta.make, meta.rating) == ("UTC+2", "SONY", 4)


def test_a_sidecar_without_dates_keeps_the_files_dates() -> None:
    meta = extract({"DateTimeOriginal": "2012:08:05 11:39:59"}, sidecar={"Description": "from xmp"})
    assert meta.date_time_original == utc(2012, 8, 5, 11, 39, 59)
    assert meta.description == "from xmp"


def test_a_photo_with_a_sidecar_has_no_duration() -> None:
    assert extract({"Duration": 2.0}, sidecar={"Duration": 3.0}).duration is None


def test_sidecar_tags_build_upstreams_exiftool_tags() -> None:
    tags = SidecarTags(description="hi", date_time_original="2023-11-19T18:11:00.000-07:00", rating=3, tags=["a/b"])
    assert tags.exiftool_tags() == {
        "Description": "hi",
        "ImageDescription": "hi",
        "DateTimeOriginal": "2023-11-19T18:11:00.000-07:00",
        "GPSLatitude": None,
        "GPSLongitude": None,
        "Rating": 3,
        "TagsList": ["a/b"],
    }
    assert SidecarTags().is_empty()
    assert not SidecarTags(description="").is_empty()


# ---- GPS


@pytest.mark.parametrize(
    ("raw", "position"),
    [
        ({"GPSLatitude": 39.115, "GPSLongitude": -108.4}, (39.115, -108.4)),
        ({"GPSLatitude": 33.5, "GPSLongitude": 151.25, "GPSLatitudeRef": "South"}, (-33.5, 151.25)),
        ({"GPSLatitude": 10.0, "GPSLongitude": 20.0, "GPSLongitudeRef": "W"}, (10.0, -20.0)),
        ({"GPSLatitude": 0, "GPSLongitude": 0}, (None, None)),  # null island
        ({"GPSLatitude": 91, "GPSLongitude": 10}, (None, None)),
        ({"GPSLatitude": 10, "GPSLongitude": 181}, (None, None)),
        ({"GPSLatitude": "", "GPSLongitude": "", "GPSLatitudeRef": "Unknown ()"}, (None, None)),
        ({"GPSPosition": "41.2203 -96.071625"}, (41.2203, -96.071625)),
        ({"GPSLatitude": "39 deg 7' 30.00\" N", "GPSLongitude": "108 deg 30' 0.00\" W"}, (39.125, -108.5)),
        ({"GPSLatitude": 0, "GPSLongitude": 12.5}, (None, None)),  # upstream's hasGeo tests the latitude twice
        ({"GPSLatitude": 12.5}, (None, None)),
    ],
)
def test_gps_sanity(raw: dict[str, Any], position: tuple[float | None, float | None]) -> None:
    meta = extract(raw)
    assert (meta.latitude, meta.longitude) == pytest.approx(position)


def test_an_invalid_position_drops_every_gps_tag() -> None:
    tags = parse_tags({"GPSLatitude": 0, "GPSLongitude": 0, "GPSDateTime": "2020:01:01 00:00:00Z", "Make": "X"})
    assert not any(key.startswith("GPS") for key in tags)
    assert tags["Make"] == "X"


# ---- the other columns


def test_camera_fields() -> None:
    meta = extract(
        {
            "Make": "Canon",
            "Model": 5,
            "ExposureTime": "1/250",
            "FNumber": 11.0,
            "FocalLength": 40,
            "ISO": [160, 200],
            "LensModel": "EF50mm f/1.8",
            "VideoFrameRate": "29.97",
            "ColorSpace": "sRGB",
            "ProfileDescription": "Display P3",
            "ProjectionType": "equirectangular",
        }
    )
    assert meta.make == "Canon"
    assert meta.model == "5"
    assert (meta.exposure_time, meta.f_number, meta.focal_length, meta.iso) == ("1/250", 11.0, 40.0, 160)
    assert (meta.lens_model, meta.fps, meta.colorspace) == ("EF50mm f/1.8", 29.97, "sRGB")
    assert (meta.profile_description, meta.projection_type) == ("Display P3", "EQUIRECTANGULAR")


def test_whole_second_exposures_are_numbers_in_exif_and_text_here() -> None:
    assert extract({"ExposureTime": 2}).exposure_time == "2"
    assert extract({"ExposureTime": 1.3}).exposure_time == "1.3"


def test_make_falls_back_to_device_and_android_tags() -> None:
    assert extract({"Device": {"Manufacturer": "Google", "ModelName": "Pixel"}}).model == "Pixel"
    assert extract({"AndroidMake": "Xiaomi", "AndroidModel": "13"}).make == "Xiaomi"


@pytest.mark.parametrize(
    ("tags", "lens"),
    [
        ({"LensID": "Canon RF 100-500mm", "LensModel": "RF100-500mm"}, "Canon RF 100-500mm"),
        ({"LensModel": "  E 25mm F2 "}, "E 25mm F2"),
        ({"LensID": "Unknown 6-18mm"}, None),
        ({"LensModel": "----"}, None),
        ({"LensModel": ""}, None),
        ({}, None),
    ],
)
def test_lens_model(tags: dict[str, Any], lens: str | None) -> None:
    assert extract(tags).lens_model == lens


@pytest.mark.parametrize(
    ("tags", "bits"),
    [
        ({"BitsPerSample": 8}, 8),
        ({"BitsPerSample": "16 16 16"}, 16),
        ({"ImagePixelDepth": "10 10 10"}, 10),
        ({"BitDepth": 24}, 8),
        ({"ColorBitDepth": 48}, 16),
        ({}, None),
    ],
)
def test_bits_per_sample(tags: dict[str, Any], bits: int | None) -> None:
    assert extract(tags).bits_per_sample == bits


@pytest.mark.parametrize(("rating", "stored"), [(3, 3), (0, 0), (-1, -1), (5, 5), (6, None), (-2, None), ("3", None)])
def test_ratings_outside_minus_one_to_five_are_dropped(rating: Any, stored: int | None) -> None:
    assert extract({"Rating": rating}).rating == stored


@pytest.mark.parametrize(
    ("tags", "dimensions"),
    [
        ({"ImageSize": "6048x4024", "ImageWidth": 160, "ImageHeight": 120}, (6048, 4024)),
        ({"ImageWidth": 800, "ImageHeight": 600}, (800, 600)),
        ({"ImageSize": "0x0", "ImageWidth": 8, "ImageHeight": 6}, (8, 6)),
    ],
)
def test_dimensions_prefer_image_size(tags: dict[str, Any], dimensions: tuple[int, int]) -> None:
    meta = extract(tags)
    assert (meta.exif_image_width, meta.exif_image_height) == dimensions


def test_description_prefers_image_description_and_is_trimmed() -> None:
    assert extract({"ImageDescription": " a ", "Description": "b"}).description == "a"
    assert extract({"ImageDescription": "", "Description": 2024}).description == "2024"
    assert extract({"Description": "     "}).description == ""


def test_orientation_is_text() -> None:
    assert extract({"Orientation": 6}).orientation == "6"
    assert extract({"Orientation": "Rotate 90 CW"}).orientation is None


def test_live_photo_and_burst_ids() -> None:
    assert extract({"ContentIdentifier": "CID-1", "MediaGroupUUID": "G"}).live_photo_cid == "CID-1"
    assert extract({"MediaGroupUUID": "G"}).live_photo_cid == "G"
    assert extract({"BurstUUID": "B", "MediaUniqueID": "M"}).auto_stack_id == "B"
    assert extract({}).live_photo_cid is None


@pytest.mark.parametrize(
    ("tags", "expected"),
    [
        ({"TagsList": ["People/Marie", 42], "Keywords": ["x"]}, ("People/Marie", "42")),
        ({"HierarchicalSubject": ["Places|France|Paris", "a/b|c", 7]}, ("Places/France/Paris", "a|b/c", "7")),
        ({"Keywords": "single"}, ("single",)),
        ({"Keywords": ["Frost", "Yard"]}, ("Frost", "Yard")),
        ({"TagsList": "only"}, ("only",)),
        ({}, ()),
    ],
)
def test_tags_come_from_tagslist_then_hierarchical_subject_then_keywords(
    tags: dict[str, Any], expected: tuple[str, ...]
) -> None:
    assert tag_list(tags) == expected


def test_exif_row_has_every_exif_column() -> None:
    row = extract({"Make": "X"}).exif_row()
    assert set(row) == {
        "make", "model", "exif_image_width", "exif_image_height", "file_size_in_byte", "orientation",
        "date_time_original", "modify_date", "time_zone", "lens_model", "f_number", "focal_length", "iso",
        "exposure_time", "latitude", "longitude", "description", "projection_type", "profile_description",
        "colorspace", "bits_per_sample", "rating", "fps", "live_photo_cid", "auto_stack_id",
    }  # fmt: skip


# ---- motion photos and faces


def test_google_motion_photo_uses_the_container_directory() -> None:
    directory = [
        {"Item": {"Semantic": "Primary", "Length": 0, "Mime": "image/jpeg"}},
        {"Item": {"Semantic": "MotionPhoto", "Length": 1000, "Padding": 10, "Mime": "video/mp4"}},
    ]
    meta = extract({"MotionPhoto": 1, "ContainerDirectory": directory})
    assert meta.motion_photo == MotionPhoto(offset=-1010, length=1000)


def test_micro_video_offset_is_the_length_from_the_end() -> None:
    assert extract({"MicroVideo": 1, "MicroVideoOffset": 500}).motion_photo == MotionPhoto(offset=-500, length=500)


def test_samsung_motion_photos_use_binary_tags() -> None:
    heic = {"MotionPhoto": 1, "MotionPhotoVideo": "(Binary data 3 bytes)", "EmbeddedVideoType": "MotionPhoto_Data"}
    jpeg = {"MotionPhoto": 1, "EmbeddedVideoType": "MotionPhoto_Data", "EmbeddedVideoFile": "(Binary data 3 bytes)"}
    assert extract(heic).motion_photo == MotionPhoto(tag="MotionPhotoVideo")
    assert extract(jpeg).motion_photo == MotionPhoto(tag="EmbeddedVideoFile")


def test_no_motion_photo_without_a_video_or_for_videos() -> None:
    assert extract({"MotionPhoto": 1}).motion_photo is None
    assert extract({"MIMEType": "video/mp4", "MicroVideo": 1, "MicroVideoOffset": 5}).motion_photo is None


def test_motion_range_is_read_from_the_end_of_the_file(tmp_path: Path) -> None:
    path = tmp_path / "motion.jpg"
    path.write_bytes(b"JPEGDATA" + b"VIDEO" + b"PAD")
    assert read_motion_range(path, MotionPhoto(offset=-8, length=5)) == b"VIDEO"


def test_face_regions_are_rotated_with_the_orientation() -> None:
    upright = {
        "RegionInfo": {
            "AppliedToDimensions": {"W": 840, "H": 700, "Unit": "pixel"},
            "RegionList": [{"Area": {"X": 0.5, "Y": 0.25, "W": 0.1, "H": 0.2}, "Name": "Ann", "Type": "Face"}],
        }
    }
    # The same face as stored in a file rotated 90 degrees counter-clockwise with orientation 6.
    rotated = {
        "Orientation": 6,
        "RegionInfo": {
            "AppliedToDimensions": {"W": 700, "H": 840, "Unit": "pixel"},
            "RegionList": [{"Area": {"X": 0.25, "Y": 0.5, "W": 0.2, "H": 0.1}, "Name": "Ann", "Type": "Face"}],
        },
    }
    assert face_regions(upright) == face_regions(rotated)
    (face,) = face_regions(upright)
    assert (face.name, face.image_width, face.image_height) == ("Ann", 840, 700)
    assert (face.x1, face.y1, face.x2, face.y2) == (378, 105, 462, 244)  # floor of 244.99999 as in JS


def test_unnamed_face_regions_are_skipped() -> None:
    info = {"RegionInfo": {"AppliedToDimensions": {"W": 10, "H": 10}, "RegionList": [{"Area": {"X": 0.5}}]}}
    assert face_regions(info) == ()


def test_nullish_strings_are_dropped() -> None:
    tags = parse_tags({"Make": "undef", "Model": " null ", "LensModel": "ok"})
    assert "Make" not in tags and "Model" not in tags and tags["LensModel"] == "ok"


def test_exif_date_time_helpers() -> None:
    value = ExifDateTime(datetime(2020, 3, 29, 1, 30), "UTC", "raw")
    assert value.in_zone("Europe/Paris").local == datetime(2020, 3, 29, 3, 30)
    assert value.local_as_utc() == utc(2020, 3, 29, 1, 30)
