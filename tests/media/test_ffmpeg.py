"""ffmpeg options as upstream's `utils/media.ts` builds them, and real transcodes with the bundled binary."""

from __future__ import annotations

import os
import signal
import struct
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from photonest.media import ffmpeg, video
from photonest.media.video_protocols import TranscodeError, TranscodeTarget, VideoInfo
from tests.fakes.video import STUB_VIDEO, FakeVideoTools, make_clip, make_video_info

LAVFI = "-f", "lavfi", "-i"
X264 = ("-c:v", "libx264", "-preset", "ultrafast")
HEVC_SOURCE = make_video_info(codec="hevc")
BASE = ["-movflags", "faststart", "-fps_mode", "passthrough", "-map", "0:0", "-map_metadata", "-1", "-map", "0:1"]


def options(config: dict[str, Any], info: VideoInfo = HEVC_SOURCE) -> list[str]:
    return list(ffmpeg.plan({"ffmpeg": config}, info).output_options)


def option(config: dict[str, Any], name: str, info: VideoInfo = HEVC_SOURCE) -> str | None:
    arguments = options(config, info)
    return arguments[arguments.index(name) + 1] if name in arguments else None


# -- option building --------------------------------------------------------------------------------------------------


def test_default_config_encodes_h264_at_crf_23_scaled_to_720p() -> None:
    assert options({}) == [
        "-c:v", "libx264", "-c:a", "copy", *BASE, "-vf", "scale=-2:720", "-preset", "ultrafast", "-crf", "23",
    ]  # fmt: skip


def test_remux_only_copies_both_streams() -> None:
    info = make_video_info(format_name="matroska,webm", format_long_name="Matroska / WebM", width=1280, height=720)
    plan = ffmpeg.plan({}, info)

    assert (plan.decision.target, plan.decision.remux, plan.two_pass) == (TranscodeTarget.NONE, True, False)
    assert list(plan.output_options) == ["-c:v", "copy", "-c:a", "copy", *BASE]


def test_audio_only_target_copies_video() -> None:
    assert options({}, make_video_info(audio_codec="ac3"))[:4] == ["-c:v", "copy", "-c:a", "aac"]


@pytest.mark.parametrize(("codec", "encoder"), [("mp3", "libmp3lame"), ("libopus", "libopus"), ("aac", "aac")])
def test_audio_encoders(codec: str, encoder: str) -> None:
    assert option({"transcode": "all", "targetAudioCodec": codec}, "-c:a") == encoder


def test_no_audio_stream_maps_only_video() -> None:
    arguments = options({}, make_video_info(codec="hevc", audio_codec=None))

    assert arguments.count("-map") == 1


@pytest.mark.parametrize(
    ("probe", "config", "scale"),
    [
        ({"width": 1920, "height": 1080}, {}, "scale=-2:720"),
        ({"width": 1080, "height": 1920}, {}, "scale=720:-2"),
        ({"width": 1920, "height": 1080, "rotation": -90}, {}, "scale=720:-2"),
        ({"width": 1920, "height": 1080, "rotation": 180}, {}, "scale=-2:720"),
        ({"width": 1280, "height": 720}, {}, None),
        ({"width": 640, "height": 480}, {}, None),
        ({"width": 321, "height": 241}, {}, "scale=-2:720"),  # odd sizes always rescale (to even ones)
        ({"width": 1920, "height": 1080}, {"targetResolution": "original"}, None),
        ({"width": 321, "height": 241}, {"targetResolution": "original"}, "scale=-2:240"),
        ({"width": 3840, "height": 2160}, {"targetResolution": "1441"}, "scale=-2:1440"),
    ],
)
def test_scaling_keeps_the_short_side_at_the_target(
    probe: dict[str, Any], config: dict[str, Any], scale: str | None
) -> None:
    filters = option(config, "-vf", make_video_info(codec="hevc", **probe))

    assert (filters.split(",")[0] if filters and filters.startswith("scale") else None) == scale


def test_non_420_sources_are_converted_to_yuv420p() -> None:
    info = make_video_info(pixel_format="yuv444p", width=1280, height=720)

    assert option({}, "-vf", info) == "format=yuv420p"
    assert option({}, "-vf", make_video_info(pixel_format="yuv420p10le")) == "scale=-2:720,format=yuv420p"


def test_hdr_sources_are_tone_mapped_unless_disabled() -> None:
    info = make_video_info(codec="hevc", pixel_format="yuv420p10le", color_transfer="arib-std-b67")

    assert option({"tonemap": "mobius"}, "-vf", info) == ",".join(
        [
            "scale=-2:720",
            "zscale=tin=arib-std-b67:pin=bt2020:min=bt2020nc:t=linear:npl=100",
            "format=gbrpf32le",
            "zscale=p=bt709",
            "tonemap=tonemap=mobius:desat=0:peak=100",
            "zscale=t=bt709:m=bt709:r=pc",
            "format=yuv420p",
        ]
    )
    assert option({"tonemap": "disabled"}, "-vf", info) == "scale=-2:720,format=yuv420p"


@pytest.mark.parametrize(
    ("config", "expected", "two_pass"),
    [
        ({"maxBitrate": "4500k"}, ["-crf", "23", "-maxrate", "4500k", "-bufsize", "9000k"], False),
        ({"maxBitrate": "10M"}, ["-crf", "23", "-maxrate", "10M", "-bufsize", "20M"], False),
        ({"maxBitrate": "4500"}, ["-crf", "23", "-maxrate", "4500k", "-bufsize", "9000k"], False),
        ({"maxBitrate": "4500k", "twoPass": True}, ["-b:v", "3104k", "-minrate", "1552k", "-maxrate", "4500k"], True),
        ({"maxBitrate": "4501k", "twoPass": True}, ["-b:v", "3105k", "-minrate", "1552.5k", "-maxrate", "4501k"], True),
        ({"twoPass": True}, ["-crf", "23"], False),
        ({"cqMode": "cqp", "crf": 30}, ["-q:v", "30"], False),
    ],
)
def test_h264_rate_control(config: dict[str, Any], expected: list[str], two_pass: bool) -> None:
    plan = ffmpeg.plan({"ffmpeg": config}, HEVC_SOURCE)

    assert list(plan.output_options[-len(expected) :]) == expected
    assert plan.two_pass is two_pass


def test_threads_bframes_refs_and_gop() -> None:
    arguments = options({"threads": 1, "bframes": 2, "refs": 3, "gopSize": 60, "preset": "veryfast"})

    assert arguments[arguments.index("-bf") :][:6] == ["-bf", "2", "-refs", "3", "-g", "60"]
    assert arguments[-8:-2] == ["-preset", "veryfast", "-threads", "1", "-x264-params", "frame-threads=1:pools=none"]
    assert option({"threads": 4}, "-threads") == "4"
    assert "-threads" not in options({})


def test_hevc_target_is_tagged_hvc1() -> None:
    arguments = options({"targetVideoCodec": "hevc", "threads": 1})

    assert arguments[:2] == ["-c:v", "libx265"]
    assert option({"targetVideoCodec": "hevc"}, "-tag:v") == "hvc1"
    assert "-x265-params" in arguments
    # a copied HEVC stream is tagged too
    remux = make_video_info(codec="hevc", format_name="mpegts", format_long_name="MPEG-TS")
    assert option({"targetVideoCodec": "hevc", "acceptedVideoCodecs": ["hevc"]}, "-tag:v", remux) == "hvc1"


def test_vp9_options() -> None:
    arguments = options({"targetVideoCodec": "vp9", "preset": "medium", "threads": 2})

    assert arguments[:2] == ["-c:v", "libvpx-vp9"]
    assert arguments[-10:] == ["-cpu-used", "3", "-row-mt", "1", "-threads", "2", "-crf", "23", "-b:v", "0k"]
    assert option({"targetVideoCodec": "vp9"}, "-cpu-used") == "5"  # capped: faster needs realtime mode
    two_pass = ffmpeg.plan({"targetVideoCodec": "vp9", "twoPass": True, "maxBitrate": "2M"}, HEVC_SOURCE)
    assert two_pass.two_pass
    assert list(two_pass.output_options[-6:]) == ["-b:v", "2M", "-minrate", "1M", "-maxrate", "2M"]
    assert ffmpeg.plan({"targetVideoCodec": "vp9", "twoPass": True}, HEVC_SOURCE).two_pass


def test_av1_options() -> None:
    plan = ffmpeg.plan({"targetVideoCodec": "av1", "threads": 2, "maxBitrate": "3M", "twoPass": True}, HEVC_SOURCE)

    assert list(plan.output_options[:2]) == ["-c:v", "libsvtav1"]
    assert list(plan.output_options[-6:]) == ["-preset", "12", "-crf", "23", "-svtav1-params", "lp=2:mbr=3M"]
    assert not plan.two_pass  # SVT-AV1 refuses multi-pass with CRF


def test_hardware_acceleration_falls_back_to_software() -> None:
    plan = ffmpeg.plan({"accel": "nvenc", "accelDecode": True}, HEVC_SOURCE)

    assert plan.output_options[:2] == ("-c:v", "libx264")
    assert plan.warnings == ("NVENC acceleration is unavailable; transcoding with software encoding",)


def test_unsupported_codecs_are_rejected() -> None:
    with pytest.raises(ValueError, match="Codec 'mpeg2' is unsupported"):
        ffmpeg.plan({"targetVideoCodec": "mpeg2"}, HEVC_SOURCE)


def test_command_puts_options_around_input_and_output() -> None:
    plan = ffmpeg.plan({}, HEVC_SOURCE)

    arguments = ffmpeg.command("ffmpeg", Path("in.mov"), Path("out.mp4"), plan)

    assert arguments[:7] == ["ffmpeg", "-hide_banner", "-nostdin", "-loglevel", "error", "-y", "-i"]
    assert arguments[7:9] == ["in.mov", "-c:v"]
    assert arguments[-1] == "out.mp4"


# -- real transcodes --------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def sources(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("sources")
    sine = (*LAVFI, "sine=frequency=440:duration=1")
    return {
        # 4:4:4 H.264 with Opus in Matroska: video, audio and container all need converting
        "large": make_clip(
            folder / "large.mkv",
            *LAVFI, "testsrc=size=1280x960:rate=10:duration=1", *sine,
            *X264, "-pix_fmt", "yuv444p", "-c:a", "libopus", "-shortest",
        ),
        "small": make_clip(
            folder / "small.mkv", *LAVFI, "testsrc=size=320x240:rate=15:duration=1", *sine,
            *X264, "-pix_fmt", "yuv420p", "-c:a", "aac", "-shortest",
        ),
        "hdr": make_clip(
            folder / "hdr.mov", *LAVFI, "testsrc=size=320x240:rate=15:duration=1",
            "-vf", "setparams=color_primaries=bt2020:color_trc=smpte2084:colorspace=bt2020nc",
            "-c:v", "libx265", "-preset", "ultrafast", "-x265-params", "log-level=error", "-pix_fmt", "yuv420p10le",
        ),
        "slow": make_clip(
            folder / "slow.mp4", *LAVFI, "testsrc2=size=1280x720:rate=30:duration=3", *X264, "-pix_fmt", "yuv420p",
        ),
    }  # fmt: skip


def _top_level_boxes(path: Path) -> list[str]:
    boxes, data, offset = [], path.read_bytes(), 0
    while offset + 8 <= len(data):
        size, kind = struct.unpack(">I4s", data[offset : offset + 8])
        boxes.append(kind.decode("latin-1"))
        if size == 1:
            size = struct.unpack(">Q", data[offset + 8 : offset + 16])[0]
        offset += size or len(data)
    return boxes


def _leftovers(folder: Path, target: Path) -> list[str]:
    return sorted(path.name for path in folder.iterdir() if path != target)


def test_transcode_to_720p_h264_aac_mp4(sources: dict[str, Path], tmp_path: Path) -> None:
    target = tmp_path / "ab" / "cd" / "asset.mp4"
    info = video.probe(sources["large"])

    result = ffmpeg.transcode(sources["large"], target, {}, info)

    assert result.output == target and result.plan.decision.target is TranscodeTarget.ALL
    encoded = video.probe(target)
    (stream,) = encoded.video_streams
    assert (stream.codec_name, stream.width, stream.height, stream.pixel_format) == ("h264", 960, 720, "yuv420p")
    assert [audio.codec_name for audio in encoded.audio_streams] == ["aac"]
    assert encoded.format.duration == pytest.approx(info.format.duration, abs=0.1)
    boxes = _top_level_boxes(target)
    assert boxes.index("moov") < boxes.index("mdat")  # faststart
    assert _leftovers(target.parent, target) == []
    assert video.poster_frame(target).size == (960, 720)


def test_remux_copies_streams_into_mp4(sources: dict[str, Path], tmp_path: Path) -> None:
    target = tmp_path / "remuxed.mp4"
    info = video.probe(sources["small"])

    result = ffmpeg.transcode(sources["small"], target, {}, info)

    assert (result.plan.decision.target, result.plan.decision.remux) == (TranscodeTarget.NONE, True)
    encoded = video.probe(target)
    assert encoded.format.format_long_name == "QuickTime / MOV"
    assert (encoded.video_streams[0].codec_name, encoded.video_streams[0].frame_count) == ("h264", 15)
    assert encoded.audio_streams[0].codec_name == "aac"


def test_rotated_video_is_encoded_upright_at_the_target_short_side(tmp_path: Path) -> None:
    source = make_clip(
        tmp_path / "portrait.mp4", "-display_rotation", "-90",
        *LAVFI, "testsrc=size=320x240:rate=15:duration=1", *X264, "-pix_fmt", "yuv420p",
    )  # fmt: skip
    target = tmp_path / "out" / "portrait.mp4"

    ffmpeg.transcode(source, target, {"ffmpeg": {"transcode": "all", "targetResolution": "120"}}, video.probe(source))

    stream = video.probe(target).video_streams[0]
    assert (stream.width, stream.height, stream.rotation) == (120, 160, 0)


def test_hdr_video_is_tone_mapped_to_bt709(sources: dict[str, Path], tmp_path: Path) -> None:
    target = tmp_path / "sdr.mp4"

    ffmpeg.transcode(sources["hdr"], target, {}, video.probe(sources["hdr"]))

    stream = video.probe(target).video_streams[0]
    assert (stream.codec_name, stream.color_transfer, stream.is_hdr) == ("h264", "bt709", False)
    assert stream.pixel_format.endswith("420p") and stream.bit_depth == 8


def test_two_pass_leaves_no_pass_logs(sources: dict[str, Path], tmp_path: Path) -> None:
    target = tmp_path / "two-pass.mp4"
    config = {"ffmpeg": {"transcode": "all", "twoPass": True, "maxBitrate": "200k"}}

    result = ffmpeg.transcode(sources["small"], target, config, video.probe(sources["small"]))

    assert result.plan.two_pass
    assert video.probe(target).video_streams[0].codec_name == "h264"
    assert _leftovers(tmp_path, target) == []


def test_not_required_writes_nothing(tmp_path: Path) -> None:
    target = tmp_path / "none.mp4"

    result = ffmpeg.transcode(tmp_path / "source.mp4", target, {}, make_video_info(width=1280, height=720))

    assert result.output is None and not result.plan.required
    assert not target.exists()


def test_failed_transcode_keeps_the_old_output_and_leaves_no_partial_file(tmp_path: Path) -> None:
    source = tmp_path / "broken.mov"
    source.write_bytes(b"\x00" * 4096)
    target = tmp_path / "out" / "asset.mp4"
    target.parent.mkdir()
    target.write_bytes(b"previous encoding")

    with pytest.raises(TranscodeError) as raised:
        ffmpeg.transcode(source, target, {}, make_video_info(codec="hevc"))

    assert raised.value.returncode not in (None, 0)
    assert raised.value.stderr_tail
    assert raised.value.stderr_tail in str(raised.value)
    assert target.read_bytes() == b"previous encoding"
    assert _leftovers(target.parent, target) == []


def test_timed_out_transcode_is_killed_and_cleaned_up(sources: dict[str, Path], tmp_path: Path) -> None:
    target = tmp_path / "slow.mp4"
    config = {"ffmpeg": {"transcode": "all", "targetVideoCodec": "hevc", "preset": "veryslow"}}

    with pytest.raises(TranscodeError, match="timed out"):
        ffmpeg.transcode(sources["slow"], target, config, video.probe(sources["slow"]), timeout=0.5)

    assert list(tmp_path.iterdir()) == []


def _ffmpeg_writing_into(folder: Path) -> int | None:
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            arguments = (entry / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if any(argument.startswith(str(folder).encode() + b"/.") for argument in arguments):
            return int(entry.name)
    return None


@pytest.mark.skipif(not Path("/proc/self/cmdline").exists(), reason="finds the ffmpeg process through /proc")
def test_killed_transcode_raises_and_leaves_no_output(sources: dict[str, Path], tmp_path: Path) -> None:
    target = tmp_path / "killed.mp4"
    config = {"ffmpeg": {"transcode": "all", "targetVideoCodec": "hevc", "preset": "veryslow"}}
    errors: list[BaseException] = []

    def run() -> None:
        try:
            ffmpeg.transcode(sources["slow"], target, config, video.probe(sources["slow"]), timeout=30)
        except BaseException as error:
            errors.append(error)

    worker = threading.Thread(target=run)
    worker.start()
    deadline = time.monotonic() + 10
    while (pid := _ffmpeg_writing_into(tmp_path)) is None and time.monotonic() < deadline:
        time.sleep(0.02)
    assert pid is not None
    time.sleep(0.2)  # let it write part of the file
    os.kill(pid, signal.SIGKILL)
    worker.join(timeout=10)

    assert len(errors) == 1 and isinstance(errors[0], TranscodeError)
    assert "killed by signal 9" in str(errors[0])
    assert list(tmp_path.iterdir()) == []


def test_missing_binary_is_a_transcode_error(tmp_path: Path) -> None:
    with pytest.raises(TranscodeError, match="Cannot run ffmpeg"):
        ffmpeg.transcode(tmp_path / "in.mov", tmp_path / "out.mp4", {}, HEVC_SOURCE, binary=str(tmp_path / "nope"))

    assert list(tmp_path.iterdir()) == []


def test_fake_transcoder_follows_the_real_plan(tmp_path: Path) -> None:
    tools = FakeVideoTools()
    target = tmp_path / "encoded" / "asset.mp4"

    skipped = tools.transcode(tmp_path / "in.mp4", target, {}, make_video_info(width=1280, height=720))
    done = tools.transcode(tmp_path / "in.mov", target, {}, HEVC_SOURCE)

    assert skipped.output is None and done.output == target
    assert target.read_bytes() == STUB_VIDEO
    assert tools.transcoded == [(tmp_path / "in.mov", target)]
    with pytest.raises(TranscodeError):
        FakeVideoTools(fail_transcode=True).transcode(tmp_path / "in.mov", target, {}, HEVC_SOURCE)
