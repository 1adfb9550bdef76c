"""The job worker: claims jobs of the queues with free slots and runs each in a thread and a unit of work of its own."""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TypeVar
from uuid import uuid4

from photonest.container import Container
from photonest.db.dialects.postgres import listen_for_jobs
from photonest.db.types import utcnow
from photonest.events.bus import ClientEvent
from photonest.jobs.names import JobStatus, QueueName
from photonest.jobs.registry import JobRegistry, load_handlers
from photonest.records import Job
from photonest.services.job import JobService
from photonest.services.system_config import CONFIG_UPDATE_EVENT

log = logging.getLogger(__name__)

_T = TypeVar("_T")


@dataclass(frozen=True)
class WorkerOptions:
    """Timings of a worker; tests shorten them."""

    # How often to look for due jobs without a wake-up (delayed retries become due silently).
    poll_interval: float = 1.0
    # On PostgreSQL new jobs arrive by NOTIFY, so polling only catches delayed jobs.
    pg_poll_interval: float = 5.0
    lease: timedelta = timedelta(seconds=60)
    heartbeat_interval: float = 20.0
    reap_interval: float = 30.0
    # Other processes change the config too; re-read it this often (in-process changes are seen at once).
    config_interval: float = 60.0
    # The first retry waits this long, each further one twice as long as the one before.
    retry_backoff: timedelta = timedelta(seconds=30)
    shutdown_timeout: float = 30.0
    queues: frozenset[QueueName] = field(default_factory=lambda: frozenset(QueueName))


def worker_name() -> str:
    """A name unique to this worker: host, process and a random part."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid4().hex[:8]}"


class Worker:
    """Runs up to `job.<queue>.concurrency` jobs per queue at once, each in its own thread."""

    def __init__(
        self,
        container: Container,
        registry: JobRegistry | None = None,
        options: WorkerOptions | None = None,
        *,
        clock: Callable[[], datetime] = utcnow,
        name: str | None = None,
    ) -> None:
        self.name = name or worker_name()
        self._container = container
        self._registry = registry if registry is not None else load_handlers()
        self._options = options or WorkerOptions()
        self._clock = clock
        self._wake = threading.Event()
        self._config_changed = threading.Event()
        self._lock = threading.Lock()
        self._running: dict[int, Job] = {}
        self._threads: dict[int, threading.Thread] = {}
        self._concurrency: dict[QueueName, int] = {}
        self._next_reap = 0.0
        self._next_config = 0.0
        self._next_heartbeat = time.monotonic() + self._options.heartbeat_interval
        container.bus.on_jobs_queued(self.wake)
        container.bus.subscribe(self._on_event)

    # --- public ---

    def wake(self) -> None:
        """Look for jobs now rather than at the next poll."""
        self._wake.set()

    @property
    def concurrency(self) -> dict[QueueName, int]:
        return dict(self._concurrency)

    def running(self) -> list[Job]:
        with self._lock:
            return list(self._running.values())

    def run(self, stop: threading.Event) -> None:
        """Dispatch jobs until `stop` is set, then let running jobs finish (or hand them back) and return."""
        threading.Thread(target=self._wake_on, args=(stop,), name="photonest-worker-stop", daemon=True).start()
        poll = self._options.poll_interval
        if self._container.engine.dialect.name == "postgresql":
            poll = self._options.pg_poll_interval
            listener = threading.Thread(
                target=listen_for_jobs, args=(self._container.engine, self.wake, stop), name="photonest-listen"
            )
            listener.daemon = True
            listener.start()
        log.info("Worker %s started", self.name)
        while not stop.is_set():
            self._wake.clear()
            try:
                self.dispatch()
            except Exception:
                log.exception("Job dispatch failed")
            self._wake.wait(min(poll, max(self._next_heartbeat - time.monotonic(), 0.01)))
        self._shutdown()
        log.info("Worker %s stopped", self.name)

    def dispatch(self) -> int:
        """One round: reap dead workers' jobs, renew leases, re-read concurrency, start jobs in free slots."""
        now = time.monotonic()
        if now >= self._next_reap:
            self._next_reap = now + self._options.reap_interval
            self._with_service(lambda svc: svc.reap(self._clock()))
        if now >= self._next_heartbeat:
            self.heartbeat()
        if self._config_changed.is_set() or now >= self._next_config or not self._concurrency:
            self.refresh_concurrency()
        started = 0
        while queues := self._free_queues():
            job = self._claim(queues)
            if job is None:
                break
            self._start(job)
            started += 1
        return started

    def refresh_concurrency(self) -> None:
        """Read `job.<queue>.concurrency` from the system config (lowering it lets running jobs finish)."""
        self._config_changed.clear()
        self._next_config = time.monotonic() + self._options.config_interval
        try:
            concurrency = self._with_service(lambda svc: svc.queue_concurrency())
        except Exception:
            log.exception("Unable to read the queue concurrency; keeping %s", self._concurrency or "1 per queue")
            concurrency = self._concurrency or dict.fromkeys(QueueName, 1)
        if concurrency != self._concurrency:
            log.debug("Queue concurrency: %s", {q.value: n for q, n in concurrency.items()})
        self._concurrency = concurrency

    def heartbeat(self) -> None:
        """Renew the leases of the running jobs, so that no other worker takes them as abandoned."""
        self._next_heartbeat = time.monotonic() + self._options.heartbeat_interval
        ids = [job.id for job in self.running()]
        if ids:
            try:
                self._with_service(lambda svc: svc.heartbeat(ids, self.name, self._clock(), self._options.lease))
            except Exception:
                log.exception("Unable to renew job leases")

    def run_pending(self, max_jobs: int | None = None) -> int:
        """Run due jobs one after another in this thread until none is left; the number run (for tests, tools)."""
        queues = [queue.value for queue in QueueName if queue in self._options.queues]
        done = 0
        while max_jobs is None or done < max_jobs:
            job = self._claim(queues)
            if job is None:
                break
            self.execute(job)
            done += 1
        return done

    def execute(self, job: Job) -> None:
        """Run a claimed job's handler; its changes and the job's completion commit together."""
        handler = self._registry.get(job.name)
        if handler is None:
            error = f"No handler for {job.name}"
            log.error("%s (job %d in %s)", error, job.id, job.queue)
            self._finish(job, lambda svc: svc.give_up(job, self.name, error))
            return
        try:
            with self._container.unit_of_work() as uow:
                ctx = self._container.context(uow, with_media=True)
                status = handler(ctx, dict(job.data))
                service = JobService(ctx)
                if status == JobStatus.FAILED:
                    log.warning("Job %s (%d) reported failure", job.name, job.id)
                    service.give_up(job, self.name, f"Job {job.name} reported failure")
                else:
                    service.complete(job, self.name)
        except Exception as exc:
            error = f"{type(exc).__name__}: {exc}"
            now = self._clock()
            retried = self._finish(job, lambda svc: svc.fail(job, self.name, error, now, self._options.retry_backoff))
            log.exception(
                "Unable to run job handler (%s/%s) for job %d, attempt %d of %d%s: %s",
                job.queue,
                job.name,
                job.id,
                job.attempts,
                job.max_attempts,
                ", will retry" if retried else "",
                error,
            )

    # --- internals ---

    def _on_event(self, event: ClientEvent) -> None:
        if event.name == CONFIG_UPDATE_EVENT:
            self._config_changed.set()
            self.wake()

    def _wake_on(self, stop: threading.Event) -> None:
        stop.wait()
        self.wake()

    def _with_service(self, action: Callable[[JobService], _T]) -> _T:
        with self._container.unit_of_work() as uow:
            return action(JobService(self._container.context(uow)))

    def _finish(self, job: Job, action: Callable[[JobService], bool | None]) -> bool:
        try:
            return bool(self._with_service(action))
        except Exception:
            # The lease runs out and the reaper gives the job back to the queue.
            log.exception("Unable to record the outcome of job %s (%d)", job.name, job.id)
            return False

    def _free_queues(self) -> list[str]:
        with self._lock:
            busy = Counter(job.queue for job in self._running.values())
        return [
            queue.value
            for queue in QueueName
            if queue in self._options.queues and busy[queue.value] < self._concurrency.get(queue, 1)
        ]

    def _claim(self, queues: list[str]) -> Job | None:
        return self._with_service(lambda svc: svc.claim(queues, self.name, self._clock(), self._options.lease))

    def _start(self, job: Job) -> None:
        thread = threading.Thread(target=self._run_thread, args=(job,), name=f"job-{job.name}-{job.id}", daemon=True)
        with self._lock:
            self._running[job.id] = job
            self._threads[job.id] = thread
        thread.start()

    def _run_thread(self, job: Job) -> None:
        try:
            self.execute(job)
        except Exception:
            log.exception("Job %s (%d) crashed its thread", job.name, job.id)
        finally:
            with self._lock:
                self._running.pop(job.id, None)
                self._threads.pop(job.id, None)
            self.wake()

    def _shutdown(self) -> None:
        deadline = time.monotonic() + self._options.shutdown_timeout
        while self.running() and time.monotonic() < deadline:
            if time.monotonic() >= self._next_heartbeat:
                self.heartbeat()
            self._wake.wait(min(0.2, max(deadline - time.monotonic(), 0.0)))
            self._wake.clear()
        left = [job.id for job in self.running()]
        if left:
            log.warning("Handing %d unfinished job(s) back to the queue", len(left))
            try:
                self._with_service(lambda svc: svc.release(left, self.name))
            except Exception:
                log.exception("Unable to hand jobs back; they return when their lease runs out")


def run_pending_jobs(container: Container, registry: JobRegistry | None = None, *, max_jobs: int | None = None) -> int:
    """Run every due job (and the jobs those queue) in this thread; the number run. Handy in tests."""
    return Worker(container, registry, WorkerOptions(retry_backoff=timedelta(0))).run_pending(max_jobs)
