"""A `VideoTools` fake: probe answers from a table, solid-colour poster frames, transcodes that write a stub file."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from PIL import Image

from photonest.media import ffmpeg
from photonest.media.video_protocols import (
    AudioStreamInfo,
    TranscodeError,
    TranscodePlan,
    TranscodeResult,
    UnusableVideoError,
    VideoFormat,
    VideoInfo,
    VideoProbeError,
    VideoStreamInfo,
)

STUB_VIDEO = b"photonest fake encoded video"


def make_video_info(
    *,
    codec: str = "h264",
    width: int = 1920,
    height: int = 1080,
    pixel_format: str = "yuv420p",
    rotation: int = 0,
    bitrate: int = 8_000_000,
    color_transfer: str | None = None,
    audio_codec: str | None = "aac",
    format_name: str = "mov,mp4,m4a,3gp,3g2,mj2",
    format_long_name: str = "QuickTime / MOV",
    duration: float = 10.0,
) -> VideoInfo:
    """A one-video-stream (plus optional audio) probe result; defaults describe a phone's 1080p H.264 MP4."""
    video = VideoStreamInfo(
        index=0,
        codec_name=codec,
        width=width,
        height=height,
        rotation=rotation,
        fps=30.0,
        pixel_format=pixel_format,
        bit_depth=10 if "10" in pixel_format else 8,
        color_transfer=color_transfer,
        frame_count=round(duration * 30),
        bitrate=bitrate,
    )
    audio = (
        (AudioStreamInfo(index=1, codec_name=audio_codec, frame_count=round(duration * 43), bitrate=128_000),)
        if audio_codec
        else ()
    )
    video_format = VideoFormat(format_name, format_long_name, duration, bitrate + 128_000)
    return VideoInfo(format=video_format, video_streams=(video,), audio_streams=audio)


@dataclass
class FakeVideoTools:
    """Satisfies `VideoTools` without touching PyAV or ffmpeg; records what it was asked."""

    infos: dict[Path, VideoInfo] = field(default_factory=dict)
    default_info: VideoInfo | None = field(default_factory=make_video_info)
    fail_transcode: bool = False
    probed: list[Path] = field(default_factory=list)
    transcoded: list[tuple[Path, Path]] = field(default_factory=list)

    def probe(self, path: Path) -> VideoInfo:
        """The registered info for path, else the default; `VideoProbeError` when neither exists."""
        self.probed.append(path)
        info = self.infos.get(path, self.default_info)
        if info is None:
            raise VideoProbeError(f"Cannot read {path.name}")
        return info

    def poster_frame(self, path: Path, *, tonemap: str = "hable", info: VideoInfo | None = None) -> Image.Image:
        """A grey frame of the main stream's displayed size."""
        stream = (info or self.probe(path)).main_video_stream
        if stream is None:
            raise UnusableVideoError(f"No video streams found in {path.name}")
        sideways = abs(stream.rotation) == 90
        size = (stream.height, stream.width) if sideways else (stream.width, stream.height)
        return Image.new("RGB", size, (128, 128, 128))

    def plan(self, config: Mapping[str, Any], info: VideoInfo) -> TranscodePlan:
        """The real (pure) planner."""
        return ffmpeg.plan(config, info)

    def transcode(self, source: Path, target: Path, config: Mapping[str, Any], info: VideoInfo) -> TranscodeResult:
        """Write `STUB_VIDEO` to target when the plan requires an encoded video."""
        plan = self.plan(config, info)
        if not plan.required:
            return TranscodeResult(plan=plan, output=None)
        if self.fail_transcode:
            raise TranscodeError("ffmpeg exited with code 1", returncode=1, stderr_tail="fake failure")
        self.transcoded.append((source, target))
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(STUB_VIDEO)
        return TranscodeResult(plan=plan, output=target)


def make_clip(path: Path, *arguments: str) -> Path:
    """Write a small real media file with the bundled ffmpeg (arguments are everything but the output path)."""
    command = [ffmpeg.ffmpeg_binary(), "-hide_banner", "-nostdin", "-loglevel", "error", "-y", *arguments, str(path)]
    subprocess.run(command, check=True, capture_output=True, env={**os.environ, "SVT_LOG": "1"})
    return path
