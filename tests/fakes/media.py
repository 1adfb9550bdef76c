"""Fakes of the image and metadata adapters (`photonest.media.protocols`) for fast service tests."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path

from PIL import Image

from photonest.media.images import Colorspace, GeneratedImages, ImageOptions, ImageTargets, fit_outside
from photonest.media.metadata import ExtractedMetadata, FileStats, MotionPhoto, SidecarTags, VideoTags

FAKE_THUMBHASH = bytes.fromhex("1f0806000000000000")
FAKE_MOTION_VIDEO = b"fake motion photo video"


@dataclass
class FakeMetadataReader:
    """Answers from a table keyed by file name; unknown files get only file-size and file dates, as with no tags."""

    by_name: Mapping[str, ExtractedMetadata] = field(default_factory=dict)
    reads: list[Path] = field(default_factory=list)
    fail_for: set[str] = field(default_factory=set)

    def read(
        self,
        path: Path,
        *,
        is_video: bool = False,
        sidecar_path: Path | None = None,
        stats: FileStats | None = None,
        video: VideoTags | None = None,
    ) -> ExtractedMetadata:
        self.reads.append(path)
        if path.name in self.fail_for:
            raise RuntimeError(f"fake read failure for {path.name}")
        file_stats = stats or (FileStats.from_path(path) if path.exists() else FileStats(0, datetime.now(UTC)))
        known = self.by_name.get(path.name)
        if known is not None:
            return replace(known, file_size_in_byte=file_stats.size, modify_date=file_stats.mtime)
        return ExtractedMetadata(
            file_size_in_byte=file_stats.size,
            date_time_original=file_stats.mtime,
            modify_date=file_stats.mtime,
            local_date_time=file_stats.mtime,
            file_created_at=file_stats.mtime,
            file_modified_at=file_stats.mtime,
        )

    def extract_motion_video(self, path: Path, motion: MotionPhoto) -> bytes:
        return FAKE_MOTION_VIDEO


@dataclass
class FakeSidecarWriter:
    """Records what would be written into each sidecar."""

    writes: list[tuple[Path, SidecarTags]] = field(default_factory=list)

    def write_sidecar(self, sidecar_path: Path, tags: SidecarTags) -> bool:
        if tags.is_empty():
            return False
        self.writes.append((sidecar_path, tags))
        return True


@dataclass
class FakeImageGenerator:
    """Writes tiny real image files at the right sizes without decoding the source."""

    source_size: tuple[int, int] = (4000, 3000)
    calls: list[Path] = field(default_factory=list)
    fail_for: set[str] = field(default_factory=set)

    def generate(
        self, source: Path, targets: ImageTargets, options: ImageOptions, *, orientation: int | None = None
    ) -> GeneratedImages:
        self.calls.append(source)
        if source.name in self.fail_for:
            raise ValueError(f"fake decode failure for {source.name}")
        return self._write(*self.source_size, targets, options)

    def generate_from_image(self, image: Image.Image, targets: ImageTargets, options: ImageOptions) -> GeneratedImages:
        return self._write(image.width, image.height, targets, options)

    def dimensions(self, source: Path) -> tuple[int, int]:
        return self.source_size

    def _write(self, width: int, height: int, targets: ImageTargets, options: ImageOptions) -> GeneratedImages:
        preview = fit_outside(width, height, options.preview.size)
        thumbnail = fit_outside(*preview, options.thumbnail.size)
        outputs = [
            (targets.preview_path, options.preview.format.value),
            (targets.thumbnail_path, options.thumbnail.format.value),
        ]
        if targets.fullsize_path is not None:
            outputs.append((targets.fullsize_path, options.fullsize.format.value))
        for path, fmt in outputs:
            path.parent.mkdir(parents=True, exist_ok=True)
            Image.new("RGB", (8, 8), (90, 120, 150)).save(path, "JPEG" if fmt == "jpeg" else "WEBP")
        return GeneratedImages(
            thumbhash=FAKE_THUMBHASH,
            width=width,
            height=height,
            preview_size=preview,
            thumbnail_size=thumbnail,
            fullsize_path=targets.fullsize_path,
            colorspace=Colorspace.SRGB,
        )
