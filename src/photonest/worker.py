"""The worker process (or thread): runs queued jobs and queues the scheduled ones."""

from __future__ import annotations

import logging
import signal
import threading
from collections.abc import Callable
from types import FrameType

from photonest.container import Container
from photonest.jobs.registry import load_handlers
from photonest.jobs.runner import Worker, WorkerOptions
from photonest.jobs.schedule import Scheduler, configured_schedules
from photonest.library_watch import start_library_watcher

log = logging.getLogger(__name__)

# How long shutdown waits for running jobs to finish (they go back to waiting otherwise).
STOP_TIMEOUT = 30.0


def run_worker(
    container: Container, stop: threading.Event | None = None, *, options: WorkerOptions | None = None
) -> None:
    """Run jobs and the nightly schedule until `stop` is set (or, in a process of its own, until SIGTERM/SIGINT)."""
    if stop is None:
        stop = threading.Event()
        _stop_on_signals(stop)
    registry = load_handlers()
    scheduler = Scheduler(container, registry, lambda: configured_schedules(container))
    start_library_watcher(container, stop)
    schedule_thread = threading.Thread(target=scheduler.run, args=(stop,), name="photonest-scheduler", daemon=True)
    schedule_thread.start()
    Worker(container, registry, options).run(stop)
    schedule_thread.join(5)


def _stop_on_signals(stop: threading.Event) -> None:
    """Let SIGTERM and SIGINT stop the worker gracefully (only the main thread may install handlers)."""
    if threading.current_thread() is not threading.main_thread():
        return

    def handle(signum: int, _frame: FrameType | None) -> None:
        log.info("Received %s, stopping the worker", signal.Signals(signum).name)
        stop.set()

    signal.signal(signal.SIGTERM, handle)
    signal.signal(signal.SIGINT, handle)


def start_worker_thread(container: Container) -> Callable[[], None]:
    """Run the worker in a daemon thread of the serving process; the returned function stops it and waits."""
    stop = threading.Event()
    thread = threading.Thread(target=run_worker, args=(container, stop), name="photonest-worker", daemon=True)
    thread.start()

    def stop_and_wait() -> None:
        stop.set()
        thread.join(STOP_TIMEOUT)

    return stop_and_wait
