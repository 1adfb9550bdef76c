"""Versions of the media tools this process can actually use, for `GET /server/about`."""

from __future__ import annotations

import functools
import importlib.util
import subprocess


@functools.cache
def tool_versions() -> dict[str, str]:
    """`ffmpeg`, `exiftool` and `libvips` versions keyed as `ServerAboutResponseDto` names them; missing tools left out.

    Probed once per process: the installed tools do not change while it runs.
    """
    found = {"ffmpeg": _ffmpeg(), "exiftool": _exiftool(), "libvips": _libvips()}
    return {name: version for name, version in found.items() if version}


def _run(*command: str) -> str:
    try:
        result = subprocess.run(command, capture_output=True, text=True, timeout=5, check=False)
    except (OSError, subprocess.SubprocessError):
        return ""
    return result.stdout.strip() if result.returncode == 0 else ""


def _ffmpeg() -> str:
    from photonest.media.ffmpeg import ffmpeg_binary

    try:
        binary: str | None = ffmpeg_binary()
    except Exception:  # no ffmpeg at all must not break /server/about
        binary = None
    first_line = _run(binary, "-version").splitlines()[:1] if binary else []
    # "ffmpeg version 7.0.2-static https://johnvansickle.com/ffmpeg/ Copyright ..." -> "7.0.2-static"
    words = first_line[0].split() if first_line else []
    return words[2] if len(words) > 2 and words[1] == "version" else ""


def _exiftool() -> str:
    from photonest.media.exiftool import ExifToolNotFoundError, find_exiftool

    try:
        return _run(find_exiftool(), "-ver")
    except ExifToolNotFoundError:
        return ""


def _libvips() -> str:
    if importlib.util.find_spec("pyvips") is None:
        return ""
    try:
        import pyvips  # type: ignore[import-not-found,unused-ignore]

        return ".".join(str(pyvips.version(i)) for i in range(3))
    except Exception:  # a broken libvips install must not break /server/about
        return ""
