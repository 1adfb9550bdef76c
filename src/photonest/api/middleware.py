"""ASGI middleware: correlation ids on every request and answer, ETags on JSON answers."""

from __future__ import annotations

import base64
import contextvars
import hashlib
import secrets

from starlette.types import ASGIApp, Message, Receive, Scope, Send

CORRELATION_HEADER = "x-immich-cid"
correlation_id: contextvars.ContextVar[str] = contextvars.ContextVar("correlation_id", default="")


class CorrelationIdMiddleware:
    """Takes `x-immich-cid` from the request (or makes one) and echoes it on the response."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        cid = ""
        for name, value in scope["headers"]:
            if name == CORRELATION_HEADER.encode():
                cid = value.decode("latin-1")[:64]
                break
        cid = cid or secrets.token_hex(4)
        token = correlation_id.set(cid)
        scope.setdefault("state", {})["correlation_id"] = cid

        async def send_with_cid(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = [(k, v) for k, v in message.get("headers", []) if k.lower() != CORRELATION_HEADER.encode()]
                headers.append((CORRELATION_HEADER.encode(), cid.encode("latin-1")))
                message["headers"] = headers
            await send(message)

        try:
            await self.app(scope, receive, send_with_cid)
        finally:
            correlation_id.reset(token)


class ETagMiddleware:
    """Weak ETags on JSON GET answers and 304 for a matching If-None-Match, as Express does by default."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "GET":
            await self.app(scope, receive, send)
            return
        if_none_match = next((v.decode("latin-1") for k, v in scope["headers"] if k == b"if-none-match"), None)
        start: Message | None = None
        chunks: list[bytes] = []

        async def buffering_send(message: Message) -> None:
            nonlocal start
            if message["type"] == "http.response.start":
                content_type = dict(message.get("headers", [])).get(b"content-type", b"")
                if message["status"] != 200 or not content_type.startswith(b"application/json"):
                    await send(message)
                    start = None
                    chunks.append(b"\0passthrough")
                    return
                start = message
                return
            if chunks[:1] == [b"\0passthrough"] or start is None:
                await send(message)
                return
            chunks.append(message.get("body", b""))
            if message.get("more_body", False):
                return
            body = b"".join(chunks)
            tag = _etag(body)
            headers = [(k, v) for k, v in start.get("headers", []) if k != b"etag"]
            headers.append((b"etag", tag.encode()))
            if if_none_match is not None and tag in (t.strip() for t in if_none_match.split(",")):
                kept = [(k, v) for k, v in headers if k not in (b"content-length", b"content-type")]
                await send({"type": "http.response.start", "status": 304, "headers": kept})
                await send({"type": "http.response.body", "body": b""})
                return
            await send({**start, "headers": headers})
            await send({"type": "http.response.body", "body": body})

        await self.app(scope, receive, buffering_send)


def _etag(body: bytes) -> str:
    digest = base64.b64encode(hashlib.sha1(body).digest()).decode()[:27]
    return f'W/"{len(body):x}-{digest}"'
