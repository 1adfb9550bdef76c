"""Socket.IO at /api/socket.io: authenticated like HTTP, rooms per user and per session."""

from __future__ import annotations

import asyncio
import logging
from http.cookies import SimpleCookie
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl

import socketio

from photonest import IMMICH_API_VERSION
from photonest.errors import ApiError
from photonest.events.bus import ClientEvent

if TYPE_CHECKING:
    from photonest.container import Container

log = logging.getLogger(__name__)


class SocketServer:
    """The Socket.IO server and the event transport that feeds it."""

    def __init__(self, container: Container) -> None:
        self.container = container
        self.sio = socketio.AsyncServer(async_mode="asgi", cors_allowed_origins=[], logger=False, engineio_logger=False)
        self.loop: asyncio.AbstractEventLoop | None = None
        self.sio.on("connect", self._on_connect)
        container.bus.add_transport(self)

    def wrap(self, app: Any) -> Any:
        return socketio.ASGIApp(self.sio, other_asgi_app=app, socketio_path="api/socket.io")

    def attach_loop(self) -> None:
        self.loop = asyncio.get_running_loop()

    async def _on_connect(self, sid: str, environ: dict[str, Any], auth: Any = None) -> bool:
        try:
            user_id, session_id = await asyncio.to_thread(self._authenticate, environ)
        except ApiError as error:
            log.debug("Websocket connection refused: %s", error.message)
            return False
        await self.sio.enter_room(sid, user_id)
        if session_id:
            await self.sio.enter_room(sid, session_id)
        major, minor, patch = (int(p) for p in IMMICH_API_VERSION.split("."))
        await self.sio.emit("on_server_version", {"major": major, "minor": minor, "patch": patch}, to=sid)
        return True

    def _authenticate(self, environ: dict[str, Any]) -> tuple[str, str | None]:
        from photonest.services.auth import AuthService, RouteAuth, credentials_from

        headers = {k[5:].replace("_", "-").lower(): v for k, v in environ.items() if k.startswith("HTTP_")}
        query = dict(parse_qsl(environ.get("QUERY_STRING", "")))
        cookie = SimpleCookie(headers.get("cookie", ""))
        cookies = {k: m.value for k, m in cookie.items()}
        with self.container.unit_of_work() as uow:
            service = AuthService(self.container.context(uow))
            auth = service.authenticate(credentials_from(headers, query, cookies), RouteAuth())
        return str(auth.user.id), str(auth.session.id) if auth.session else None

    def deliver(self, event: ClientEvent) -> None:
        """Emit an event from any thread onto the server's event loop."""
        if self.loop is None or self.loop.is_closed():
            return
        data = event.payload[0] if len(event.payload) == 1 else list(event.payload)
        coroutine = self.sio.emit(event.name, data, room=event.room)
        try:
            running = asyncio.get_running_loop()
        except RuntimeError:
            running = None
        if running is self.loop:
            self.loop.create_task(coroutine)
        else:
            asyncio.run_coroutine_threadsafe(coroutine, self.loop)
