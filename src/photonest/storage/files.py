"""Files on disk: streamed writes renamed into place, multipart bodies to files, removal confined to the media root."""

from __future__ import annotations

import asyncio
import hashlib
import logging
import os
import shutil
import time
import uuid
from collections.abc import AsyncIterable, AsyncIterator, Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import IO, Any, TypeVar

from anyio import CancelScope, to_thread
from python_multipart.multipart import MultipartParser, parse_options_header

log = logging.getLogger(__name__)
T = TypeVar("T")

# How much of a streamed body is handed to the parser at once, and how much of it is written and hashed at once.
FEED_BYTES = 1024 * 1024
WRITE_BYTES = 128 * 1024


@dataclass(frozen=True)
class ServedFile:
    """A file to answer a request with; `file_name` is offered in an inline Content-Disposition."""

    path: Path
    content_type: str
    cache_control: str | None = None
    headers: dict[str, str] = field(default_factory=dict)
    file_name: str | None = None


@dataclass(frozen=True)
class StoredFile:
    """A file written by `FileSink`: where it is, what the client called it, its size and SHA-1."""

    path: Path
    original_name: str
    size: int
    sha1: bytes


class FileSink:
    """Writes a stream to a temporary name beside `target`, hashing it, and renames it into place on commit."""

    def __init__(self, target: Path, original_name: str = "") -> None:
        self.target = target
        self.original_name = original_name
        target.parent.mkdir(parents=True, exist_ok=True)
        self._temp = target.with_name(f".{target.name}.{uuid.uuid4().hex}.tmp")
        self._file: IO[bytes] | None = self._temp.open("xb")
        self._sha1 = hashlib.sha1()
        self._size = 0

    def write(self, data: bytes | memoryview) -> None:
        if self._file is None:
            raise ValueError("write to a closed FileSink")
        view = memoryview(data)
        # Writing and hashing a piece at a time keeps it in the CPU cache for both: one 1 MiB write evicts its start
        # before SHA-1 reads it, and cost three times the kernel time in the upload benchmark.
        for start in range(0, len(view), WRITE_BYTES):
            piece = view[start : start + WRITE_BYTES]
            self._file.write(piece)
            self._sha1.update(piece)
        self._size += len(view)

    def commit(self) -> StoredFile:
        """Flush, close and rename the file to its target."""
        if self._file is None:
            raise ValueError("commit of a closed FileSink")
        self._file.flush()
        os.fsync(self._file.fileno())
        self._file.close()
        self._file = None
        os.replace(self._temp, self.target)
        return StoredFile(self.target, self.original_name, self._size, self._sha1.digest())

    def abort(self) -> None:
        """Drop the partial file; safe to call more than once."""
        if self._file is not None:
            self._file.close()
            self._file = None
        self._temp.unlink(missing_ok=True)


# Decides where an uploaded file part goes: (field name, client file name) -> an open sink, or None to skip it.
OpenSink = Callable[[str, str], FileSink | None]


class MultipartFileReceiver:
    """Parses a multipart/form-data body fed in chunks, streaming file parts to sinks and keeping text fields."""

    MAX_FIELD_BYTES = 1024 * 1024

    def __init__(self, content_type: str, open_sink: OpenSink) -> None:
        mime, options = parse_options_header(content_type)
        boundary = options.get(b"boundary")
        if mime != b"multipart/form-data" or not boundary:
            raise ValueError("not a multipart/form-data body")
        self._open_sink = open_sink
        self.fields: dict[str, str] = {}
        self.files: dict[str, StoredFile] = {}
        self._parser = MultipartParser(boundary, self._callbacks())
        self._header_field = bytearray()
        self._header_value = bytearray()
        self._headers: dict[bytes, bytes] = {}
        self._sink: FileSink | None = None
        self._is_file = False
        self._name = ""
        self._value = bytearray()
        self._field_bytes = 0
        self.finished = False

    def _callbacks(self) -> Any:
        # The parser hands out slices of the chunk being fed; a memoryview passes file data on without a copy.
        return {
            "on_part_begin": self._part_begin,
            "on_part_data": lambda buffer, start, end: self._part_data(memoryview(buffer)[start:end]),
            "on_part_end": self._end_part,
            "on_header_field": lambda buffer, start, end: self._header_field.extend(buffer[start:end]),
            "on_header_value": lambda buffer, start, end: self._header_value.extend(buffer[start:end]),
            "on_header_end": self._header_end,
            "on_headers_finished": self._start_part,
        }

    def feed(self, chunk: bytes, last: bool = False) -> None:
        """Parse one chunk of the body, writing file data as it comes (blocking file writes); `last` also finishes."""
        self._parser.write(chunk)
        if last:
            self.finish()

    def finish(self) -> None:
        """End of the body: a part left open means the body was cut short."""
        self._parser.finalize()
        if self._sink is not None:
            raise ValueError("multipart body ended inside a file part")
        self.finished = True

    def abort(self) -> None:
        """Remove the partial and finished files of this body."""
        if self._sink is not None:
            self._sink.abort()
            self._sink = None
        for stored in self.files.values():
            stored.path.unlink(missing_ok=True)

    def _part_begin(self) -> None:
        self._headers, self._name, self._value, self._sink, self._is_file = {}, "", bytearray(), None, False

    def _header_end(self) -> None:
        self._headers[bytes(self._header_field).lower()] = bytes(self._header_value)
        self._header_field, self._header_value = bytearray(), bytearray()

    def _start_part(self) -> None:
        _, options = parse_options_header(self._headers.get(b"content-disposition", b""))
        self._name = options.get(b"name", b"").decode("utf-8", "replace")
        filename = options.get(b"filename")
        self._is_file = filename is not None
        if filename is not None and self._name not in self.files:
            self._sink = self._open_sink(self._name, filename.decode("utf-8", "replace"))

    def _part_data(self, data: memoryview) -> None:
        if self._sink is not None:
            self._sink.write(data)
        elif not self._is_file:
            self._field_bytes += len(data)
            if self._field_bytes > self.MAX_FIELD_BYTES:
                raise ValueError("form fields too large")
            self._value.extend(data)

    def _end_part(self) -> None:
        if self._sink is not None:
            self.files[self._name] = self._sink.commit()
            self._sink = None
        elif not self._is_file:
            self.fields[self._name] = self._value.decode("utf-8", "replace")


async def receive_into(
    receiver: MultipartFileReceiver, body: AsyncIterable[bytes], then: Callable[[], T] | None = None
) -> T | None:
    """Feed a streamed body to the receiver, parsing and writing off the event loop; any failure removes its files.

    Chunks are gathered up to FEED_BYTES before each hop to a worker thread. The next batch is received while the
    previous one is written, so network and disk overlap; at most two batches are held at once. `then` runs in the
    hop that finishes the body, and its answer is returned: a failure there removes the files too, but once it has
    answered (say, committed the row that points at them) they stay, even if the upload is cancelled meanwhile.
    """

    kept = False  # set once `then` has answered: from then on the files are the caller's

    def feed(batch: bytes, last: bool) -> T | None:
        receiver.feed(batch, last)
        return keep() if last else None

    def finish() -> T | None:
        receiver.finish()
        return keep()

    def keep() -> T | None:
        nonlocal kept
        if then is None:
            return None
        answer = then()
        kept = True
        return answer

    # Awaited through a shield: a cancelled upload must not cancel the feed, whose thread runs on regardless (and
    # may be renaming a file into place); the failure path below waits for it before removing the files.
    feeding: asyncio.Future[T | None] | None = None
    try:
        async for batch, last in _batches(body):
            if feeding is not None:
                await asyncio.shield(feeding)
            feeding = asyncio.ensure_future(to_thread.run_sync(feed, batch, last))
            if last:
                return await asyncio.shield(feeding)
        if feeding is not None:
            await asyncio.shield(feeding)
        # The body ended on a batch boundary (or was empty): only here is its end known.
        feeding = asyncio.ensure_future(to_thread.run_sync(finish))
        return await asyncio.shield(feeding)
    except BaseException:
        if feeding is not None:
            await _settled(feeding)
        if not kept:
            receiver.abort()
        raise


async def _settled(feeding: asyncio.Future[Any]) -> None:
    """Wait for a feed already in a worker thread (threads cannot be interrupted), so no write follows the abort."""
    with CancelScope(shield=True):
        await asyncio.wait({feeding})
    if not feeding.cancelled():
        feeding.exception()  # retrieved: the failure being raised is the one that counts


async def _batches(body: AsyncIterable[bytes]) -> AsyncIterator[tuple[bytes, bool]]:
    """The body in pieces of at least FEED_BYTES (the last one may be shorter), each with "is it the last"."""
    pending: list[bytes] = []
    size = 0
    async for chunk in body:
        pending.append(chunk)
        size += len(chunk)
        if size >= FEED_BYTES:
            yield b"".join(pending), False
            pending, size = [], 0
    if pending:
        # The end of the stream is known only here: a body ending on a batch boundary is finished by the caller.
        yield b"".join(pending), True


def set_modified_time(path: Path, when: datetime) -> None:
    """Give a stored file the client's modification time, as upstream's `utimes` after an upload."""
    try:
        os.utime(path, (time.time(), when.timestamp()))
    except OSError:
        log.warning("Unable to set the modification time of %s", path)


def remove_file(path: str | Path, root: Path) -> bool:
    """Delete a file if it lies inside `root`; a missing file is not an error. True when something was removed."""
    target = Path(path)
    if not _inside(target, root):
        log.warning("Refusing to remove %s: outside %s", target, root)
        return False
    try:
        target.unlink()
    except FileNotFoundError:
        return False
    except OSError:
        log.exception("Unable to remove %s", target)
        return False
    return True


def remove_tree(path: str | Path, root: Path) -> bool:
    """Delete a folder and everything in it if it lies strictly inside `root`."""
    target = Path(path)
    if not _inside(target, root) or target.resolve() == root.resolve():
        log.warning("Refusing to remove folder %s: not inside %s", target, root)
        return False
    if target.is_symlink():
        target.unlink()
        return True
    if not target.exists():
        return False
    try:
        shutil.rmtree(target)
    except OSError:
        log.exception("Unable to remove folder %s", target)
        return False
    return True


def _inside(path: Path, root: Path) -> bool:
    # Resolve the parent only, so a symlink at `path` is judged by where it sits, not where it points.
    try:
        (path.parent.resolve() / path.name).relative_to(root.resolve())
    except ValueError:
        return False
    return path.name not in ("", ".", "..")
