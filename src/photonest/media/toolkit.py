"""The media adapters a worker uses, built once per process."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from photonest.media.protocols import ImageGenerator, MetadataReader, SidecarWriter
    from photonest.media.video_protocols import VideoTools


@dataclass
class MediaToolkit:
    """Images, video and metadata tools behind their protocols (fakes in tests)."""

    images: ImageGenerator
    video: VideoTools
    metadata: MetadataReader
    sidecars: SidecarWriter


def local_toolkit() -> MediaToolkit:
    """The real tools: Pillow and friends, PyAV and ffmpeg, ExifTool."""
    from photonest.media.exiftool import ExifToolMetadata
    from photonest.media.images import PillowImageGenerator
    from photonest.media.video import LocalVideoTools

    exiftool = ExifToolMetadata()
    return MediaToolkit(images=PillowImageGenerator(), video=LocalVideoTools(), metadata=exiftool, sidecars=exiftool)
