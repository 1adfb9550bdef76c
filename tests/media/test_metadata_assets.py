"""Metadata of every shared test asset, checked against a separate ExifTool read and against pinned values."""

from __future__ import annotations

import base64
import hashlib
import json
import shutil
import subprocess
from collections.abc import Iterator
from datetime import UTC, datetime
from fractions import Fraction
from pathlib import Path
from typing import Any

import pytest

from photonest.media import mime_types
from photonest.media.exiftool import ExifTool, ExifToolMetadata
from photonest.media.metadata import ExtractedMetadata, FileStats, MotionPhoto
from tests.media.media_files import TEST_ASSETS, asset_files, asset_id, media_assets

pytestmark = pytest.mark.skipif(not TEST_ASSETS.is_dir(), reason="shared test assets not present")

MTIME = datetime(2001, 2, 3, 4, 5, 6, tzinfo=UTC)


@pytest.fixture(scope="module")
def exiftool() -> Iterator[ExifTool]:
    tool = ExifTool()
    yield tool
    tool.close()


@pytest.fixture(scope="module")
def reader(exiftool: ExifTool) -> ExifToolMetadata:
    return ExifToolMetadata(exiftool)


@pytest.fixture(scope="module")
def independent(exiftool: ExifTool) -> dict[Path, dict[str, Any]]:
    """All assets read in one separate `exiftool -json -n` run (every value numeric), for cross-checks."""
    files = media_assets()
    output = subprocess.run(
        [exiftool.executable, "-json", "-n", "-use", "MWG", *map(str, files)],
        capture_output=True,
        check=False,
    ).stdout
    return {Path(entry["SourceFile"]): entry for entry in json.loads(output)}


def read(reader: ExifToolMetadata, relative: str, **kwargs: Any) -> ExtractedMetadata:
    path = TEST_ASSETS / relative
    stats = FileStats(size=path.stat().st_size, mtime=MTIME)
    return reader.read(path, is_video=mime_types.is_video(path.name), stats=stats, **kwargs)


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0, micro: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, second, micro, tzinfo=UTC)


@pytest.mark.parametrize("path", asset_files(), ids=asset_id)
def test_every_asset_is_read_and_agrees_with_exiftool(
    reader: ExifToolMetadata, independent: dict[Path, dict[str, Any]], path: Path
) -> None:
    if not (mime_types.is_asset(path.name) or mime_types.is_sidecar(path.name)):
        assert mime_types.asset_type(path.name) == mime_types.AssetType.OTHER  # README, LICENSE
        return
    meta = reader.read(path, is_video=mime_types.is_video(path.name))
    raw = independent[path]
    assert meta.file_size_in_byte == path.stat().st_size
    assert meta.date_time_original is not None and meta.date_time_original.tzinfo is not None
    assert meta.local_date_time is not None and meta.file_created_at == meta.date_time_original
    assert meta.make == (str(raw["Make"]) if "Make" in raw else None)
    assert meta.model == (str(raw["Model"]) if "Model" in raw else None)
    if "ImageWidth" in raw and not mime_types.is_raw(path.name):
        assert (meta.exif_image_width, meta.exif_image_height) == (raw["ImageWidth"], raw["ImageHeight"])
    assert meta.orientation == (str(raw["Orientation"]) if "Orientation" in raw else None)
    iso = raw.get("ISO")
    assert meta.iso == (iso[0] if isinstance(iso, list) else iso)
    assert meta.f_number == raw.get("FNumber")
    assert meta.focal_length == raw.get("FocalLength")
    if "ExposureTime" in raw:
        assert meta.exposure_time is not None
        assert float(Fraction(meta.exposure_time)) == pytest.approx(raw["ExposureTime"], rel=0.01)
    if raw.get("GPSLatitude") not in (None, "", 0):
        assert (meta.latitude, meta.longitude) == pytest.approx((raw["GPSLatitude"], raw["GPSLongitude"]))
    else:
        assert (meta.latitude, meta.longitude) == (None, None)
    if "Rating" in raw:
        assert meta.rating == raw["Rating"]


# ---- pinned values: upstream's e2e expectations where it has them, otherwise read by hand with exiftool


def test_jpeg_matches_upstreams_e2e_values(reader: ExifToolMetadata) -> None:
    meta = read(reader, "formats/jpg/el_torcal_rocks.jpg")
    assert meta.date_time_original == utc(2012, 8, 5, 11, 39, 59)
    assert (meta.exif_image_width, meta.exif_image_height, meta.file_size_in_byte) == (512, 341, 53493)
    assert (meta.latitude, meta.longitude, meta.orientation, meta.time_zone) == (None, None, None, None)
    assert (meta.focal_length, meta.iso, meta.f_number, meta.exposure_time) == (75, 200, 11, "1/160")
    assert (meta.make, meta.model, meta.description) == ("SONY", "DSLR-A550", "SONY DSC")
    assert meta.lens_model == "Tamron AF 28-105mm F4-5.6 [IF]"


def test_heic_matches_upstreams_e2e_values(reader: ExifToolMetadata) -> None:
    meta = read(reader, "formats/heic/IMG_2682.heic")
    assert meta.date_time_original == meta.file_created_at == utc(2019, 3, 21, 16, 4, 22, 348000)
    assert meta.local_date_time == utc(2019, 3, 21, 11, 4, 22, 348000)
    assert (meta.exif_image_width, meta.exif_image_height) == (4032, 3024)
    assert (meta.latitude, meta.longitude) == (41.2203, -96.071625)
    assert (meta.make, meta.model, meta.lens_model) == ("Apple", "iPhone 7", "iPhone 7 back camera 3.99mm f/1.8")
    assert (meta.file_size_in_byte, meta.exposure_time, meta.iso) == (880703, "1/887", 20)
    assert (meta.focal_length, meta.f_number, meta.time_zone) == (3.99, 1.8, "America/Chicago")
    assert (meta.profile_description, meta.colorspace, meta.bits_per_sample) == ("Display P3", "Uncalibrated", 8)


@pytest.mark.parametrize(
    ("relative", "width", "height", "size"),
    [
        ("formats/avif/8bit-sRGB.avif", 1617, 1080, 862_424),
        ("formats/jxl/8bit-sRGB.jxl", 1440, 1080, 1_780_777),
        ("formats/png/density_plot.png", 800, 800, 25_408),
    ],
)
def test_formats_without_exif_match_upstreams_e2e_values(
    reader: ExifToolMetadata, relative: str, width: int, height: int, size: int
) -> None:
    meta = read(reader, relative)
    assert (meta.exif_image_width, meta.exif_image_height, meta.file_size_in_byte) == (width, height, size)
    assert (meta.description, meta.latitude, meta.longitude) == ("", None, None)
    assert meta.date_time_original == meta.local_date_time == MTIME  # no date tag: the file time


def test_date_priority_fixture_uses_date_time_original(reader: ExifToolMetadata) -> None:
    meta = read(reader, "metadata/dates/date-priority-test.jpg")
    assert (meta.date_tag, meta.date_time_original, meta.time_zone) == ("DateTimeOriginal", utc(2023, 2, 2, 2), None)


def test_gps_position_gives_the_zone_of_a_zoneless_date(reader: ExifToolMetadata) -> None:
    meta = read(reader, "metadata/dates/datetimeoriginal-gps.jpg")
    assert (meta.latitude, meta.longitude, meta.time_zone) == (39.0, -108.0, "America/Denver")
    assert meta.date_time_original == utc(2025, 12, 1, 18, 30)
    assert meta.local_date_time == utc(2025, 12, 1, 11, 30)


def test_gps_date_time_alone_is_the_date(reader: ExifToolMetadata) -> None:
    meta = read(reader, "metadata/dates/gps-datetime.jpg")
    assert (meta.date_tag, meta.time_zone) == ("GPSDateTime", "America/Los_Angeles")
    # GPSDateTime carries its own zone (UTC), so the local time stays in UTC as upstream computes it
    assert meta.date_time_original == meta.local_date_time == utc(2023, 11, 15, 12, 30)


def test_time_created_alone_is_no_date(reader: ExifToolMetadata) -> None:
    meta = read(reader, "metadata/dates/time-created.jpg")
    assert (meta.date_tag, meta.date_time_original, meta.time_zone) == (None, MTIME, None)
    assert (meta.make, meta.model) == ("Canon", "EOS R5")


def test_gps_fixture(reader: ExifToolMetadata) -> None:
    meta = read(reader, "metadata/gps-position/thompson-springs.jpg")
    assert (meta.latitude, meta.longitude) == pytest.approx((39.115, -108.400968333333))
    assert meta.time_zone == "America/Denver"
    assert meta.date_time_original == utc(2022, 1, 10, 22, 15, 44, 310000)
    assert meta.tags == ("carol m. highsmith", "america", "utah", "utah winter scenes", "thompson springs")
    assert meta.description.startswith("Early winter scene") and not meta.description.endswith(" ")


def test_empty_gps_tags_are_no_position(reader: ExifToolMetadata) -> None:
    meta = read(reader, "metadata/gps-position/empty_gps.jpg")
    assert (meta.latitude, meta.longitude) == (None, None)
    assert meta.date_time_original == utc(2025, 6, 1, 16, 59, 26, 23000)
    assert (meta.make, meta.model, meta.exif_image_width, meta.exif_image_height) == (
        "motorola",
        "moto g(9) plus",
        4640,
        3472,
    )


def test_rating_fixture(reader: ExifToolMetadata) -> None:
    meta = read(reader, "metadata/rating/mongolels.jpg")
    assert (meta.rating, meta.description) == (3, "Mongol Els")
    assert meta.date_time_original == utc(2009, 8, 29, 13, 18, 8, 170000)


def test_picasa_keywords_become_tags(reader: ExifToolMetadata) -> None:
    meta = read(reader, "metadata/tags/picasa.jpg")
    assert meta.tags == ("Frost", "Yard")
    assert meta.lens_model is None  # "Unknown 6-18mm"
    assert meta.description == "Image-Description"


def test_hierarchical_subjects_become_slash_paths(reader: ExifToolMetadata) -> None:
    meta = read(reader, "albums/nature/prairie_falcon.jpg")
    assert meta.tags[0] == "Other Keywords/SFAN"
    assert meta.rating == 0


def test_portrait_with_orientation_6(reader: ExifToolMetadata) -> None:
    rotated = read(reader, "metadata/faces/portrait-orientation-6.jpg")
    upright = read(reader, "metadata/faces/portrait.jpg")
    assert (rotated.orientation, rotated.exif_image_width, rotated.exif_image_height) == ("6", 700, 840)
    assert (upright.orientation, upright.exif_image_width, upright.exif_image_height) == (None, 840, 700)
    assert rotated.tags == upright.tags == ("People/Marie Curie", "People/Pierre Curie")
    # the regions of the rotated file, turned upright, are those of the upright file
    assert [f.name for f in rotated.face_regions] == ["Marie Curie", "Pierre Curie"]
    for turned, plain in zip(rotated.face_regions, upright.face_regions, strict=True):
        assert (turned.image_width, turned.image_height) == (plain.image_width, plain.image_height) == (840, 700)
        assert abs(turned.x1 - plain.x1) <= 1 and abs(turned.y2 - plain.y2) <= 1


def test_samsung_motion_photo(reader: ExifToolMetadata) -> None:
    meta = read(reader, "formats/motionphoto/samsung-one-ui-6.heic")
    assert meta.motion_photo == MotionPhoto(tag="MotionPhotoVideo")
    assert (meta.make, meta.orientation, meta.time_zone) == ("samsung", "6", "UTC-8")
    assert meta.date_time_original == utc(2024, 1, 13, 5, 38, 53, 853000)
    assert meta.local_date_time == utc(2024, 1, 12, 21, 38, 53, 853000)
    video = reader.extract_motion_video(TEST_ASSETS / "formats/motionphoto/samsung-one-ui-6.heic", meta.motion_photo)
    assert base64.b64encode(hashlib.sha1(video).digest()).decode() == "/ejgzywvgvzvVhUYVfvkLzFBAF0="


def test_motion_photo_byte_range_matches_the_binary_tag(reader: ExifToolMetadata) -> None:
    # The container directory of the same file gives the range upstream falls back to for Google motion photos.
    path = TEST_ASSETS / "formats/motionphoto/samsung-one-ui-6.heic"
    by_range = reader.extract_motion_video(path, MotionPhoto(offset=-3226668, length=3226668 - 199))
    assert by_range == reader.extract_motion_video(path, MotionPhoto(tag="MotionPhotoVideo"))


@pytest.mark.parametrize(
    ("sidecar", "year"),
    [
        ("metadata/xmp/dates/2000.xmp", 2000),
        ("metadata/xmp/dates/2010.xmp", 2010),
        ("metadata/xmp/dates/2020.xmp", 2020),
    ],
)
def test_sidecar_dates_win_over_the_files_dates(reader: ExifToolMetadata, sidecar: str, year: int) -> None:
    meta = read(reader, "formats/jpg/el_torcal_rocks.jpg", sidecar_path=TEST_ASSETS / sidecar)
    assert meta.date_time_original == utc(year, 9, 27, 12, 35, 33)
    assert meta.local_date_time == utc(year, 9, 27, 14, 35, 33)
    assert meta.time_zone == "UTC+2"
    assert (meta.make, meta.description) == ("SONY", "SONY DSC")  # the rest comes from the file


def test_a_sidecar_with_an_iso_array_and_blank_description(reader: ExifToolMetadata) -> None:
    meta = read(
        reader,
        "formats/jpg/el_torcal_rocks.jpg",
        sidecar_path=TEST_ASSETS / "problems/xmp/iso-value-array/iso-value-array.xmp",
    )
    assert meta.iso == 160
    assert (meta.make, meta.model) == ("Canon", "Canon PowerShot SX120 IS")
    assert meta.time_zone == "America/New_York"
    assert meta.date_time_original == utc(2009, 11, 28, 18, 42, 39)
    assert (meta.latitude, meta.longitude) == pytest.approx((40.2346440833333, -76.2871415))
    assert meta.description == "SONY DSC"  # ImageDescription of the file wins over the sidecar's blank Description


def test_sidecar_next_to_a_copy_is_found_by_name(reader: ExifToolMetadata, tmp_path: Path) -> None:
    photo = tmp_path / "photo.jpg"
    shutil.copyfile(TEST_ASSETS / "formats/jpg/el_torcal_rocks.jpg", photo)
    shutil.copyfile(TEST_ASSETS / "metadata/xmp/dates/2010.xmp", tmp_path / "photo.jpg.xmp")
    meta = reader.read(photo, sidecar_path=tmp_path / "photo.jpg.xmp")
    assert meta.date_time_original == utc(2010, 9, 27, 12, 35, 33)
    assert meta.modify_date == meta.file_modified_at == FileStats.from_path(photo).mtime


def test_a_video_with_creation_time_and_location(reader: ExifToolMetadata, tmp_path: Path) -> None:
    import imageio_ffmpeg  # type: ignore[import-untyped,unused-ignore]

    clip = tmp_path / "clip.mp4"
    subprocess.run(
        [
            imageio_ffmpeg.get_ffmpeg_exe(), "-v", "error", "-y", "-f", "lavfi",
            "-i", "testsrc=size=64x48:rate=10:duration=1", "-c:v", "libx264", "-preset", "ultrafast",
            "-pix_fmt", "yuv420p", "-metadata", "creation_time=2020-06-01T10:00:00Z",
            "-metadata", "location=+48.8584+002.2945/", str(clip),
        ],
        check=True,
    )  # fmt: skip
    meta = reader.read(clip, is_video=True)
    # QuickTime dates are UTC; the position's zone gives the local time
    assert meta.date_time_original == utc(2020, 6, 1, 10)
    assert (meta.time_zone, meta.local_date_time) == ("Europe/Paris", utc(2020, 6, 1, 12))
    assert (meta.latitude, meta.longitude) == pytest.approx((48.8584, 2.2945), abs=1e-4)
    assert (meta.duration, meta.fps, meta.orientation) == ("00:00:01.000", 10.0, "1")
    assert meta.motion_photo is None
