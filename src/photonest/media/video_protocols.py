"""Video value types and the Protocols the pipeline uses to probe, frame and transcode videos.

The records mirror upstream's `VideoInfo` (`server/src/types.ts`, filled by `media.repository.ts` `probe`) with
ffprobe's names for codecs, pixel formats and colour properties, so upstream's rules apply unchanged.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

if TYPE_CHECKING:
    from PIL import Image

# Upstream's `isHDR`: PQ (HDR10, Dolby Vision profile 8) or HLG transfer.
HDR_TRANSFERS = frozenset({"smpte2084", "arib-std-b67"})


class VideoError(Exception):
    """A video could not be read or converted."""


class VideoProbeError(VideoError):
    """The file is not a readable audio/video container."""


class UnusableVideoError(VideoError):
    """The file has no video stream with a known codec and size (upstream fails such conversion jobs)."""


class TranscodeError(VideoError):
    """ffmpeg failed, was killed or timed out; `stderr_tail` holds its last lines."""

    def __init__(self, message: str, *, returncode: int | None = None, stderr_tail: str = "") -> None:
        self.returncode = returncode
        self.stderr_tail = stderr_tail
        super().__init__(f"{message}\n{stderr_tail}" if stderr_tail else message)


@dataclass(frozen=True)
class VideoFormat:
    """Container-level facts (ffprobe's `format`)."""

    format_name: str
    format_long_name: str
    duration: float
    bitrate: int


@dataclass(frozen=True)
class VideoStreamInfo:
    """One video stream (attached cover pictures excluded), sizes as stored (before rotation)."""

    index: int
    codec_name: str
    width: int
    height: int
    rotation: int = 0
    fps: float = 0.0
    pixel_format: str = "yuv420p"
    bit_depth: int = 8
    color_transfer: str | None = None
    color_primaries: str | None = None
    color_matrix: str | None = None
    frame_count: int = 0
    bitrate: int = 0

    @property
    def is_hdr(self) -> bool:
        """PQ or HLG transfer, as upstream decides tone mapping."""
        return self.color_transfer in HDR_TRANSFERS


@dataclass(frozen=True)
class AudioStreamInfo:
    """One audio stream."""

    index: int
    codec_name: str
    frame_count: int = 0
    bitrate: int = 0
    channels: int = 0
    sample_rate: int = 0


_Stream = TypeVar("_Stream", VideoStreamInfo, AudioStreamInfo)


def _main_stream(streams: tuple[_Stream, ...]) -> _Stream | None:
    # upstream `getMainStream`: known codec, most frames first; a stable sort keeps file order on ties
    known = [stream for stream in streams if stream.codec_name != "unknown"]
    return sorted(known, key=lambda stream: -stream.frame_count)[0] if known else None


@dataclass(frozen=True)
class VideoInfo:
    """What `probe` learns about a file."""

    format: VideoFormat
    video_streams: tuple[VideoStreamInfo, ...] = ()
    audio_streams: tuple[AudioStreamInfo, ...] = ()

    @property
    def main_video_stream(self) -> VideoStreamInfo | None:
        """The video stream upstream converts and takes frames from."""
        return _main_stream(self.video_streams)

    @property
    def main_audio_stream(self) -> AudioStreamInfo | None:
        """The audio stream upstream keeps in the converted file."""
        return _main_stream(self.audio_streams)


class TranscodeTarget(StrEnum):
    """Which streams get re-encoded (upstream's `TranscodeTarget`)."""

    NONE = "none"
    ALL = "all"
    VIDEO = "video"
    AUDIO = "audio"


@dataclass(frozen=True)
class TranscodeDecision:
    """What the transcode policy asks for: re-encode which streams, or only re-wrap them in MP4."""

    target: TranscodeTarget
    remux: bool
    video_stream: VideoStreamInfo
    audio_stream: AudioStreamInfo | None

    @property
    def required(self) -> bool:
        """An encoded video must be produced (upstream skips the job and drops a stale one otherwise)."""
        return self.target is not TranscodeTarget.NONE or self.remux


@dataclass(frozen=True)
class TranscodePlan:
    """A decision and the ffmpeg arguments that carry it out (input and output files excluded)."""

    decision: TranscodeDecision
    input_options: tuple[str, ...] = ()
    output_options: tuple[str, ...] = ()
    two_pass: bool = False
    warnings: tuple[str, ...] = field(default=())

    @property
    def required(self) -> bool:
        """See `TranscodeDecision.required`."""
        return self.decision.required


@dataclass(frozen=True)
class TranscodeResult:
    """The outcome of `transcode`: `output` is None when the policy needed no encoded video."""

    plan: TranscodePlan
    output: Path | None
    seconds: float = 0.0


class VideoReader(Protocol):
    """Reads facts and still frames from video files."""

    def probe(self, path: Path) -> VideoInfo:
        """Container and stream facts; raises `VideoProbeError` for unreadable files."""
        ...

    def poster_frame(self, path: Path, *, tonemap: str = "hable", info: VideoInfo | None = None) -> Image.Image:
        """A representative frame near the start, upright, in SDR RGB; raises `UnusableVideoError` without video.

        Pass the file's `probe` result as info to save probing it again.
        """
        ...


class VideoTranscoder(Protocol):
    """Decides on and performs conversion to the web-playable encoded video."""

    def plan(self, config: Mapping[str, Any], info: VideoInfo) -> TranscodePlan:
        """The policy decision and ffmpeg arguments for this file under the ffmpeg config."""
        ...

    def transcode(self, source: Path, target: Path, config: Mapping[str, Any], info: VideoInfo) -> TranscodeResult:
        """Write the encoded video to target atomically when the plan requires one."""
        ...


class VideoTools(VideoReader, VideoTranscoder, Protocol):
    """Everything the media pipeline needs for videos."""
