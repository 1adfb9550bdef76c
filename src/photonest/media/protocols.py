"""The media adapters services depend on; real ones live beside this module, fakes in `tests/fakes/media.py`."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from photonest.media.images import GeneratedImages, ImageOptions, ImageTargets
from photonest.media.metadata import ExtractedMetadata, FileStats, MotionPhoto, SidecarTags, VideoTags

if TYPE_CHECKING:
    from PIL.Image import Image


class MetadataReader(Protocol):
    """Reads an asset's metadata (file plus optional XMP sidecar) as upstream's metadata extraction maps it."""

    def read(
        self,
        path: Path,
        *,
        is_video: bool = False,
        sidecar_path: Path | None = None,
        stats: FileStats | None = None,
        video: VideoTags | None = None,
    ) -> ExtractedMetadata:
        """Everything for the `asset_exif` row and the asset's dates, tags, motion-photo and face data."""
        ...

    def extract_motion_video(self, path: Path, motion: MotionPhoto) -> bytes:
        """The video embedded in an Android motion photo."""
        ...


class SidecarWriter(Protocol):
    """Writes edited values into an XMP sidecar, never into the original."""

    def write_sidecar(self, sidecar_path: Path, tags: SidecarTags) -> bool:
        """Merge the values into the sidecar (creating it); False when there was nothing to write."""
        ...


class ImageGenerator(Protocol):
    """Makes the preview, thumbnail, optional full-size image and thumbhash of an image or a video frame."""

    def generate(
        self, source: Path, targets: ImageTargets, options: ImageOptions, *, orientation: int | None = None
    ) -> GeneratedImages:
        """Decode `source` and write the outputs."""
        ...

    def generate_from_image(self, image: Image, targets: ImageTargets, options: ImageOptions) -> GeneratedImages:
        """Write the outputs for an already decoded, upright image."""
        ...

    def dimensions(self, source: Path) -> tuple[int, int]:
        """The displayed width and height of an image file."""
        ...
