"""The event bus: services emit client events, a transport (Socket.IO) delivers them."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ClientEvent:
    """An event for the clients in one room (a user id or a session id), or everyone when room is None."""

    name: str
    room: str | None
    payload: tuple[Any, ...]


class EventTransport(Protocol):
    def deliver(self, event: ClientEvent) -> None: ...


class EventBus:
    """Fans events out to the registered transports and to in-process listeners."""

    def __init__(self) -> None:
        # Names this process's events in the relay table, so that it does not deliver them twice.
        self.origin = uuid.uuid4().hex
        self._transports: list[EventTransport] = []
        self._listeners: list[Callable[[ClientEvent], None]] = []
        self._job_listeners: list[Callable[[], None]] = []

    def add_transport(self, transport: EventTransport) -> None:
        self._transports.append(transport)

    def subscribe(self, listener: Callable[[ClientEvent], None]) -> None:
        self._listeners.append(listener)

    def on_jobs_queued(self, listener: Callable[[], None]) -> None:
        """Be told when a committed transaction has queued jobs (in-process workers wake up at once)."""
        self._job_listeners.append(listener)

    def jobs_queued(self) -> None:
        for listener in self._job_listeners:
            listener()

    def publish(self, event: ClientEvent) -> None:
        for listener in self._listeners:
            listener(event)
        for transport in self._transports:
            try:
                transport.deliver(event)
            except Exception:  # a client transport failing must not fail the request that already committed
                log.exception("Failed to deliver %s", event.name)
