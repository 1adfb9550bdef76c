"""Upstream's transcode rules (`media.service.ts`), table-tested on hand-made probe results."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest

from photonest.config.env import Settings
from photonest.config.system_config import default_config
from photonest.media.transcode_policy import (
    FfmpegSettings,
    container_name,
    decide,
    js_parse_int,
    parse_bitrate_bps,
)
from photonest.media.video_protocols import (
    AudioStreamInfo,
    TranscodeTarget,
    UnusableVideoError,
    VideoFormat,
    VideoInfo,
    VideoStreamInfo,
)
from tests.fakes.video import make_video_info

NONE, ALL, VIDEO, AUDIO = TranscodeTarget.NONE, TranscodeTarget.ALL, TranscodeTarget.VIDEO, TranscodeTarget.AUDIO
MKV = {"format_name": "matroska,webm", "format_long_name": "Matroska / WebM"}


def test_settings_defaults_are_the_system_config_defaults() -> None:
    system = default_config(Settings())

    assert FfmpegSettings.from_config({}) == FfmpegSettings.from_config(system)
    assert FfmpegSettings.from_config(system) == FfmpegSettings.from_config(system["ffmpeg"])


def test_settings_read_camel_case_keys() -> None:
    settings = FfmpegSettings.from_config({"ffmpeg": {"targetVideoCodec": "vp9", "maxBitrate": "10M", "twoPass": True}})

    assert (settings.target_video_codec, settings.max_bitrate, settings.two_pass) == ("vp9", "10M", True)


# (policy or config overrides, probe overrides, expected target, expected remux)
CASES: list[tuple[str, dict[str, Any], dict[str, Any], TranscodeTarget, bool]] = [
    # required (the default): codec, 4:2:0 and container only
    ("accepted h264/aac mov", {}, {}, NONE, False),
    ("1080p is not too big under required", {}, {"width": 3840, "height": 2160}, NONE, False),
    ("hevc video", {}, {"codec": "hevc"}, VIDEO, False),
    ("4:4:4 pixels", {}, {"pixel_format": "yuv444p"}, VIDEO, False),
    ("10-bit 4:2:0 is not *420p", {}, {"pixel_format": "yuv420p10le"}, VIDEO, False),
    ("full-range 4:2:0", {}, {"pixel_format": "yuvj420p"}, NONE, False),
    ("mp3 audio accepted", {}, {"audio_codec": "mp3"}, NONE, False),
    ("opus never matches libopus", {}, {"audio_codec": "opus"}, AUDIO, False),
    ("hevc with ac3", {}, {"codec": "hevc", "audio_codec": "ac3"}, ALL, False),
    ("no audio stream", {}, {"audio_codec": None}, NONE, False),
    ("matroska is remuxed", {}, MKV, NONE, True),
    ("webm too: its format name is matroska,webm", {}, {**MKV, "codec": "vp9", "audio_codec": "opus"}, ALL, True),
    ("ogg accepted", {}, {"format_name": "ogg", "format_long_name": "Ogg"}, NONE, False),
    ("mpegts remuxed", {}, {"format_name": "mpegts", "format_long_name": "MPEG-TS"}, NONE, True),
    ("mp4 always accepted", {"acceptedContainers": []}, {"format_name": "mp4", "format_long_name": "MP4"}, NONE, False),
    ("mov not accepted", {"acceptedContainers": ["webm"]}, {}, NONE, True),
    ("hevc accepted", {"acceptedVideoCodecs": ["h264", "hevc"]}, {"codec": "hevc"}, NONE, False),
    # optimal: also larger than the target resolution (short side)
    ("optimal 1080p", {"transcode": "optimal"}, {}, VIDEO, False),
    ("optimal 720p", {"transcode": "optimal"}, {"width": 1280, "height": 720}, NONE, False),
    ("optimal portrait 1080p", {"transcode": "optimal"}, {"width": 1080, "height": 1920}, VIDEO, False),
    ("optimal original", {"transcode": "optimal", "targetResolution": "original"}, {}, NONE, False),
    ("optimal 1440 target", {"transcode": "optimal", "targetResolution": "1440"}, {}, NONE, False),
    ("optimal hevc small", {"transcode": "optimal"}, {"codec": "hevc", "width": 640, "height": 480}, VIDEO, False),
    # bitrate: also above maxBitrate (a bare number is bits per second)
    ("bitrate with max 0", {"transcode": "bitrate"}, {}, VIDEO, False),
    ("bitrate zero stream bitrate", {"transcode": "bitrate"}, {"bitrate": 0}, NONE, False),
    ("bitrate under 10M", {"transcode": "bitrate", "maxBitrate": "10M"}, {}, NONE, False),
    ("bitrate over 5M", {"transcode": "bitrate", "maxBitrate": "5M"}, {}, VIDEO, False),
    ("bitrate 8000k equal", {"transcode": "bitrate", "maxBitrate": "8000k"}, {}, NONE, False),
    ("bitrate bare number", {"transcode": "bitrate", "maxBitrate": "9000"}, {}, VIDEO, False),
    ("bitrate ignores size", {"transcode": "bitrate", "maxBitrate": "10M"}, {"width": 3840}, NONE, False),
    # all and disabled
    ("all", {"transcode": "all"}, {}, ALL, False),
    ("all without audio", {"transcode": "all"}, {"audio_codec": None}, VIDEO, False),
    ("disabled", {"transcode": "disabled"}, {"codec": "hevc", "audio_codec": "ac3", **MKV}, NONE, False),
]


@pytest.mark.parametrize(
    ("overrides", "probe", "target", "remux"), [case[1:] for case in CASES], ids=[case[0] for case in CASES]
)
def test_decide_follows_upstream(
    overrides: dict[str, Any], probe: dict[str, Any], target: TranscodeTarget, remux: bool
) -> None:
    decision = decide({"ffmpeg": overrides}, make_video_info(**probe))

    assert (decision.target, decision.remux) == (target, remux)
    assert decision.required == (target is not NONE or remux)


def test_decide_picks_the_stream_with_most_frames_and_a_known_codec() -> None:
    base = make_video_info()
    short = replace(base.video_streams[0], index=0, frame_count=10)
    unknown = replace(base.video_streams[0], index=1, codec_name="unknown", frame_count=900)
    main = replace(base.video_streams[0], index=2, codec_name="hevc", frame_count=300)
    audio = (AudioStreamInfo(3, "aac", 5), AudioStreamInfo(4, "ac3", 50))
    info = VideoInfo(format=base.format, video_streams=(short, unknown, main), audio_streams=audio)

    decision = decide({}, info)

    assert decision.video_stream.index == 2
    assert decision.audio_stream is not None and decision.audio_stream.index == 4
    assert decision.target is ALL


def test_decide_keeps_file_order_when_frame_counts_tie() -> None:
    base = make_video_info()
    first = replace(base.video_streams[0], index=0, frame_count=0)
    second = replace(base.video_streams[0], index=1, frame_count=0)

    assert decide({}, replace(base, video_streams=(first, second))).video_stream.index == 0


@pytest.mark.parametrize(
    "info",
    [
        VideoInfo(VideoFormat("mp3", "MP2/3", 1.0, 64000), (), (AudioStreamInfo(0, "mp3"),)),
        VideoInfo(VideoFormat("", "", 1.0, 0), (VideoStreamInfo(0, "h264", 320, 240),)),
        VideoInfo(VideoFormat("mov,mp4", "QuickTime / MOV", 1.0, 0), (VideoStreamInfo(0, "h264", 0, 0),)),
    ],
    ids=["audio only", "no format name", "no size"],
)
def test_decide_rejects_files_upstream_fails_on(info: VideoInfo) -> None:
    with pytest.raises(UnusableVideoError):
        decide({}, info)


def test_decide_rejects_unknown_policies() -> None:
    with pytest.raises(ValueError, match="Unsupported transcode policy: sometimes"):
        decide({"transcode": "sometimes"}, make_video_info())


@pytest.mark.parametrize(
    ("value", "bps"),
    [("0", 0), ("", 0), ("abc", 0), ("4500k", 4_500_000), ("4500K", 4_500_000), ("10M", 10_000_000),
     ("10m", 10_000_000), ("9000", 9000), ("1.5M", 1_000_000), (" 20k", 20_000)],
)  # fmt: skip
def test_parse_bitrate_like_upstream(value: str, bps: int) -> None:
    assert parse_bitrate_bps(value) == bps


@pytest.mark.parametrize(("value", "number"), [("720", 720), ("original", None), (" -5x", -5), ("+7", 7), ("", None)])
def test_js_parse_int(value: str, number: int | None) -> None:
    assert js_parse_int(value) == number


def test_container_name_maps_every_quicktime_flavour_to_mov() -> None:
    assert container_name(VideoFormat("mov,mp4,m4a,3gp,3g2,mj2", "QuickTime / MOV", 1, 0)) == "mov"
    assert container_name(VideoFormat("matroska,webm", "Matroska / WebM", 1, 0)) == "matroska,webm"
