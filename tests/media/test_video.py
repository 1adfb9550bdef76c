"""Probing, poster frames and durations on small clips generated with the bundled ffmpeg."""

from __future__ import annotations

import functools
from pathlib import Path

import pytest
from PIL import Image, ImageChops, ImageStat

from photonest.media import video
from photonest.media.video_protocols import UnusableVideoError, VideoProbeError, VideoTools
from tests.fakes.video import FakeVideoTools, make_clip

LAVFI = "-f", "lavfi", "-i"
TESTSRC = (*LAVFI, "testsrc=size=320x240:rate=15:duration=1")
SINE = (*LAVFI, "sine=frequency=440:duration=1")
X264 = ("-c:v", "libx264", "-preset", "ultrafast")
X265 = ("-c:v", "libx265", "-preset", "ultrafast", "-x265-params", "log-level=error")


class Clips:
    """Test clips, each written on first use."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    @functools.cache  # noqa: B019  (one instance per module; lives as long as the files)
    def __getitem__(self, name: str) -> Path:
        path = self.folder / name
        if name == "h264.mp4":
            return make_clip(path, *TESTSRC, *SINE, *X264, "-pix_fmt", "yuv420p", "-c:a", "aac", "-shortest")
        if name == "hevc.mov":
            return make_clip(path, *TESTSRC, *SINE, *X265, "-pix_fmt", "yuv420p", "-c:a", "aac", "-shortest")
        if name == "vp9.webm":
            vp9 = ("-c:v", "libvpx-vp9", "-deadline", "realtime", "-cpu-used", "8", "-pix_fmt", "yuv420p")
            return make_clip(path, *TESTSRC, *SINE, *vp9, "-c:a", "libopus", "-shortest")
        if name == "yuv444.mp4":
            return make_clip(path, *TESTSRC, *X264, "-pix_fmt", "yuv444p")
        if name.startswith("rotated"):  # rotated-90.mp4: display matrix turning the picture 90° clockwise
            degrees = name.removeprefix("rotated").removesuffix(".mp4")
            return make_clip(path, "-display_rotation", degrees, "-i", str(self["h264.mp4"]), "-c", "copy")
        if name == "aac.m4a":
            return make_clip(path, *SINE, "-c:a", "aac")
        if name == "cover.mp3":
            cover = (*LAVFI, "color=red:size=64x64:duration=1", "-frames:v", "1")
            streams = ("-map", "0:a", "-map", "1:v", "-c:a", "libmp3lame", "-c:v", "mjpeg")
            return make_clip(path, *SINE, *cover, *streams, "-disposition:v:0", "attached_pic")
        if name == "hdr.mov":
            tags = "setparams=color_primaries=bt2020:color_trc=smpte2084:colorspace=bt2020nc"
            return make_clip(path, *TESTSRC, "-vf", tags, *X265, "-pix_fmt", "yuv420p10le")
        if name == "mpeg2.ts":
            return make_clip(path, *TESTSRC, *SINE, "-c:v", "mpeg2video", "-c:a", "mp2", "-shortest")
        if name == "black-intro.mp4":
            black = (*LAVFI, "color=black:size=320x240:rate=10:duration=0.6")
            picture = (*LAVFI, "testsrc=size=320x240:rate=10:duration=1")
            keyframes = ("-g", "3", "-keyint_min", "3", "-sc_threshold", "0", "-pix_fmt", "yuv420p")
            return make_clip(path, *black, *picture, "-filter_complex", "[0][1]concat=n=2:v=1", *X264, *keyframes)
        raise KeyError(name)

    def reference_frame(self, name: str) -> Image.Image:
        """The first frame as the ffmpeg CLI decodes and auto-rotates it."""
        path = make_clip(self.folder / f"{name}.png", "-i", str(self[name]), "-frames:v", "1")
        with Image.open(path) as image:
            return image.convert("RGB")


@pytest.fixture(scope="module")
def clips(tmp_path_factory: pytest.TempPathFactory) -> Clips:
    return Clips(tmp_path_factory.mktemp("clips"))


def _difference(first: Image.Image, second: Image.Image) -> float:
    return sum(ImageStat.Stat(ImageChops.difference(first, second)).mean) / 3


# -- probe ------------------------------------------------------------------------------------------------------------


def test_probe_reads_container_and_streams_of_an_h264_mp4(clips: Clips) -> None:
    info = video.probe(clips["h264.mp4"])

    assert info.format.format_name == "mov,mp4,m4a,3gp,3g2,mj2"
    assert info.format.format_long_name == "QuickTime / MOV"
    assert info.format.duration == pytest.approx(1.0, abs=0.1)
    assert info.format.bitrate > 0
    (stream,) = info.video_streams
    assert (stream.index, stream.codec_name, stream.width, stream.height) == (0, "h264", 320, 240)
    assert (stream.rotation, stream.fps, stream.pixel_format, stream.bit_depth) == (0, 15.0, "yuv420p", 8)
    assert stream.frame_count == 15
    assert stream.bitrate > 0
    assert not stream.is_hdr
    (audio,) = info.audio_streams
    assert (audio.index, audio.codec_name, audio.sample_rate, audio.channels) == (1, "aac", 44100, 1)
    assert audio.bitrate > 0 and audio.frame_count > 0
    assert info.main_video_stream == stream and info.main_audio_stream == audio


def test_probe_names_codecs_and_containers_as_ffprobe_does(clips: Clips) -> None:
    hevc = video.probe(clips["hevc.mov"])
    vp9 = video.probe(clips["vp9.webm"])

    assert hevc.video_streams[0].codec_name == "hevc"
    assert hevc.format.format_long_name == "QuickTime / MOV"
    assert vp9.format.format_name == "matroska,webm"
    assert vp9.video_streams[0].codec_name == "vp9"
    assert vp9.audio_streams[0].codec_name == "opus"
    assert vp9.video_streams[0].frame_count == 0  # Matroska has no frame count, as with ffprobe


def test_probe_reports_the_pixel_format(clips: Clips) -> None:
    assert video.probe(clips["yuv444.mp4"]).video_streams[0].pixel_format == "yuv444p"


@pytest.mark.parametrize(("degrees", "rotation"), [("-90", -90), ("90", 90), ("180", 180)])
def test_probe_reads_rotation_from_the_display_matrix(clips: Clips, degrees: str, rotation: int) -> None:
    stream = video.probe(clips[f"rotated{degrees}.mp4"]).video_streams[0]

    assert stream.rotation == rotation
    assert (stream.width, stream.height) == (320, 240)  # stored size, before rotation


def test_probe_detects_hdr_from_the_transfer(clips: Clips) -> None:
    stream = video.probe(clips["hdr.mov"]).video_streams[0]

    assert (stream.color_transfer, stream.color_primaries, stream.color_matrix) == ("smpte2084", "bt2020", "bt2020nc")
    assert (stream.pixel_format, stream.bit_depth) == ("yuv420p10le", 10)
    assert stream.is_hdr


def test_probe_of_audio_files_lists_no_video_and_skips_cover_art(clips: Clips) -> None:
    m4a = video.probe(clips["aac.m4a"])
    mp3 = video.probe(clips["cover.mp3"])

    assert m4a.video_streams == () and m4a.audio_streams[0].codec_name == "aac"
    assert mp3.format.format_name == "mp3"
    assert mp3.video_streams == ()
    assert mp3.audio_streams[0].codec_name == "mp3"


def test_probe_rejects_files_that_are_not_media(tmp_path: Path) -> None:
    text = tmp_path / "notes.mp4"
    text.write_text("not a video")

    with pytest.raises(VideoProbeError):
        video.probe(text)
    with pytest.raises(VideoProbeError):
        video.probe(tmp_path / "missing.mp4")


# -- poster frames ----------------------------------------------------------------------------------------------------


def test_poster_frame_matches_the_first_frame(clips: Clips) -> None:
    poster = video.poster_frame(clips["h264.mp4"])

    assert (poster.mode, poster.size) == ("RGB", (320, 240))
    assert _difference(poster, clips.reference_frame("h264.mp4")) < 3


@pytest.mark.parametrize("degrees", ["-90", "90", "180"])
def test_poster_frame_is_turned_upright_like_ffmpeg_does(clips: Clips, degrees: str) -> None:
    poster = video.poster_frame(clips[f"rotated{degrees}.mp4"])
    reference = clips.reference_frame(f"rotated{degrees}.mp4")

    assert poster.size == reference.size == ((320, 240) if degrees == "180" else (240, 320))
    assert _difference(poster, reference) < 3
    assert _difference(poster.transpose(Image.Transpose.ROTATE_180), reference) > 20


def test_poster_frame_skips_a_black_intro(clips: Clips) -> None:
    poster = video.poster_frame(clips["black-intro.mp4"])

    assert ImageStat.Stat(poster.convert("L")).stddev[0] > 30


def test_poster_frame_of_an_hdr_video_is_tone_mapped_sdr(clips: Clips) -> None:
    mapped = video.poster_frame(clips["hdr.mov"])
    untouched = video.poster_frame(clips["hdr.mov"], tonemap="disabled")

    assert (mapped.mode, mapped.size) == ("RGB", (320, 240))
    assert (untouched.mode, untouched.size) == ("RGB", (320, 240))
    # testsrc's values read as PQ code values: linear light is compressed, so the two renderings differ
    assert _difference(mapped, untouched) > 5
    assert ImageStat.Stat(mapped.convert("L")).mean[0] > 10


def test_poster_frame_of_mpeg_ts_and_webm(clips: Clips) -> None:
    assert video.poster_frame(clips["mpeg2.ts"]).size == (320, 240)
    assert video.poster_frame(clips["vp9.webm"]).size == (320, 240)


def test_poster_frame_needs_a_video_stream(clips: Clips) -> None:
    with pytest.raises(UnusableVideoError):
        video.poster_frame(clips["cover.mp3"])


# -- durations and orientation ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("seconds", "expected"),
    [
        (0, "00:00:00.000"),
        (10, "00:00:10.000"),
        (10.5, "00:00:10.500"),
        (2.3, "00:00:02.300"),
        (59.9999, "00:00:59.999"),
        (3723.4567, "01:02:03.456"),
        (360_000, "100:00:00.000"),
        (float("nan"), "00:00:00.000"),
    ],
)
def test_duration_string_uses_upstreams_format(seconds: float, expected: str) -> None:
    assert video.duration_string(seconds) == expected


def test_duration_string_of_a_probed_clip(clips: Clips) -> None:
    assert video.duration_string(video.probe(clips["h264.mp4"]).format.duration) == "00:00:01.000"


@pytest.mark.parametrize(
    ("rotation", "orientation"), [(0, 1), (-90, 6), (270, 6), (90, 8), (180, 3), (-180, 3), (45, None)]
)
def test_orientation_from_rotation_follows_upstream(rotation: int, orientation: int | None) -> None:
    assert video.orientation_from_rotation(rotation) == orientation


def test_local_tools_and_fake_satisfy_the_protocol(clips: Clips) -> None:
    tools: list[VideoTools] = [video.LocalVideoTools(), FakeVideoTools()]
    infos = [tool.probe(clips["h264.mp4"]) for tool in tools]

    assert infos[0].video_streams[0].width == 320
    assert infos[1].video_streams[0].width == 1920
