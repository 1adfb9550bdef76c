"""Building and running the ffmpeg command that produces the encoded video, after upstream's `utils/media.ts`.

Software encoders only (`H264Config`, `HEVCConfig`, `VP9Config`, `AV1Config`); the ffmpeg binary is the static
build shipped by `imageio-ffmpeg`, which has libx264/libx265/libvpx/libsvtav1 and zscale + tonemap.
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import logging
import math
import os
import secrets
import subprocess
import tempfile
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from photonest.media.transcode_policy import FfmpegSettings, decide, js_parse_int
from photonest.media.video_protocols import (
    TranscodeDecision,
    TranscodeError,
    TranscodePlan,
    TranscodeResult,
    TranscodeTarget,
    VideoInfo,
    VideoStreamInfo,
)

log = logging.getLogger(__name__)

PRESETS = ("veryslow", "slower", "slow", "medium", "fast", "faster", "veryfast", "superfast", "ultrafast")
VIDEO_ENCODERS = {"h264": "libx264", "hevc": "libx265", "vp9": "libvpx-vp9", "av1": "libsvtav1"}
AUDIO_ENCODERS = {"aac": "aac", "mp3": "libmp3lame", "libopus": "libopus", "pcm_s16le": "pcm_s16le"}
TONEMAP_ALGORITHMS = frozenset({"hable", "mobius", "reinhard"})
STDERR_TAIL_LINES = 20

# zscale accepts these ffprobe names for its input colour properties; others fall back to BT.2020.
_ZSCALE_PRIMARIES = frozenset(
    {"bt709", "bt470m", "bt470bg", "smpte170m", "smpte240m", "bt2020", "smpte431", "smpte432"}
)
_ZSCALE_MATRICES = frozenset({"bt709", "bt470bg", "smpte170m", "bt2020nc", "bt2020c"})


@functools.cache
def ffmpeg_binary() -> str:
    """The ffmpeg executable: imageio-ffmpeg's static build (or `IMAGEIO_FFMPEG_EXE` when set)."""
    import imageio_ffmpeg  # type: ignore[import-untyped,unused-ignore]

    return str(imageio_ffmpeg.get_ffmpeg_exe())


def _js_number(value: float) -> str:
    # upstream interpolates JS numbers: 1552 → "1552", 1552.5 → "1552.5"
    return str(int(value)) if float(value).is_integer() else repr(float(value))


class _SoftwareCodec:
    """Upstream's `BaseConfig` for one target codec: the ffmpeg options it derives from the settings."""

    def __init__(self, settings: FfmpegSettings) -> None:
        self.settings = settings
        codec = settings.target_video_codec
        if codec not in VIDEO_ENCODERS:
            raise ValueError(f"Codec '{codec}' is unsupported")
        if settings.target_audio_codec not in AUDIO_ENCODERS:
            raise ValueError(f"Audio codec '{settings.target_audio_codec}' is unsupported")
        self.codec = codec

    # -- bitrate ---------------------------------------------------------------------------------------------------

    def max_bitrate(self) -> int:
        return js_parse_int(self.settings.max_bitrate) or 0

    def bitrate_unit(self) -> str:
        # the unit the admin typed after the number, "k" when none
        return self.settings.max_bitrate.strip()[len(str(self.max_bitrate())) :] or "k"

    def eligible_for_two_pass(self) -> bool:
        if self.codec == "av1":
            # SVT-AV1 rejects multi-pass in CRF mode ("CRF does not support multi-pass"), which upstream always uses
            return False
        if self.codec == "vp9":
            return self.settings.two_pass
        return self.settings.two_pass and self.max_bitrate() > 0

    def quality_flag(self) -> str:
        return "-q:v" if self.settings.cq_mode == "cqp" else "-crf"

    def bitrate_options(self) -> list[str]:
        maximum = self.max_bitrate()
        target = math.ceil(maximum / 1.45)  # per Google's VP9 VOD guidance, as upstream
        minimum = target / 2
        unit = self.bitrate_unit()
        crf = str(self.settings.crf)
        if self.codec == "av1":
            options = ["-crf", crf]
            params = []
            if self.settings.threads > 0:
                params.append(f"lp={self.settings.threads}")
            if maximum > 0:
                params.append(f"mbr={maximum}{unit}")
            if params:
                options += ["-svtav1-params", ":".join(params)]
            return options
        constrained_two_pass = ["-b:v", f"{target}{unit}", "-minrate", f"{_js_number(minimum)}{unit}"]
        constrained_two_pass += ["-maxrate", f"{maximum}{unit}"]
        if self.codec == "vp9":
            if maximum > 0 and self.eligible_for_two_pass():
                return constrained_two_pass
            return [self.quality_flag(), crf, "-b:v", f"{maximum}{unit}"]
        if self.eligible_for_two_pass():
            return constrained_two_pass
        if maximum > 0:
            # -maxrate caps the rolling average, -bufsize the peak
            return [self.quality_flag(), crf, "-maxrate", f"{maximum}{unit}", "-bufsize", f"{maximum * 2}{unit}"]
        return [self.quality_flag(), crf]

    # -- speed and threads -----------------------------------------------------------------------------------------

    def preset_index(self) -> int:
        return PRESETS.index(self.settings.preset) if self.settings.preset in PRESETS else -1

    def preset_options(self) -> list[str]:
        if self.codec == "vp9":
            # cpu-used above 5 needs libvpx's realtime mode, which overrides -crf and -threads
            speed = min(self.preset_index(), 5)
            return ["-cpu-used", str(speed)] if speed >= 0 else []
        if self.codec == "av1":
            # SVT-AV1 presets 4 (slowest used) to 12
            return ["-preset", str(self.preset_index() + 4)]
        return ["-preset", self.settings.preset]

    def thread_options(self) -> list[str]:
        threads = self.settings.threads
        if self.codec == "av1":
            return []  # passed as svtav1-params lp=
        options = ["-threads", str(threads)] if threads > 0 else []
        if self.codec == "vp9":
            return ["-row-mt", "1", *options]
        if threads == 1:
            params = "frame-threads=1:pools=none"
            options += ["-x264-params" if self.codec == "h264" else "-x265-params", params]
        return options

    # -- picture ---------------------------------------------------------------------------------------------------

    def target_resolution(self, stream: VideoStreamInfo) -> int:
        parsed = js_parse_int(self.settings.target_resolution)
        target = min(stream.width, stream.height) if self.settings.target_resolution == "original" else parsed
        if target is None:  # unparsable: keep the size rather than emit a broken filter
            target = min(stream.width, stream.height)
        return target - 1 if target % 2 else target

    def should_scale(self, stream: VideoStreamInfo) -> bool:
        odd = stream.width % 2 != 0 or stream.height % 2 != 0
        return odd or min(stream.width, stream.height) > self.target_resolution(stream)

    def scaling(self, stream: VideoStreamInfo) -> str:
        # ffmpeg auto-rotates before filtering, so a ±90° stream is scaled as the portrait picture it shows
        target = self.target_resolution(stream)
        vertical = stream.height > stream.width or abs(stream.rotation) == 90
        return f"{target}:-2" if vertical else f"-2:{target}"

    def filters(self, stream: VideoStreamInfo) -> list[str]:
        options = [f"scale={self.scaling(stream)}"] if self.should_scale(stream) else []
        tonemap = tonemap_filters(stream, self.settings.tonemap)
        if tonemap:
            options += tonemap
        elif not stream.pixel_format.endswith("420p"):
            options.append("format=yuv420p")
        return options

    # -- whole command ---------------------------------------------------------------------------------------------

    def output_options(self, decision: TranscodeDecision) -> list[str]:
        encode_video = decision.target in (TranscodeTarget.ALL, TranscodeTarget.VIDEO)
        encode_audio = decision.target in (TranscodeTarget.ALL, TranscodeTarget.AUDIO)
        video = decision.video_stream
        options = [
            "-c:v",
            VIDEO_ENCODERS[self.codec] if encode_video else "copy",
            "-c:a",
            AUDIO_ENCODERS[self.settings.target_audio_codec] if encode_audio else "copy",
            "-movflags",
            "faststart",
            "-fps_mode",
            "passthrough",
            "-map",
            f"0:{video.index}",
            "-map_metadata",
            "-1",
        ]
        if decision.audio_stream is not None:
            options += ["-map", f"0:{decision.audio_stream.index}"]
        if self.codec == "hevc" and (encode_video or video.codec_name == "hevc"):
            options += ["-tag:v", "hvc1"]  # Apple players refuse HEVC tagged hev1
        if not encode_video:
            return options
        if self.settings.bframes > -1:
            options += ["-bf", str(self.settings.bframes)]
        if self.settings.refs > 0:
            options += ["-refs", str(self.settings.refs)]
        if self.settings.gop_size > 0:
            options += ["-g", str(self.settings.gop_size)]
        filters = self.filters(video)
        if filters:
            options += ["-vf", ",".join(filters)]
        return options + self.preset_options() + self.thread_options() + self.bitrate_options()


def tonemap_filters(stream: VideoStreamInfo, tonemap: str = "hable") -> list[str]:
    """HDR → SDR BT.709 filters for PQ/HLG streams, or [] when not HDR or tone mapping is disabled.

    Upstream uses jellyfin-ffmpeg's `tonemapx` (bt709, desat 0, peak 100, full range, yuv420p); stock ffmpeg
    builds the same conversion from zscale + tonemap.
    """
    if not stream.is_hdr or tonemap == "disabled":
        return []
    algorithm = tonemap if tonemap in TONEMAP_ALGORITHMS else "hable"
    primaries = stream.color_primaries if stream.color_primaries in _ZSCALE_PRIMARIES else "bt2020"
    matrix = stream.color_matrix if stream.color_matrix in _ZSCALE_MATRICES else "bt2020nc"
    return [
        # naming the input properties keeps zscale working on files whose tags are partly missing
        f"zscale=tin={stream.color_transfer}:pin={primaries}:min={matrix}:t=linear:npl=100",
        "format=gbrpf32le",
        "zscale=p=bt709",
        f"tonemap=tonemap={algorithm}:desat=0:peak=100",
        "zscale=t=bt709:m=bt709:r=pc",
        "format=yuv420p",
    ]


def plan(config: Mapping[str, Any], info: VideoInfo) -> TranscodePlan:
    """Decide (see `transcode_policy.decide`) and build the ffmpeg options for a probed file."""
    settings = FfmpegSettings.from_config(config)
    decision = decide(settings, info)
    warnings: list[str] = []
    if settings.accel != "disabled":
        # no GPU encoders here; upstream also ends on software encoding when accelerated encoding fails
        message = f"{settings.accel.upper()} acceleration is unavailable; transcoding with software encoding"
        warnings.append(message)
        settings = dataclasses.replace(settings, accel="disabled", accel_decode=False)
    codec = _SoftwareCodec(settings)
    return TranscodePlan(
        decision=decision,
        input_options=(),
        output_options=tuple(codec.output_options(decision)),
        two_pass=decision.target in (TranscodeTarget.ALL, TranscodeTarget.VIDEO) and codec.eligible_for_two_pass(),
        warnings=tuple(warnings),
    )


def command(
    binary: str, source: Path, output: Path | str, transcode_plan: TranscodePlan, extra: tuple[str, ...] = ()
) -> list[str]:
    """The full ffmpeg argument list for one pass."""
    return [
        binary,
        "-hide_banner",
        "-nostdin",
        "-loglevel",
        "error",
        "-y",
        *transcode_plan.input_options,
        "-i",
        str(source),
        *transcode_plan.output_options,
        *extra,
        str(output),
    ]


def _tail(stderr: bytes) -> str:
    lines = stderr.decode("utf-8", "replace").strip().splitlines()
    return "\n".join(lines[-STDERR_TAIL_LINES:])


def run_ffmpeg(arguments: list[str], *, timeout: float | None = None) -> None:
    """Run ffmpeg at lower priority; raise `TranscodeError` with its stderr tail unless it succeeds.

    The process is killed if this call is interrupted or times out.
    """
    environment = {**os.environ, "SVT_LOG": "2"}  # SVT-AV1 prints its banner straight to stderr otherwise
    try:
        process = subprocess.Popen(
            arguments, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=environment
        )
    except OSError as error:
        raise TranscodeError(f"Cannot run ffmpeg ({arguments[0]}): {error}") from error
    with contextlib.suppress(OSError):
        os.setpriority(os.PRIO_PROCESS, process.pid, 10)  # upstream runs ffmpeg with niceness 10
    try:
        _, stderr = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        _, stderr = process.communicate()
        raise TranscodeError(f"ffmpeg timed out after {timeout} s", stderr_tail=_tail(stderr)) from None
    except BaseException:
        process.kill()
        process.wait()
        raise
    if process.returncode < 0:
        raise TranscodeError(
            f"ffmpeg was killed by signal {-process.returncode}",
            returncode=process.returncode,
            stderr_tail=_tail(stderr),
        )
    if process.returncode != 0:
        raise TranscodeError(
            f"ffmpeg exited with code {process.returncode}", returncode=process.returncode, stderr_tail=_tail(stderr)
        )


def _temporary_path(target: Path) -> Path:
    # same folder (rename stays atomic), hidden, keeps the suffix ffmpeg picks the muxer from
    return target.with_name(f".{target.stem}.{secrets.token_hex(4)}.tmp{target.suffix}")


def transcode(
    source: Path,
    target: Path,
    config: Mapping[str, Any],
    info: VideoInfo,
    *,
    binary: str | None = None,
    timeout: float | None = None,
) -> TranscodeResult:
    """Write the encoded video for source to target when the policy requires one.

    ffmpeg writes to a hidden temporary file next to target, renamed into place only on success; on failure,
    timeout or interruption that file is removed and target is left untouched. Returns `output=None` without
    running ffmpeg when no encoded video is needed.
    """
    transcode_plan = plan(config, info)
    for warning in transcode_plan.warnings:
        log.warning("%s: %s", source.name, warning)
    if not transcode_plan.required:
        return TranscodeResult(plan=transcode_plan, output=None)

    executable = binary or ffmpeg_binary()
    started = time.monotonic()
    target.parent.mkdir(parents=True, exist_ok=True)
    temporary = _temporary_path(target)
    try:
        if transcode_plan.two_pass:
            with tempfile.TemporaryDirectory(prefix="photonest-2pass-") as folder:
                passlog = str(Path(folder) / "pass")
                first = ("-pass", "1", "-passlogfile", passlog, "-f", "null")
                run_ffmpeg(command(executable, source, os.devnull, transcode_plan, first), timeout=timeout)
                second = ("-pass", "2", "-passlogfile", passlog)
                run_ffmpeg(command(executable, source, temporary, transcode_plan, second), timeout=timeout)
        else:
            run_ffmpeg(command(executable, source, temporary, transcode_plan), timeout=timeout)
        if not temporary.is_file() or temporary.stat().st_size == 0:
            raise TranscodeError("ffmpeg produced no output")
        with temporary.open("rb") as written:
            os.fsync(written.fileno())
        os.replace(temporary, target)
    finally:
        temporary.unlink(missing_ok=True)
    return TranscodeResult(plan=transcode_plan, output=target, seconds=time.monotonic() - started)
