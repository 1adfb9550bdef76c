"""ASGI middleware: correlation ids on every request and answer."""

from __future__ import annotations

import contextvars
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
