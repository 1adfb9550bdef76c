"""ExifTool behind a small adapter: one long-lived `-stay_open` process per thread, read as JSON, write XMP sidecars.

The read arguments mirror what upstream's `exiftool-vendored` sends (`server/src/repositories/metadata.repository.ts`
v1.134.0 with the library's `ReadTask`): `-json -struct -use MWG`, print conversion for every tag except the
library's `numericTags` (`*Duration*`, GPS coordinates, `Orientation`) plus upstream's `FocalLength` and `FileSize`,
`-api largefilesupport=1`, and `-ee` for videos. `-api geolocation` is added so that ExifTool's own city database
supplies the time zone of a GPS position (upstream asks the `geo-tz` package for the same thing).
"""

from __future__ import annotations

import base64
import contextlib
import html
import json
import logging
import os
import select
import shutil
import subprocess
import threading
import time
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from photonest.media.metadata import (
    ExtractedMetadata,
    FileStats,
    MotionPhoto,
    SidecarTags,
    TagValue,
    VideoTags,
    extract_metadata,
    gps_position,
    read_motion_range,
)

logger = logging.getLogger(__name__)

ENV_EXECUTABLE = "PHOTONEST_EXIFTOOL"
VENDORED_RELATIVE = Path(".tools/node_modules/exiftool-vendored.pl/bin/exiftool")

# Tags read as numbers (ExifTool's `-TAG#`): exiftool-vendored's defaults plus upstream's additions.
NUMERIC_TAGS: tuple[str, ...] = (
    "*Duration*",
    "GPSAltitude",
    "GPSLatitude",
    "GPSLongitude",
    "GPSPosition",
    "GeolocationPosition",
    "Orientation",
    "FocalLength",
    "FileSize",
)

_COMMON_ARGS: tuple[str, ...] = ("-charset", "filename=utf8")
_READ_ARGS: tuple[str, ...] = (
    "-json",
    "-struct",
    "-use",
    "MWG",
    "-api",
    "largefilesupport=1",
    "-api",
    "geolocation",
)
# `-E` + HTML-escaped values keep newlines in a description from breaking the line-based -stay_open protocol.
_WRITE_ARGS: tuple[str, ...] = (
    "-codedcharacterset=utf8",
    "-E",
    "-use",
    "MWG",
    "-api",
    "largefilesupport=1",
    "-overwrite_original",
)


class ExifToolError(RuntimeError):
    """ExifTool is missing, died, timed out or refused a command."""


class ExifToolNotFoundError(ExifToolError):
    """No exiftool executable could be located."""


def find_exiftool(cwd: Path | None = None) -> str:
    """The exiftool to run: $PHOTONEST_EXIFTOOL, then the repository's `.tools` install, then PATH."""
    configured = os.environ.get(ENV_EXECUTABLE, "").strip()
    if configured:
        if Path(configured).is_file() or shutil.which(configured):
            return configured
        raise ExifToolNotFoundError(f"{ENV_EXECUTABLE}={configured} is not an executable file")
    # The vendored build (upstream's version) first: distribution packages may be too old for GPS time zones.
    # src/photonest/media/exiftool.py -> the repository root is three folders above the package folder.
    roots = [Path(__file__).resolve().parents[3], (cwd or Path.cwd()).resolve()]
    for root in roots:
        candidate = root / VENDORED_RELATIVE
        if candidate.is_file():
            return str(candidate)
    on_path = shutil.which("exiftool")
    if on_path:
        return on_path
    raise ExifToolNotFoundError(
        "exiftool not found: set PHOTONEST_EXIFTOOL, put it on PATH or run scripts/install_tools.sh"
    )


def read_args(*, video: bool = False, numeric_tags: Iterable[str] = NUMERIC_TAGS) -> list[str]:
    """The arguments before the file name for a tag read (the numeric-tag references must precede `-all`)."""
    args = [*_READ_ARGS]
    if video:
        args.append("-ee")
    args.extend(f"-{tag}#" for tag in numeric_tags)
    args.append("-all")
    return args


def write_args(tags: Mapping[str, TagValue | None]) -> list[str]:
    """`-TAG=value` arguments (lists repeat the tag; None is skipped), HTML-escaped for `-E`."""
    args = [*_WRITE_ARGS]
    for name, value in tags.items():
        if value is None:
            continue
        values: Sequence[str | int | float] = [value] if isinstance(value, str | int | float) else value
        args.extend(f"-{name}={_encode(item)}" for item in values)
    return args


def _encode(value: str | int | float) -> str:
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, int | float):
        return repr(value) if isinstance(value, float) else str(value)
    # Newlines become character references so each argument stays on one protocol line.
    return html.escape(value, quote=False).replace("\r", "&#x0d;").replace("\n", "&#x0a;")


class _ProcessDiedError(ExifToolError):
    """The process ended in the middle of a command."""


# ExifTool's own protocol (`-stay_open True -@ -`, `-executeN`, `{readyN}` on stdout, the exit status echoed to
# stderr with `-echo4`) is spoken directly rather than through PyExifTool, whose reader spins forever on a process
# that died mid-command; a worker must survive that. Both pipes are drained together so neither can fill up.
class ExifToolProcess:
    """One `exiftool -stay_open` process; serialised by a lock and restarted when it dies."""

    def __init__(self, executable: str | None = None, *, timeout: float = 60.0) -> None:
        self.executable = executable or find_exiftool()
        self.timeout = timeout
        self._lock = threading.Lock()
        self._process: subprocess.Popen[bytes] | None = None
        self._counter = 0

    def _start(self) -> subprocess.Popen[bytes]:
        command = [self.executable, "-stay_open", "True", "-@", "-", "-common_args", *_COMMON_ARGS]
        try:
            # ExifTool exits by itself when its argument stream (our stdin) closes, e.g. when this process dies.
            return subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        except OSError as error:
            raise ExifToolError(f"cannot start {self.executable}: {error}") from error

    def _stop(self, *, kill: bool = False) -> None:
        process, self._process = self._process, None
        if process is None:
            return
        if not kill:
            with contextlib.suppress(OSError, ValueError):
                if process.poll() is None and process.stdin is not None:
                    process.stdin.write(b"-stay_open\nFalse\n")
                    process.stdin.flush()
        try:
            process.wait(timeout=0 if kill else 2)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        for stream in (process.stdin, process.stdout, process.stderr):
            if stream is not None:
                with contextlib.suppress(OSError):
                    stream.close()

    def execute(self, *params: str | bytes) -> tuple[bytes, int, str]:
        """Run one command; returns (stdout bytes, exit status, stderr text). Restarts a dead process once."""
        encoded = [p if isinstance(p, bytes) else p.encode("utf-8") for p in params]
        if any(b"\n" in p or b"\r" in p for p in encoded):
            raise ValueError("exiftool arguments cannot contain line breaks")
        with self._lock:
            for attempt in (1, 2):
                if self._process is None or self._process.poll() is not None:
                    self._stop()
                    self._process = self._start()
                try:
                    return self._execute_once(self._process, encoded)
                except TimeoutError:
                    self._stop(kill=True)
                    raise ExifToolError(f"exiftool timed out after {self.timeout:g} s") from None
                except (OSError, _ProcessDiedError) as error:
                    self._stop(kill=True)
                    if attempt == 2:
                        raise ExifToolError(f"exiftool failed: {error}") from error
                    logger.warning("exiftool process failed (%s); restarting it", error)
        raise AssertionError("unreachable")

    def _execute_once(self, process: subprocess.Popen[bytes], params: list[bytes]) -> tuple[bytes, int, str]:
        assert process.stdin is not None and process.stdout is not None and process.stderr is not None
        self._counter += 1
        ready = b"{ready%d}" % self._counter
        post = b"=post%d" % self._counter
        command = [*params, b"-echo4", b"=${status}" + post, b"-execute%d" % self._counter]
        process.stdin.write(b"\n".join(command) + b"\n")
        process.stdin.flush()

        buffers = {process.stdout.fileno(): bytearray(), process.stderr.fileno(): bytearray()}
        sentinels = {process.stdout.fileno(): ready, process.stderr.fileno(): post}
        pending = set(buffers)
        deadline = time.monotonic() + self.timeout
        while pending:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError
            readable, _, _ = select.select(list(pending), [], [], remaining)
            for fd in readable:
                chunk = os.read(fd, 1 << 16)
                if not chunk:
                    raise _ProcessDiedError(f"exiftool exited with {process.poll()}")
                buffers[fd] += chunk
                if buffers[fd].rstrip().endswith(sentinels[fd]):
                    pending.discard(fd)
        out = bytes(buffers[process.stdout.fileno()])
        err = bytes(buffers[process.stderr.fileno()])
        stdout = out[: out.rfind(ready)]
        err_body = err[: err.rfind(post)]
        status_at = err_body.rfind(b"=")
        status_text = err_body[status_at + 1 :].strip()
        status = int(status_text) if status_text.isdigit() else 0
        return stdout, status, err_body[:status_at].decode("utf-8", "replace")

    def close(self) -> None:
        """Stop the process (it is started again on the next call)."""
        with self._lock:
            self._stop()

    @property
    def pid(self) -> int | None:
        """The running process id, for tests and diagnostics."""
        process = self._process
        return process.pid if process is not None and process.poll() is None else None


class ExifTool:
    """Thread-safe ExifTool access: each thread gets its own long-lived process, kept until `close()`."""

    def __init__(self, executable: str | None = None, *, timeout: float = 60.0) -> None:
        self.executable = executable or find_exiftool()
        self.timeout = timeout
        self._local = threading.local()
        self._all: list[ExifToolProcess] = []
        self._all_lock = threading.Lock()

    def process(self) -> ExifToolProcess:
        """This thread's process wrapper."""
        current: ExifToolProcess | None = getattr(self._local, "process", None)
        if current is None:
            current = ExifToolProcess(self.executable, timeout=self.timeout)
            self._local.process = current
            with self._all_lock:
                self._all.append(current)
        return current

    def read_tags(self, path: Path | str, *, video: bool = False) -> dict[str, Any]:
        """All tags of one file as a dict (ExifTool JSON); {} when ExifTool cannot read the file, as upstream."""
        try:
            stdout, status, stderr = self.process().execute(*read_args(video=video), os.fsencode(path))
        except ValueError as error:  # a line break in the file name cannot travel through -stay_open
            logger.warning("Error reading exif data (%r): %s", path, error)
            return {}
        text = stdout.decode("utf-8", "replace").strip()
        if not text:
            logger.warning("Error reading exif data (%s): %s", path, stderr.strip() or f"status {status}")
            return {}
        try:
            parsed = json.loads(text)
        except json.JSONDecodeError as error:
            logger.warning("Error reading exif data (%s): invalid JSON: %s", path, error)
            return {}
        tags = parsed[0] if isinstance(parsed, list) and parsed and isinstance(parsed[0], dict) else {}
        if "Error" in tags:
            logger.warning("Error reading exif data (%s): %s", path, tags["Error"])
        return tags

    def time_zone_at(self, path: Path | str, latitude: float, longitude: float) -> str | None:
        """The IANA zone ExifTool's geolocation database gives a position (any readable file carries the query)."""
        position = f"geolocation={latitude:.6f},{longitude:.6f}"
        stdout, _status, _stderr = self.process().execute(
            "-json", "-fast2", "-api", position, "-GeolocationTimeZone", os.fsencode(path)
        )
        try:
            parsed = json.loads(stdout.decode("utf-8", "replace") or "[]")
        except json.JSONDecodeError:
            return None
        value = parsed[0].get("GeolocationTimeZone") if parsed and isinstance(parsed[0], dict) else None
        return value if isinstance(value, str) and value else None

    def extract_binary_tag(self, path: Path | str, tag: str) -> bytes:
        """The bytes of one binary tag (e.g. `MotionPhotoVideo`), read as base64 JSON so no byte is lost in transit."""
        stdout, _status, stderr = self.process().execute("-json", "-b", f"-{tag}", os.fsencode(path))
        try:
            parsed = json.loads(stdout.decode("utf-8", "replace") or "[]")
        except json.JSONDecodeError as error:
            raise ExifToolError(f"cannot extract {tag} from {path}: {error}") from error
        value = parsed[0].get(tag) if parsed and isinstance(parsed[0], dict) else None
        if not isinstance(value, str) or not value:
            raise ExifToolError(f"{path} has no {tag}: {stderr.strip()}")
        if value.startswith("base64:"):
            return base64.b64decode(value[len("base64:") :])
        return value.encode("utf-8")

    def write_tags(self, path: Path | str, tags: Mapping[str, TagValue | None]) -> None:
        """Write tags into `path` (created when it is a new `.xmp`); raises ExifToolError when nothing was written."""
        stdout, status, stderr = self.process().execute(*write_args(tags), os.fsencode(path))
        output = stdout.decode("utf-8", "replace")
        if status != 0 or ("updated" not in output and "created" not in output):
            raise ExifToolError(f"cannot write tags to {path}: {(stderr or output).strip()}")

    def version(self) -> str:
        """ExifTool's version string."""
        stdout, _status, _stderr = self.process().execute("-ver")
        return stdout.decode().strip()

    def close(self) -> None:
        """Stop every process this instance started (a thread that calls again gets its process restarted)."""
        with self._all_lock:
            processes = list(self._all)
        for process in processes:
            process.close()

    def __enter__(self) -> ExifTool:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class ExifToolMetadata:
    """The MetadataReader and SidecarWriter over ExifTool: reads map like upstream's metadata extraction."""

    def __init__(self, exiftool: ExifTool | None = None) -> None:
        self.exiftool = exiftool or ExifTool()

    def read_raw(self, path: Path, is_video: bool = False) -> dict[str, Any]:
        """One file's raw ExifTool JSON (videos with `-ee`), plus the time zone of its GPS position."""
        raw = self.exiftool.read_tags(path, video=is_video)
        position = gps_position(raw)
        # ExifTool geolocates GPS-group coordinates by itself; a QuickTime position needs an explicit lookup.
        if position is not None and "GeolocationTimeZone" not in raw:
            zone = self.exiftool.time_zone_at(path, *position)
            if zone is not None:
                raw["GeolocationTimeZone"] = zone
        return raw

    def read(
        self,
        path: Path,
        *,
        is_video: bool = False,
        sidecar_path: Path | None = None,
        stats: FileStats | None = None,
        video: VideoTags | None = None,
    ) -> ExtractedMetadata:
        """Everything for one asset; `video` is the probe's duration/rotation (upstream takes them from ffprobe)."""
        return extract_metadata(
            self.read_raw, path, is_video=is_video, sidecar_path=sidecar_path, stats=stats, video=video
        )

    def extract_motion_video(self, path: Path, motion: MotionPhoto) -> bytes:
        """The embedded video of a motion photo: a binary tag, or the byte range at the end of the file."""
        if motion.tag is not None:
            return self.exiftool.extract_binary_tag(path, motion.tag)
        if motion.offset is None or motion.length is None:
            raise ValueError("motion photo without a tag or byte range")
        return read_motion_range(path, motion)

    def write_sidecar(self, sidecar_path: Path, tags: SidecarTags) -> bool:
        """Merge the values into the `.xmp` sidecar (created when missing); False when there is nothing to write."""
        if sidecar_path.suffix.lower() != ".xmp":
            raise ValueError(f"not a sidecar path: {sidecar_path}")
        if tags.is_empty():
            return False
        sidecar_path.parent.mkdir(parents=True, exist_ok=True)
        self.exiftool.write_tags(sidecar_path, tags.exiftool_tags())
        return True

    def close(self) -> None:
        """Stop the ExifTool processes."""
        self.exiftool.close()
