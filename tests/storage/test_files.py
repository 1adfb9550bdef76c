"""Streaming a multipart body to files: written while received, SHA-1 on the way, nothing left after a failure."""

from __future__ import annotations

import asyncio
import hashlib
import os
import threading
import time
from collections.abc import AsyncIterator
from pathlib import Path

import anyio
import pytest

from photonest.storage.files import FEED_BYTES, FileSink, MultipartFileReceiver, StoredFile, receive_into

BOUNDARY = "testboundary1234"
CONTENT_TYPE = f"multipart/form-data; boundary={BOUNDARY}"


def _head(name: str = "assetData", filename: str = "a.jpg") -> bytes:
    field = f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="deviceId"\r\n\r\nphone\r\n'
    part = f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="{name}"; filename="{filename}"\r\n\r\n'
    return (field + part).encode()


TAIL = f"\r\n--{BOUNDARY}--\r\n".encode()


def _receiver(folder: Path) -> MultipartFileReceiver:
    return MultipartFileReceiver(CONTENT_TYPE, lambda field, name: FileSink(folder / name, name))


async def _chunks(data: bytes, size: int = 64 * 1024, fail_after: int | None = None) -> AsyncIterator[bytes]:
    for start in range(0, len(data), size):
        if fail_after is not None and start >= fail_after:
            raise ConnectionResetError("client went away")
        yield data[start : start + size]


def _files(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


async def test_a_body_of_several_batches_is_stored_whole_with_its_sha1(tmp_path: Path) -> None:
    content = os.urandom(3 * FEED_BYTES + 12345) + b"\r\n--testboundary123"  # boundary-like bytes inside
    receiver = _receiver(tmp_path)
    await receive_into(receiver, _chunks(_head() + content + TAIL))
    stored = receiver.files["assetData"]
    assert stored.path.read_bytes() == content and stored.size == len(content)
    assert stored.sha1 == hashlib.sha1(content).digest()
    assert receiver.fields == {"deviceId": "phone"}
    assert _files(tmp_path) == ["a.jpg"]


async def test_a_body_cut_off_after_some_batches_leaves_no_file(tmp_path: Path) -> None:
    body = _head() + os.urandom(4 * FEED_BYTES) + TAIL
    receiver = _receiver(tmp_path)
    with pytest.raises(ConnectionResetError):
        await receive_into(receiver, _chunks(body, fail_after=2 * FEED_BYTES + 1))
    assert _files(tmp_path) == []


async def test_a_failure_while_writing_stops_the_body_and_leaves_no_file(tmp_path: Path) -> None:
    def refuse(field: str, name: str) -> FileSink:
        raise ValueError(f"no place for {name}")

    received: list[int] = []

    async def counted(data: bytes) -> AsyncIterator[bytes]:
        async for chunk in _chunks(data):
            received.append(len(chunk))
            yield chunk

    body = _head() + os.urandom(4 * FEED_BYTES) + TAIL
    with pytest.raises(ValueError, match=r"no place for a\.jpg"):
        await receive_into(MultipartFileReceiver(CONTENT_TYPE, refuse), counted(body))
    # The first batch failed: the body was read no further than the batch received meanwhile.
    assert sum(received) <= 2 * FEED_BYTES
    assert _files(tmp_path) == []


async def test_a_body_ending_inside_the_file_part_leaves_no_file(tmp_path: Path) -> None:
    receiver = _receiver(tmp_path)
    with pytest.raises(ValueError, match="ended inside a file part"):
        await receive_into(receiver, _chunks(_head() + os.urandom(FEED_BYTES + 10)))
    assert _files(tmp_path) == []


@pytest.mark.parametrize("extra", [0, 1, -1])
async def test_a_body_ending_on_or_near_a_batch_boundary_is_finished(tmp_path: Path, extra: int) -> None:
    head = _head()
    content = os.urandom(2 * FEED_BYTES - len(head) - len(TAIL) + extra)
    receiver = _receiver(tmp_path)
    await receive_into(receiver, _chunks(head + content + TAIL))
    assert receiver.files["assetData"].path.read_bytes() == content


async def test_a_body_ending_on_a_batch_boundary_without_its_closing_boundary_leaves_no_file(tmp_path: Path) -> None:
    head = _head()
    receiver = _receiver(tmp_path)
    with pytest.raises(ValueError, match="ended inside a file part"):
        await receive_into(receiver, _chunks(head + os.urandom(FEED_BYTES - len(head))))
    assert _files(tmp_path) == []


async def test_the_next_batch_is_received_while_the_previous_one_is_written(tmp_path: Path) -> None:
    next_batch_received = threading.Event()
    overlapped: list[bool] = []

    class WaitingSink(FileSink):
        def write(self, data: bytes | memoryview) -> None:
            if not overlapped:
                # The first write waits for the body to be read on: without overlap this would time out.
                overlapped.append(next_batch_received.wait(timeout=10))
            super().write(data)

    async def body(data: bytes) -> AsyncIterator[bytes]:
        async for chunk in _chunks(data):
            yield chunk
        next_batch_received.set()

    head = _head()
    content = os.urandom(FEED_BYTES)  # the first batch holds most of the file; the rest comes after
    receiver = MultipartFileReceiver(CONTENT_TYPE, lambda field, name: WaitingSink(tmp_path / name, name))
    await receive_into(receiver, body(head + content + TAIL))
    assert overlapped == [True]
    assert receiver.files["assetData"].path.read_bytes() == content


@pytest.mark.parametrize("extra", [0, 10])
async def test_then_runs_once_the_body_is_finished_and_its_answer_is_returned(tmp_path: Path, extra: int) -> None:
    head = _head()
    content = os.urandom(2 * FEED_BYTES - len(head) - len(TAIL) + extra)  # ends on a batch boundary, or past one
    receiver = _receiver(tmp_path)
    seen: list[bool] = []

    def then() -> str:
        seen.append(receiver.finished and "assetData" in receiver.files)
        return "stored"

    assert await receive_into(receiver, _chunks(head + content + TAIL), then) == "stored"
    assert seen == [True]


async def test_a_failure_in_then_removes_the_stored_files(tmp_path: Path) -> None:
    def then() -> None:
        raise RuntimeError("the commit failed")

    receiver = _receiver(tmp_path)
    with pytest.raises(RuntimeError, match="the commit failed"):
        await receive_into(receiver, _chunks(_head() + os.urandom(FEED_BYTES + 5) + TAIL), then)
    assert _files(tmp_path) == []


@pytest.mark.parametrize("how", ["task", "scope"])
async def test_a_cancelled_upload_waits_for_its_write_and_leaves_no_file(tmp_path: Path, how: str) -> None:
    storing = threading.Event()

    class SlowSink(FileSink):
        def commit(self) -> StoredFile:
            stored = super().commit()
            storing.set()
            time.sleep(0.3)  # renamed into place, not yet recorded: the cancellation arrives now
            return stored

    receiver = MultipartFileReceiver(CONTENT_TYPE, lambda field, name: SlowSink(tmp_path / name, name))
    received = receive_into(receiver, _chunks(_head() + os.urandom(FEED_BYTES // 2) + TAIL))
    if how == "task":
        task = asyncio.ensure_future(received)
        while not storing.is_set():
            await asyncio.sleep(0.01)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
    else:
        with anyio.move_on_after(0.1):
            await received
    assert storing.is_set()
    assert _files(tmp_path) == []


async def test_files_stored_by_then_stay_when_the_upload_is_cancelled_meanwhile(tmp_path: Path) -> None:
    committed = threading.Event()

    def then() -> str:
        committed.set()  # the row pointing at the file is committed here
        time.sleep(0.3)
        return "stored"

    receiver = _receiver(tmp_path)
    task = asyncio.ensure_future(receive_into(receiver, _chunks(_head() + os.urandom(100) + TAIL), then))
    while not committed.is_set():
        await asyncio.sleep(0.01)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert _files(tmp_path) == ["a.jpg"]
