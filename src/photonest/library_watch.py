"""Watches external library folders (when `library.watch.enabled`) and queues the scan work for what changes."""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

from watchdog.events import FileSystemEvent, FileSystemEventHandler
from watchdog.observers import Observer

from photonest.container import Container
from photonest.events.bus import ClientEvent
from photonest.services.library import LibraryJobService
from photonest.services.system_config import CONFIG_UPDATE_EVENT
from photonest.storage.library_scan import LibraryScope, check_import_path

log = logging.getLogger(__name__)


@dataclass
class _Pending:
    """Paths seen since the last flush of one library."""

    changed: dict[str, None] = field(default_factory=dict)
    removed: dict[str, None] = field(default_factory=dict)
    crawl: bool = False
    check: bool = False
    first: float = 0.0
    last: float = 0.0


class _LibraryHandler(FileSystemEventHandler):
    """Forwards one library's file events to the watcher."""

    def __init__(self, watcher: LibraryWatcher, library_id: UUID, scope: LibraryScope) -> None:
        self.watcher = watcher
        self.library_id = library_id
        self.scope = scope

    def on_any_event(self, event: FileSystemEvent) -> None:
        kind = event.event_type
        source = os.fsdecode(event.src_path)
        if event.is_directory:
            # A folder that appears or goes away may hold many files: crawl for new ones, check the known ones.
            if kind in ("created", "moved"):
                self.watcher.note(self.library_id, crawl=True, check=kind == "moved")
            elif kind == "deleted":
                self.watcher.note(self.library_id, check=True)
            return
        if kind in ("created", "modified", "closed") and self.scope.wants(source):
            self.watcher.note(self.library_id, changed=source)
        elif kind == "deleted" and self.scope.wants(source):
            self.watcher.note(self.library_id, removed=source)
        elif kind == "moved":
            target = os.fsdecode(event.dest_path)
            if self.scope.wants(source):
                self.watcher.note(self.library_id, removed=source)
            if self.scope.wants(target):
                self.watcher.note(self.library_id, changed=target)


class LibraryWatcher:
    """Keeps a watchdog observer on the import paths of every library and queues debounced sync jobs."""

    def __init__(
        self,
        container: Container,
        *,
        debounce: float = 1.0,
        refresh_interval: float = 10.0,
        observer_factory: Callable[[], Any] = Observer,
    ) -> None:
        self._container = container
        self._debounce = debounce
        self._refresh_interval = refresh_interval
        self._observer_factory = observer_factory
        self._observer: Any = None
        self._watched: dict[tuple[UUID, str], tuple[str, ...]] = {}
        self._pending: dict[UUID, _Pending] = {}
        self._lock = threading.Lock()
        self._refresh_now = threading.Event()
        container.bus.subscribe(self._on_event)

    @property
    def watching(self) -> list[str]:
        """The folders being watched."""
        return sorted(path for _, path in self._watched)

    def run(self, stop: threading.Event) -> None:
        """Refresh the watches and flush events until stopped."""
        next_refresh = 0.0
        try:
            while not stop.is_set():
                now = time.monotonic()
                if self._refresh_now.is_set() or now >= next_refresh:
                    self._refresh_now.clear()
                    next_refresh = now + self._refresh_interval
                    try:
                        self.refresh()
                    except Exception:
                        log.exception("Unable to refresh the library watches")
                self.flush()
                stop.wait(min(0.2, self._debounce / 4))
        finally:
            self.flush(force=True)
            self._stop_observer()

    def refresh(self) -> None:
        """Watch the import paths of the current libraries when watching is enabled, nothing otherwise."""
        with self._container.unit_of_work() as uow:
            service = LibraryJobService(self._container.context(uow))
            enabled = bool(service.get_config()["library"]["watch"]["enabled"])
            libraries = service.repos.libraries.get_all() if enabled else []
        root = self._container.storage.root
        wanted: dict[tuple[UUID, str], tuple[str, ...]] = {}
        scopes: dict[UUID, LibraryScope] = {}
        for found in libraries:
            scopes[found.id] = LibraryScope.of(found.import_paths, found.exclusion_patterns, root)
            for path in found.import_paths:
                if check_import_path(path, root).is_valid:
                    wanted[(found.id, os.path.normpath(path))] = tuple(found.exclusion_patterns)
        if wanted == self._watched:
            return
        self._stop_observer()
        if not wanted:
            return
        observer = self._observer_factory()
        for library_id, path in wanted:
            observer.schedule(_LibraryHandler(self, library_id, scopes[library_id]), path, recursive=True)
        observer.start()
        self._observer = observer
        self._watched = wanted
        log.info("Watching %d library folder(s)", len(wanted))

    def note(
        self,
        library_id: UUID,
        *,
        changed: str | None = None,
        removed: str | None = None,
        crawl: bool = False,
        check: bool = False,
    ) -> None:
        """Remember an event until the folder has been quiet for the debounce time."""
        now = time.monotonic()
        with self._lock:
            pending = self._pending.get(library_id)
            if pending is None:
                pending = self._pending[library_id] = _Pending(first=now)
            pending.last = now
            if changed is not None:
                pending.removed.pop(changed, None)
                pending.changed[changed] = None
            if removed is not None:
                pending.changed.pop(removed, None)
                pending.removed[removed] = None
            pending.crawl |= crawl
            pending.check |= check

    def flush(self, *, force: bool = False) -> int:
        """Queue the work of every library whose events have settled; how many libraries had some."""
        now = time.monotonic()
        with self._lock:
            due = {
                library_id: pending
                for library_id, pending in self._pending.items()
                if force or now - pending.last >= self._debounce or now - pending.first >= 5 * self._debounce
            }
            for library_id in due:
                del self._pending[library_id]
        if not due:
            return 0
        try:
            with self._container.unit_of_work() as uow:
                service = LibraryJobService(self._container.context(uow))
                for library_id, pending in due.items():
                    service.queue_watch_events(
                        library_id,
                        list(pending.changed),
                        list(pending.removed),
                        crawl=pending.crawl,
                        check=pending.check,
                    )
        except Exception:
            log.exception("Unable to queue the work for library file events")
        return len(due)

    def _on_event(self, event: ClientEvent) -> None:
        if event.name == CONFIG_UPDATE_EVENT:
            self._refresh_now.set()

    def _stop_observer(self) -> None:
        observer, self._observer = self._observer, None
        self._watched = {}
        if observer is not None:
            observer.stop()
            observer.join(5)


def start_library_watcher(container: Container, stop: threading.Event) -> threading.Thread:
    """Run a library watcher in a daemon thread until `stop` is set; it idles while watching is disabled."""
    watcher = LibraryWatcher(container)
    thread = threading.Thread(target=watcher.run, args=(stop,), name="photonest-library-watch", daemon=True)
    thread.start()
    return thread
