"""Whether a video needs an encoded copy, as upstream's `media.service.ts` decides it (v1.134.0).

`isVideoTranscodeRequired`, `isAudioTranscodeRequired`, `getTranscodeTarget` and `isRemuxRequired` are
followed rule for rule, quirks included (see `decide`).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from photonest.media.video_protocols import (
    AudioStreamInfo,
    TranscodeDecision,
    TranscodeTarget,
    UnusableVideoError,
    VideoFormat,
    VideoInfo,
    VideoStreamInfo,
)


class TranscodePolicy(StrEnum):
    """`ffmpeg.transcode` values."""

    ALL = "all"
    OPTIMAL = "optimal"
    BITRATE = "bitrate"
    REQUIRED = "required"
    DISABLED = "disabled"


@dataclass(frozen=True)
class FfmpegSettings:
    """The `ffmpeg` section of the system config, typed; missing keys take upstream's defaults."""

    crf: int = 23
    threads: int = 0
    preset: str = "ultrafast"
    target_video_codec: str = "h264"
    accepted_video_codecs: tuple[str, ...] = ("h264",)
    target_audio_codec: str = "aac"
    accepted_audio_codecs: tuple[str, ...] = ("aac", "mp3", "libopus", "pcm_s16le")
    accepted_containers: tuple[str, ...] = ("mov", "ogg", "webm")
    target_resolution: str = "720"
    max_bitrate: str = "0"
    bframes: int = -1
    refs: int = 0
    gop_size: int = 0
    temporal_aq: bool = False
    cq_mode: str = "auto"
    two_pass: bool = False
    preferred_hw_device: str = "auto"
    transcode: str = "required"
    tonemap: str = "hable"
    accel: str = "disabled"
    accel_decode: bool = False

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> FfmpegSettings:
        """Read the `ffmpeg` section, given either it or the whole system config."""
        section = config.get("ffmpeg", config)
        if not isinstance(section, Mapping):
            section = {}
        defaults = cls()

        def pick(key: str, default: Any) -> Any:
            value = section.get(key)
            return default if value is None else value

        return cls(
            crf=int(pick("crf", defaults.crf)),
            threads=int(pick("threads", defaults.threads)),
            preset=str(pick("preset", defaults.preset)),
            target_video_codec=str(pick("targetVideoCodec", defaults.target_video_codec)),
            accepted_video_codecs=tuple(pick("acceptedVideoCodecs", defaults.accepted_video_codecs)),
            target_audio_codec=str(pick("targetAudioCodec", defaults.target_audio_codec)),
            accepted_audio_codecs=tuple(pick("acceptedAudioCodecs", defaults.accepted_audio_codecs)),
            accepted_containers=tuple(pick("acceptedContainers", defaults.accepted_containers)),
            target_resolution=str(pick("targetResolution", defaults.target_resolution)),
            max_bitrate=str(pick("maxBitrate", defaults.max_bitrate)),
            bframes=int(pick("bframes", defaults.bframes)),
            refs=int(pick("refs", defaults.refs)),
            gop_size=int(pick("gopSize", defaults.gop_size)),
            temporal_aq=bool(pick("temporalAQ", defaults.temporal_aq)),
            cq_mode=str(pick("cqMode", defaults.cq_mode)),
            two_pass=bool(pick("twoPass", defaults.two_pass)),
            preferred_hw_device=str(pick("preferredHwDevice", defaults.preferred_hw_device)),
            transcode=str(pick("transcode", defaults.transcode)),
            tonemap=str(pick("tonemap", defaults.tonemap)),
            accel=str(pick("accel", defaults.accel)),
            accel_decode=bool(pick("accelDecode", defaults.accel_decode)),
        )


_LEADING_INT = re.compile(r"\s*([+-]?\d+)")


def js_parse_int(value: str) -> int | None:
    """JavaScript's `Number.parseInt(value)` for decimal strings: the leading integer, or None for NaN."""
    match = _LEADING_INT.match(value)
    return int(match.group(1)) if match else None


def parse_bitrate_bps(value: str) -> int:
    """Upstream's `parseBitrateToBps`: "4500k" → 4_500_000, "10M" → 10_000_000, a bare number is bits/s."""
    number = js_parse_int(value)
    if number is None:
        return 0
    lowered = value.lower()
    if lowered.endswith("k"):
        return number * 1000
    if lowered.endswith("m"):
        return number * 1_000_000
    return number


def _policy(settings: FfmpegSettings) -> TranscodePolicy:
    try:
        return TranscodePolicy(settings.transcode)
    except ValueError:
        raise ValueError(f"Unsupported transcode policy: {settings.transcode}") from None


def is_audio_transcode_required(settings: FfmpegSettings, stream: AudioStreamInfo | None) -> bool:
    """Audio is re-encoded when its codec is not accepted (every policy but all/disabled)."""
    if stream is None:
        return False
    policy = _policy(settings)
    if policy is TranscodePolicy.DISABLED:
        return False
    if policy is TranscodePolicy.ALL:
        return True
    return stream.codec_name not in settings.accepted_audio_codecs


def is_video_transcode_required(settings: FfmpegSettings, stream: VideoStreamInfo) -> bool:
    """Video is re-encoded for an unaccepted codec or a non-4:2:0 pixel format, plus size/bitrate per policy."""
    policy = _policy(settings)
    target = js_parse_int(settings.target_resolution)
    larger_than_target_resolution = (
        settings.target_resolution != "original" and target is not None and min(stream.width, stream.height) > target
    )
    larger_than_target_bitrate = stream.bitrate > parse_bitrate_bps(settings.max_bitrate)
    required = stream.codec_name not in settings.accepted_video_codecs or not stream.pixel_format.endswith("420p")

    if policy is TranscodePolicy.DISABLED:
        return False
    if policy is TranscodePolicy.ALL:
        return True
    if policy is TranscodePolicy.OPTIMAL:
        return required or larger_than_target_resolution
    if policy is TranscodePolicy.BITRATE:
        return required or larger_than_target_bitrate
    return required


def container_name(video_format: VideoFormat) -> str:
    """The container name upstream compares with `acceptedContainers` ("mov" for every QuickTime/MP4 file)."""
    return "mov" if video_format.format_long_name == "QuickTime / MOV" else video_format.format_name


def is_remux_required(settings: FfmpegSettings, video_format: VideoFormat) -> bool:
    """The streams need re-wrapping in MP4 because the container is neither MP4 nor accepted."""
    if _policy(settings) is TranscodePolicy.DISABLED:
        return False
    name = container_name(video_format)
    return name != "mp4" and name not in settings.accepted_containers


def transcode_target(
    settings: FfmpegSettings, video_stream: VideoStreamInfo, audio_stream: AudioStreamInfo | None
) -> TranscodeTarget:
    """Upstream's `getTranscodeTarget`."""
    audio = is_audio_transcode_required(settings, audio_stream)
    video = is_video_transcode_required(settings, video_stream)
    if audio and video:
        return TranscodeTarget.ALL
    if audio:
        return TranscodeTarget.AUDIO
    if video:
        return TranscodeTarget.VIDEO
    return TranscodeTarget.NONE


def decide(config: Mapping[str, Any] | FfmpegSettings, info: VideoInfo) -> TranscodeDecision:
    """The transcode decision for a probed file; raises `UnusableVideoError` where upstream fails the job.

    Upstream quirks kept on purpose: probe names are compared verbatim, so Opus audio ("opus") never matches the
    accepted "libopus" and Matroska/WebM files ("matroska,webm") never match the accepted "webm" container.
    """
    settings = config if isinstance(config, FfmpegSettings) else FfmpegSettings.from_config(config)
    video_stream = info.main_video_stream
    if video_stream is None or not info.format.format_name:
        raise UnusableVideoError("No video stream found")
    if not video_stream.width or not video_stream.height:
        raise UnusableVideoError("Video stream has no dimensions")
    audio_stream = info.main_audio_stream
    return TranscodeDecision(
        target=transcode_target(settings, video_stream, audio_stream),
        remux=is_remux_required(settings, info.format),
        video_stream=video_stream,
        audio_stream=audio_stream,
    )
