"""Client events across processes: each process delivers what the others emitted (upstream's Redis adapter).

Services store every event in `event_relay` within the transaction that emits it. Each process (`photonest serve`,
each `photonest worker`) polls that table and hands the events of other processes to its own bus, so websocket
clients of a server hear `on_upload_success` from a separate worker, and workers hear `on_config_update`.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from datetime import timedelta
from typing import TYPE_CHECKING

from photonest.db.types import utcnow
from photonest.db.unit_of_work import UnitOfWork
from photonest.repositories import Repositories

if TYPE_CHECKING:
    from photonest.container import Container

log = logging.getLogger(__name__)

POLL_SECONDS = 0.25
# Ids are taken in insert order but may commit out of it: rows this far below the newest are read again.
LOOKBACK = 200
BATCH = 1000
RETAIN = timedelta(minutes=10)
PRUNE_SECONDS = 60.0
MAX_RETRY_SECONDS = 5.0


class EventRelay:
    """Delivers the events other processes stored since this relay started to this process's bus."""

    def __init__(self, container: Container) -> None:
        self._container = container
        with self._reading() as uow:
            self._start = Repositories(uow).event_relay.last_id()
        self._floor = self._start
        self._seen: set[int] = set()
        self._next_prune = 0.0

    def tick(self) -> int:
        """Deliver what arrived since the last tick; how many events were delivered."""
        with self._reading() as uow:
            rows = Repositories(uow).event_relay.after(self._floor, BATCH)
        bus = self._container.bus
        delivered = 0
        for event_id, origin, event in rows:
            if event_id in self._seen:
                continue
            self._seen.add(event_id)
            if origin != bus.origin:
                bus.publish(event)
                delivered += 1
        if self._seen:
            self._floor = max(self._start, max(self._seen) - LOOKBACK)
            self._seen = {event_id for event_id in self._seen if event_id > self._floor}
        if time.monotonic() >= self._next_prune:
            self._next_prune = time.monotonic() + PRUNE_SECONDS
            with self._container.unit_of_work() as uow:
                Repositories(uow).event_relay.prune(utcnow() - RETAIN)
        return delivered

    def run(self, stop: threading.Event, poll: float = POLL_SECONDS) -> None:
        delay = poll
        while not stop.wait(delay):
            try:
                self.tick()
                delay = poll
            except Exception:
                # The database may be away for a while: retry, ever less often, rather than log four times a second.
                log.exception("Unable to relay events from other processes")
                delay = min(delay * 2, MAX_RETRY_SECONDS)

    def _reading(self) -> UnitOfWork:
        # Reads in autocommit: polling must never take (or wait for) SQLite's write lock.
        return UnitOfWork(self._container.engine, autocommit=True)


def start_event_relay(container: Container) -> Callable[[], None]:
    """Relay events in a daemon thread; the returned function stops it and waits."""
    stop = threading.Event()
    relay = EventRelay(container)
    thread = threading.Thread(target=relay.run, args=(stop,), name="photonest-event-relay", daemon=True)
    thread.start()

    def stop_and_wait() -> None:
        stop.set()
        thread.join(5)

    return stop_and_wait
