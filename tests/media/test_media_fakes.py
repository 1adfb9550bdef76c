"""The media fakes honour the adapter protocols, so service tests can swap them in."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from PIL import Image

from photonest.media.images import ImageOptions, ImageTargets, PillowImageGenerator
from photonest.media.metadata import ExtractedMetadata, FileStats, MotionPhoto, SidecarTags
from photonest.media.protocols import ImageGenerator, MetadataReader, SidecarWriter
from tests.fakes.media import (
    FAKE_MOTION_VIDEO,
    FAKE_THUMBHASH,
    FakeImageGenerator,
    FakeMetadataReader,
    FakeSidecarWriter,
)


def test_fake_metadata_reader_answers_from_its_table(tmp_path: Path) -> None:
    known = ExtractedMetadata(make="Canon", rating=4)
    reader: MetadataReader = FakeMetadataReader(by_name={"a.jpg": known})
    stats = FileStats(size=10, mtime=datetime(2020, 1, 1, tzinfo=UTC))
    meta = reader.read(tmp_path / "a.jpg", stats=stats)
    assert (meta.make, meta.rating, meta.file_size_in_byte) == ("Canon", 4, 10)
    other = reader.read(tmp_path / "b.jpg", stats=stats)
    assert (other.make, other.date_time_original) == (None, stats.mtime)
    assert reader.extract_motion_video(tmp_path / "a.jpg", MotionPhoto(tag="MotionPhotoVideo")) == FAKE_MOTION_VIDEO


def test_fake_sidecar_writer_records_writes(tmp_path: Path) -> None:
    fake = FakeSidecarWriter()
    writer: SidecarWriter = fake
    assert writer.write_sidecar(tmp_path / "a.jpg.xmp", SidecarTags(rating=2))
    assert not writer.write_sidecar(tmp_path / "a.jpg.xmp", SidecarTags())
    assert fake.writes == [(tmp_path / "a.jpg.xmp", SidecarTags(rating=2))]


def test_fake_image_generator_writes_files_with_real_sizes(tmp_path: Path) -> None:
    generator: ImageGenerator = FakeImageGenerator(source_size=(4000, 3000))
    where = ImageTargets(tmp_path / "t" / "p.jpeg", tmp_path / "t" / "t.webp")
    result = generator.generate(tmp_path / "x.heic", where, ImageOptions())
    assert (result.preview_size, result.thumbnail_size, result.thumbhash) == ((1920, 1440), (333, 250), FAKE_THUMBHASH)
    with Image.open(where.preview_path) as preview, Image.open(where.thumbnail_path) as thumbnail:
        assert (preview.format, thumbnail.format) == ("JPEG", "WEBP")
    frame = generator.generate_from_image(Image.new("RGB", (640, 480)), where, ImageOptions())
    assert frame.preview_size == (640, 480)


def test_the_real_adapters_satisfy_the_same_protocols() -> None:
    generator: ImageGenerator = PillowImageGenerator()
    assert generator is not None
