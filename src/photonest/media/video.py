"""Reading videos with PyAV: probing (upstream's `MediaRepository.probe`), poster frames and durations."""

from __future__ import annotations

import io
import math
import subprocess
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import av
from av.container import InputContainer
from av.stream import Disposition
from av.video.frame import VideoFrame
from av.video.stream import VideoStream
from PIL import Image, ImageStat

from photonest.media import ffmpeg
from photonest.media.video_protocols import (
    AudioStreamInfo,
    TranscodePlan,
    TranscodeResult,
    UnusableVideoError,
    VideoError,
    VideoFormat,
    VideoInfo,
    VideoProbeError,
    VideoStreamInfo,
)

# FFmpeg's AVColor* enum values → the names ffprobe prints (`av_color_*_name`); unspecified values are left out.
COLOR_TRANSFERS = {
    1: "bt709",
    4: "bt470m",
    5: "bt470bg",
    6: "smpte170m",
    7: "smpte240m",
    8: "linear",
    9: "log100",
    10: "log316",
    11: "iec61966-2-4",
    12: "bt1361e",
    13: "iec61966-2-1",
    14: "bt2020-10",
    15: "bt2020-12",
    16: "smpte2084",
    17: "smpte428",
    18: "arib-std-b67",
}
COLOR_PRIMARIES = {
    1: "bt709",
    4: "bt470m",
    5: "bt470bg",
    6: "smpte170m",
    7: "smpte240m",
    8: "film",
    9: "bt2020",
    10: "smpte428",
    11: "smpte431",
    12: "smpte432",
    22: "ebu3213",
}
COLOR_MATRICES = {
    0: "gbr",
    1: "bt709",
    4: "fcc",
    5: "bt470bg",
    6: "smpte170m",
    7: "smpte240m",
    8: "ycgco",
    9: "bt2020nc",
    10: "bt2020c",
    11: "smpte2085",
    12: "chroma-derived-nc",
    13: "chroma-derived-c",
    14: "ictcp",
}

# Upstream's poster frame comes from the first couple of seconds of keyframes (`ThumbnailConfig`: keyframes only,
# fps=12, thumbnail=12, a scene-change select capped at frame 20); these bound the same search.
POSTER_WINDOW_SECONDS = 2.0
POSTER_MAX_CANDIDATES = 12
# A keyframe whose luma spread is below this is a flat fade-in/black frame: look further.
POSTER_MIN_STDDEV = 10.0
ROTATION_PROBE_PACKETS = 200


def _open(path: Path) -> InputContainer:
    try:
        return av.open(str(path), metadata_errors="ignore")
    except av.FFmpegError as error:
        raise VideoProbeError(f"Cannot read {path.name}: {error}") from error


def _normal_rotation(degrees: int) -> int:
    # into (-180, 180], the range ffprobe reports
    degrees %= 360
    return degrees - 360 if degrees > 180 else degrees


def _first_frame_rotations(container: InputContainer, streams: list[VideoStream]) -> dict[int, int]:
    # the display matrix is stream side data PyAV only exposes on decoded frames
    rotations: dict[int, int] = {}
    streams = [stream for stream in streams if stream.codec_context is not None]
    if not streams:
        return rotations
    try:
        for packets, packet in enumerate(container.demux(*streams)):
            if packets >= ROTATION_PROBE_PACKETS:
                break
            if packet.stream.index in rotations:
                continue
            for frame in packet.decode():
                if isinstance(frame, VideoFrame):
                    rotations[packet.stream.index] = _normal_rotation(frame.rotation)
                    break
            if len(rotations) == len(streams):
                break
    except av.FFmpegError:
        pass  # a damaged stream still gets probed; its rotation stays 0
    return rotations


def _video_stream(stream: VideoStream, rotation: int) -> VideoStreamInfo:
    context = stream.codec_context
    codec = context.codec.canonical_name if context is not None else "unknown"
    video_format = context.format if context is not None else None
    rate = stream.average_rate or stream.guessed_rate
    return VideoStreamInfo(
        index=stream.index,
        codec_name="hevc" if codec == "h265" else codec,
        width=context.width if context is not None else 0,
        height=context.height if context is not None else 0,
        rotation=rotation,
        fps=float(rate) if rate else 0.0,
        pixel_format=(context.pix_fmt if context is not None else None) or "yuv420p",
        bit_depth=video_format.components[0].bits if video_format and video_format.components else 8,
        color_transfer=COLOR_TRANSFERS.get(context.color_trc) if context is not None else None,
        color_primaries=COLOR_PRIMARIES.get(context.color_primaries) if context is not None else None,
        color_matrix=COLOR_MATRICES.get(context.colorspace) if context is not None else None,
        frame_count=stream.frames or 0,
        bitrate=(context.bit_rate if context is not None else 0) or 0,
    )


def probe(path: Path) -> VideoInfo:
    """Container and stream facts as upstream's ffprobe-based `probe` reports them; cover pictures are skipped."""
    with _open(path) as container:
        video: list[VideoStream] = [
            stream for stream in container.streams.video if not stream.disposition & Disposition.attached_pic
        ]
        audio: list[AudioStreamInfo] = []
        for stream in container.streams.audio:
            context = stream.codec_context
            audio.append(
                AudioStreamInfo(
                    index=stream.index,
                    codec_name=context.codec.canonical_name if context is not None else "unknown",
                    frame_count=stream.frames or 0,
                    bitrate=(context.bit_rate if context is not None else 0) or 0,
                    channels=context.channels if context is not None else 0,
                    sample_rate=context.sample_rate if context is not None else 0,
                )
            )
        video_format = VideoFormat(
            format_name=container.format.name,
            format_long_name=container.format.long_name,
            duration=container.duration / av.time_base if container.duration else 0.0,
            bitrate=container.bit_rate or 0,
        )
        rotations = _first_frame_rotations(container, video)
        return VideoInfo(
            format=video_format,
            video_streams=tuple(_video_stream(stream, rotations.get(stream.index, 0)) for stream in video),
            audio_streams=tuple(audio),
        )


def upright(image: Image.Image, rotation: int) -> Image.Image:
    """Turn a decoded frame the way its display matrix says (rotation counter-clockwise, as ffprobe reports)."""
    turn = {90: Image.Transpose.ROTATE_90, 180: Image.Transpose.ROTATE_180, 270: Image.Transpose.ROTATE_270}
    transpose = turn.get(rotation % 360)
    return image.transpose(transpose) if transpose is not None else image


def _to_image(frame: VideoFrame) -> Image.Image:
    image: Image.Image = frame.to_image()  # type: ignore[no-untyped-call]  # untyped in PyAV's stubs
    return image


def _spread(frame: VideoFrame) -> float:
    small = _to_image(frame.reformat(width=64, height=64, format="rgb24")).convert("L")
    return float(ImageStat.Stat(small).stddev[0])


def _keyframes(container: InputContainer, stream: VideoStream, keyframes_only: bool) -> Iterator[VideoFrame]:
    if keyframes_only:
        stream.codec_context.skip_frame = "NONKEY"
    yield from container.decode(stream)


def _pick_frame(path: Path, index: int, keyframes_only: bool) -> VideoFrame | None:
    best: tuple[float, VideoFrame] | None = None
    with _open(path) as container:
        stream = container.streams[index]
        if not isinstance(stream, VideoStream):
            raise UnusableVideoError(f"Stream {index} of {path.name} is not video")
        window_end: float | None = None
        try:
            for count, frame in enumerate(_keyframes(container, stream, keyframes_only), start=1):
                time = frame.time or 0.0
                if window_end is None:
                    window_end = time + POSTER_WINDOW_SECONDS
                elif time > window_end:
                    break
                spread = _spread(frame)
                if spread >= POSTER_MIN_STDDEV:
                    return frame
                if best is None or spread > best[0]:
                    best = (spread, frame)
                if count >= POSTER_MAX_CANDIDATES:
                    break
        except av.FFmpegError:
            if best is None:
                raise
    return best[1] if best else None


def _tonemapped_frame(path: Path, stream: VideoStreamInfo, info: VideoInfo, tonemap: str) -> Image.Image:
    # zscale (HDR → SDR) exists only in the ffmpeg binary, not in PyAV's FFmpeg; the CLI also rotates the frame
    arguments = [ffmpeg.ffmpeg_binary(), "-hide_banner", "-nostdin", "-loglevel", "error"]
    if info.format.format_name != "mpegts":  # keyframe-only decoding yields nothing for some MPEG-TS files
        arguments += ["-skip_frame", "nokey"]
    filters = [*ffmpeg.tonemap_filters(stream, tonemap), "format=rgb24"]
    arguments += ["-i", str(path), "-map", f"0:{stream.index}", "-frames:v", "1", "-vf", ",".join(filters)]
    arguments += ["-f", "image2pipe", "-c:v", "png", "-"]
    try:
        result = subprocess.run(arguments, capture_output=True, timeout=120, check=False)
    except (OSError, subprocess.SubprocessError) as error:
        raise VideoError(f"Cannot run ffmpeg for a frame of {path.name}: {error}") from error
    if result.returncode != 0 or not result.stdout:
        tail = result.stderr.decode("utf-8", "replace").strip().splitlines()[-5:]
        raise UnusableVideoError(f"No frame could be decoded from {path.name}: {' '.join(tail)}")
    image = Image.open(io.BytesIO(result.stdout))
    image.load()
    return image.convert("RGB")


def poster_frame(path: Path, *, tonemap: str = "hable", info: VideoInfo | None = None) -> Image.Image:
    """A representative keyframe from the first seconds, upright RGB; HDR is tone-mapped to SDR unless disabled."""
    info = info or probe(path)
    stream = info.main_video_stream
    if stream is None:
        raise UnusableVideoError(f"No video streams found in {path.name}")
    if stream.is_hdr and tonemap != "disabled":
        return _tonemapped_frame(path, stream, info, tonemap)
    try:
        keyframes_only = info.format.format_name != "mpegts"
        frame = _pick_frame(path, stream.index, keyframes_only)
        if frame is None and keyframes_only:
            frame = _pick_frame(path, stream.index, keyframes_only=False)
    except av.FFmpegError as error:
        raise UnusableVideoError(f"No frame could be decoded from {path.name}: {error}") from error
    if frame is None:
        raise UnusableVideoError(f"No frame could be decoded from {path.name}")
    return upright(_to_image(frame), frame.rotation)


def duration_string(seconds: float) -> str:
    """Upstream's asset duration, luxon `hh:mm:ss.SSS` (e.g. "00:00:10.500"); milliseconds are truncated."""
    if not math.isfinite(seconds) or seconds <= 0:
        return "00:00:00.000"
    # the epsilon keeps 2.3 s from printing as 2.299 through binary floating point
    milliseconds = math.floor(seconds * 1000 + 1e-6)
    hours, rest = divmod(milliseconds, 3_600_000)
    minutes, rest = divmod(rest, 60_000)
    whole, fraction = divmod(rest, 1000)
    return f"{hours:02d}:{minutes:02d}:{whole:02d}.{fraction:03d}"


def orientation_from_rotation(rotation: int) -> int | None:
    """The EXIF orientation upstream's metadata extraction records for a video's rotation (`getVideoTags`)."""
    return {-90: 6, 0: 1, 90: 8, 180: 3}.get(_normal_rotation(rotation))


class LocalVideoTools:
    """`VideoTools` on this machine: PyAV for reading, the bundled ffmpeg binary for transcoding."""

    def __init__(self, *, ffmpeg_binary: str | None = None, timeout: float | None = None) -> None:
        self.ffmpeg_binary = ffmpeg_binary
        self.timeout = timeout

    def probe(self, path: Path) -> VideoInfo:
        """See `probe`."""
        return probe(path)

    def poster_frame(self, path: Path, *, tonemap: str = "hable", info: VideoInfo | None = None) -> Image.Image:
        """See `poster_frame`."""
        return poster_frame(path, tonemap=tonemap, info=info)

    def plan(self, config: Mapping[str, Any], info: VideoInfo) -> TranscodePlan:
        """See `ffmpeg.plan`."""
        return ffmpeg.plan(config, info)

    def transcode(self, source: Path, target: Path, config: Mapping[str, Any], info: VideoInfo) -> TranscodeResult:
        """See `ffmpeg.transcode`."""
        return ffmpeg.transcode(source, target, config, info, binary=self.ffmpeg_binary, timeout=self.timeout)
