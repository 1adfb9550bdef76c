"""File answers as upstream's `sendFile` gives them (Express `send`): validators, conditional GETs and byte ranges."""

from __future__ import annotations

import json
import os
import stat
from email.utils import formatdate, parsedate_to_datetime
from typing import Any
from urllib.parse import quote

import anyio
from starlette.datastructures import Headers
from starlette.responses import Response
from starlette.types import Receive, Scope, Send

from photonest.errors import NotFound
from photonest.storage.files import ServedFile

CHUNK_SIZE = 64 * 1024
# What encodeURIComponent leaves alone, for `filename*=UTF-8''…`.
_URI_COMPONENT_SAFE = "-_.!~*'()"
BINARY_ANSWER: dict[int | str, dict[str, Any]] = {
    200: {"content": {"application/octet-stream": {"schema": {"type": "string", "format": "binary"}}}}
}


def content_disposition(file_name: str) -> str:
    """Upstream's `inline; filename*=UTF-8''<encodeURIComponent(name)>`."""
    return f"inline; filename*=UTF-8''{quote(file_name, safe=_URI_COMPONENT_SAFE)}"


def byte_range(header: str, size: int) -> tuple[int, int] | bool | None:
    """The one (start, end-inclusive) range a Range header asks for, as the `range-parser` package reads it.

    None: ignore the header and send the whole file (not a bytes range, several ranges); False: unsatisfiable.
    """
    if not header.lstrip(" ").startswith("bytes="):
        return None
    ranges: list[tuple[int, int]] = []
    for part in header.split("=", 1)[1].split(","):
        pieces = part.split("-")
        start, end = _js_int(pieces[0]), _js_int(pieces[1]) if len(pieces) > 1 else None
        if start is None:
            if end is None:
                continue
            start, end = size - end, size - 1
        elif end is None:
            end = size - 1
        end = min(end, size - 1)
        if start < 0 or start > end:
            continue
        ranges.append((start, end))
    if not ranges:
        return False
    merged = _combine(ranges)
    return merged[0] if len(merged) == 1 else None


def _js_int(text: str) -> int | None:
    """parseInt(text, 10) for a text without "-": leading digits after optional spaces, else NaN (None)."""
    text = text.lstrip(" \t")
    text = text[1:] if text[:1] == "+" else text
    digits = ""
    for char in text:
        if not char.isdigit() or not char.isascii():
            break
        digits += char
    return int(digits) if digits else None


def _combine(ranges: list[tuple[int, int]]) -> list[tuple[int, int]]:
    ordered = sorted(ranges)
    merged = [ordered[0]]
    for start, end in ordered[1:]:
        last_start, last_end = merged[-1]
        if start <= last_end + 1:
            merged[-1] = (last_start, max(last_end, end))
        else:
            merged.append((start, end))
    return merged


class MediaFileResponse(Response):
    """A file streamed from disk with Express's headers: weak ETag, Last-Modified, Accept-Ranges, 206/304/416."""

    def __init__(self, served: ServedFile) -> None:
        try:
            info = os.stat(served.path)
        except OSError:
            raise NotFound("Asset media not found") from None
        if not stat.S_ISREG(info.st_mode):
            raise NotFound("Asset media not found")
        super().__init__(status_code=200, media_type=None)
        self.path = served.path
        self.size = info.st_size
        self.mtime = info.st_mtime
        headers = {
            "accept-ranges": "bytes",
            "last-modified": formatdate(info.st_mtime, usegmt=True),
            "etag": f'W/"{info.st_size:x}-{int(info.st_mtime * 1000):x}"',
            "content-type": served.content_type,
            **{k.lower(): v for k, v in served.headers.items()},
        }
        if served.cache_control:
            headers["cache-control"] = served.cache_control
        if served.file_name:
            headers["content-disposition"] = content_disposition(served.file_name)
        self.file_headers = headers

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        request = Headers(scope=scope)
        headers = dict(self.file_headers)
        start, length = 0, self.size
        if self._is_fresh(request):
            await self._send(send, 304, {k: v for k, v in headers.items() if not k.startswith("content-")})
            return
        status = 200
        wanted = request.get("range")
        if wanted is not None and self._range_applies(request):
            chosen = byte_range(wanted, self.size)
            if chosen is False:
                await self._send_unsatisfiable(scope, send)
                return
            if isinstance(chosen, tuple):
                status, start, length = 206, chosen[0], chosen[1] - chosen[0] + 1
                headers["content-range"] = f"bytes {chosen[0]}-{chosen[1]}/{self.size}"
        headers["content-length"] = str(length)
        if scope.get("method") == "HEAD":
            await self._send(send, status, headers)
            return
        await self._stream(scope, receive, send, status, headers, start, length)

    def _is_fresh(self, request: Headers) -> bool:
        """A conditional GET whose cached copy is still good (Express `fresh`)."""
        none_match = request.get("if-none-match")
        modified_since = request.get("if-modified-since")
        if none_match is None and modified_since is None:
            return False
        if "no-cache" in (request.get("cache-control") or ""):
            return False
        if none_match is not None and none_match.strip() != "*":
            tags = [t.strip().removeprefix("W/") for t in none_match.split(",")]
            if self.file_headers["etag"].removeprefix("W/") not in tags:
                return False
        if modified_since is not None:
            since = _http_date(modified_since)
            if since is None or int(self.mtime) > since:
                return False
        return True

    def _range_applies(self, request: Headers) -> bool:
        """If-Range: ranges only while the client's validator still matches."""
        if_range = request.get("if-range")
        if if_range is None:
            return True
        if '"' in if_range:
            return if_range == self.file_headers["etag"]
        since = _http_date(if_range)
        return since is not None and int(self.mtime) <= since

    async def _send_unsatisfiable(self, scope: Scope, send: Send) -> None:
        cid = scope.get("state", {}).get("correlation_id", "")
        message = "Range Not Satisfiable"
        body = json.dumps({"message": message, "error": message, "statusCode": 416, "correlationId": cid}).encode()
        headers = {
            "content-range": f"bytes */{self.size}",
            "content-type": "application/json",
            "content-length": str(len(body)),
        }
        await self._send(send, 416, headers, body)

    @staticmethod
    async def _send(send: Send, status: int, headers: dict[str, str], body: bytes = b"") -> None:
        raw = [(k.encode("latin-1"), v.encode("latin-1")) for k, v in headers.items()]
        await send({"type": "http.response.start", "status": status, "headers": raw})
        await send({"type": "http.response.body", "body": body, "more_body": False})

    async def _stream(
        self, scope: Scope, receive: Receive, send: Send, status: int, headers: dict[str, str], start: int, length: int
    ) -> None:
        raw = [(k.encode("latin-1"), v.encode("latin-1")) for k, v in headers.items()]

        async def send_file() -> None:
            await send({"type": "http.response.start", "status": status, "headers": raw})
            remaining = length
            async with await anyio.open_file(self.path, "rb") as file:
                await file.seek(start)
                while remaining > 0:
                    chunk = await file.read(min(CHUNK_SIZE, remaining))
                    if not chunk:
                        break
                    remaining -= len(chunk)
                    await send({"type": "http.response.body", "body": chunk, "more_body": remaining > 0})
            if remaining > 0:
                # The file shrank while it was being sent: end the body rather than leave the client waiting.
                await send({"type": "http.response.body", "body": b"", "more_body": False})

        spec = tuple(int(p) for p in scope.get("asgi", {}).get("spec_version", "2.0").split("."))
        if spec >= (2, 4):
            # Servers of ASGI 2.4 raise on send after a disconnect, which ends the transfer.
            await send_file()
            return
        async with anyio.create_task_group() as group:

            async def stream() -> None:
                await send_file()
                group.cancel_scope.cancel()

            group.start_soon(stream)
            while (await receive())["type"] != "http.disconnect":
                pass
            group.cancel_scope.cancel()


def _http_date(value: str) -> int | None:
    try:
        return int(parsedate_to_datetime(value).timestamp())
    except (TypeError, ValueError, IndexError):
        return None
