"""The worker loop: runs periodic maintenance tasks (and, with the job queue, claims jobs)."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from photonest.container import Container
from photonest.services.base import ServiceContext

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class PeriodicTask:
    """A service method run every `interval` seconds in its own transaction."""

    name: str
    interval: float
    run: Callable[[ServiceContext], None]


def periodic_tasks() -> list[PeriodicTask]:
    from photonest.services.session import SessionService
    from photonest.services.user_admin import UserAdminService

    return [
        PeriodicTask("clean-old-session-tokens", 3600, lambda ctx: SessionService(ctx).clean_expired()),
        PeriodicTask("user-delete-check", 3600, lambda ctx: UserAdminService(ctx).purge_deleted_users()),
    ]


def run_task(container: Container, task: PeriodicTask) -> None:
    try:
        with container.unit_of_work() as uow:
            task.run(container.context(uow))
    except Exception:
        log.exception("Periodic task %s failed", task.name)


def run_worker(container: Container, stop: threading.Event | None = None) -> None:
    """Run until stopped: each task when its interval has passed."""
    stop = stop or threading.Event()
    tasks = periodic_tasks()
    next_run = {task.name: 0.0 for task in tasks}
    log.info("Worker started with %d periodic tasks", len(tasks))
    while not stop.is_set():
        now = time.monotonic()
        for task in tasks:
            if now >= next_run[task.name]:
                run_task(container, task)
                next_run[task.name] = now + task.interval
        stop.wait(5)


def start_worker_thread(container: Container) -> threading.Event:
    """Run the worker in a daemon thread of the serving process; set the event to stop it."""
    stop = threading.Event()
    threading.Thread(target=run_worker, args=(container, stop), name="photonest-worker", daemon=True).start()
    return stop
