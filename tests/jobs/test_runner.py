"""The worker: runs handlers in threads, retries, respects concurrency, wakes up, stops gracefully; the schedule."""

from __future__ import annotations

import logging
import os
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from datetime import datetime, timedelta
from typing import Any

import pytest

from photonest.container import Container
from photonest.crypto import hash_password, hash_token
from photonest.db.dialects.postgres import listen_for_jobs
from photonest.db.types import utcnow
from photonest.jobs.names import JobName, JobStatus, QueueName
from photonest.jobs.registry import JobHandler, JobRegistry, load_handlers
from photonest.jobs.runner import Worker, WorkerOptions, run_pending_jobs
from photonest.jobs.schedule import NIGHTLY, Schedule, Scheduler
from photonest.repositories import Repositories
from photonest.services.base import BaseService, ServiceContext
from photonest.services.system_config import SystemConfigService
from photonest.worker import run_worker
from tests.jobs.helpers import claim, enqueue, rows, state, wait_for, with_service

BG = QueueName.BACKGROUND_TASK.value
THUMBS = QueueName.THUMBNAIL_GENERATION.value
FAST = WorkerOptions(
    poll_interval=0.05,
    pg_poll_interval=0.05,
    heartbeat_interval=0.05,
    reap_interval=0.05,
    retry_backoff=timedelta(0),
    shutdown_timeout=5,
)


def registry_of(handlers: Mapping[JobName, JobHandler]) -> JobRegistry:
    registry = JobRegistry()
    for name, handler in handlers.items():
        registry.register(name, handler)
    return registry


@contextmanager
def running(worker: Worker) -> Iterator[Worker]:
    """The worker running in a thread for the duration of the block."""
    stop = threading.Event()
    thread = threading.Thread(target=worker.run, args=(stop,), daemon=True)
    thread.start()
    try:
        yield worker
    finally:
        stop.set()
        thread.join(10)
        assert not thread.is_alive(), "the worker did not stop"


class Recorder:
    """A handler that records its calls and can be held at a gate."""

    def __init__(self, gate: threading.Event | None = None, fail_times: int = 0) -> None:
        self.calls: list[dict[str, Any]] = []
        self.gate = gate
        self.fail_times = fail_times
        self.active = 0
        self.max_active = 0
        self._lock = threading.Lock()

    def __call__(self, ctx: ServiceContext, data: dict[str, Any]) -> JobStatus:
        with self._lock:
            self.calls.append(data)
            self.active += 1
            self.max_active = max(self.max_active, self.active)
            failing = len(self.calls) <= self.fail_times
        try:
            if self.gate is not None:
                assert self.gate.wait(10)
            if failing:
                raise RuntimeError("boom")
            return JobStatus.SUCCESS
        finally:
            with self._lock:
                self.active -= 1


def test_a_queued_job_runs_once_and_is_counted(container: Container) -> None:
    recorder = Recorder()
    worker = Worker(container, registry_of({JobName.USER_DELETE_CHECK: recorder}), FAST)
    enqueue(container, BG, JobName.USER_DELETE_CHECK.value, {"n": 1})
    with running(worker):
        wait_for(lambda: state(container, BG).completed == 1)
    assert recorder.calls == [{"n": 1}]
    assert rows(container) == []


def test_a_failing_job_is_retried_and_its_changes_rolled_back(
    container: Container, caplog: pytest.LogCaptureFixture
) -> None:
    def flaky(ctx: ServiceContext, data: dict[str, Any]) -> JobStatus:
        # The follow-up job is part of the handler's transaction: it exists only if the attempt succeeds.
        BaseService(ctx).queue_job(JobName.CLEAN_OLD_SESSION_TOKENS)
        return recorder(ctx, data)

    recorder = Recorder(fail_times=1)
    worker = Worker(container, registry_of({JobName.USER_DELETE_CHECK: flaky}), FAST)
    enqueue(container, BG, JobName.USER_DELETE_CHECK.value)
    with caplog.at_level(logging.ERROR, logger="photonest.jobs.runner"):
        assert worker.run_pending() == 3  # the failed attempt, the retry, then the follow-up (unhandled) job
    assert len(recorder.calls) == 2
    assert "backgroundTask/user-delete-check" in caplog.text and "RuntimeError: boom" in caplog.text
    assert state(container, BG).completed == 1
    assert [(r["name"], r["status"]) for r in rows(container)] == [("clean-old-session-tokens", "failed")]


def test_a_job_failing_every_attempt_ends_failed_with_its_error(container: Container) -> None:
    recorder = Recorder(fail_times=99)
    worker = Worker(container, registry_of({JobName.USER_DELETE_CHECK: recorder}), FAST)
    enqueue(container, BG, JobName.USER_DELETE_CHECK.value)
    with running(worker):
        wait_for(lambda: state(container, BG).failed == 1)
    assert len(recorder.calls) == 3
    (row,) = rows(container)
    assert (row["status"], row["attempts"], row["error"]) == ("failed", 3, "RuntimeError: boom")


def test_a_job_reporting_failure_is_not_retried(container: Container) -> None:
    calls = []

    def gives_up(ctx: ServiceContext, data: dict[str, Any]) -> JobStatus:
        calls.append(data)
        return JobStatus.FAILED

    worker = Worker(container, registry_of({JobName.USER_DELETE_CHECK: gives_up}), FAST)
    enqueue(container, BG, JobName.USER_DELETE_CHECK.value)
    assert worker.run_pending() == 1
    assert len(calls) == 1
    (row,) = rows(container)
    assert (row["status"], row["error"]) == ("failed", "Job user-delete-check reported failure")


def test_skipped_counts_as_done(container: Container) -> None:
    worker = Worker(container, registry_of({JobName.USER_DELETE_CHECK: lambda ctx, data: JobStatus.SKIPPED}), FAST)
    enqueue(container, BG, JobName.USER_DELETE_CHECK.value)
    assert worker.run_pending() == 1
    assert state(container, BG).completed == 1


def test_jobs_without_a_handler_fail_and_the_worker_goes_on(container: Container) -> None:
    recorder = Recorder()
    worker = Worker(container, registry_of({JobName.USER_DELETE_CHECK: recorder}), FAST)
    enqueue(container, BG, "no-such-job")
    enqueue(container, THUMBS, JobName.QUEUE_GENERATE_THUMBNAILS.value, {"force": False})
    enqueue(container, BG, JobName.USER_DELETE_CHECK.value)
    with running(worker):
        wait_for(lambda: state(container, BG).completed == 1)
        wait_for(lambda: state(container, THUMBS).failed == 1)
    assert [(r["name"], r["status"], r["error"], r["attempts"]) for r in rows(container)] == [
        ("no-such-job", "failed", "No handler for no-such-job", 1),
        ("queue-generate-thumbnails", "failed", "No handler for queue-generate-thumbnails", 1),
    ]
    assert len(recorder.calls) == 1


def test_concurrency_comes_from_the_config_and_follows_its_changes(container: Container) -> None:
    with container.unit_of_work() as uow:
        SystemConfigService(container.context(uow)).patch_config({"job": {"thumbnailGeneration": {"concurrency": 2}}})
    gate = threading.Event()
    thumbs = Recorder(gate)
    faces = Recorder(gate)
    handlers = {JobName.GENERATE_THUMBNAILS: thumbs, JobName.FACIAL_RECOGNITION: faces}
    worker = Worker(container, registry_of(handlers), FAST)
    for n in range(8):
        enqueue(container, THUMBS, JobName.GENERATE_THUMBNAILS.value, {"n": n})
        enqueue(container, QueueName.FACIAL_RECOGNITION.value, JobName.FACIAL_RECOGNITION.value, {"n": n})
    with running(worker):
        wait_for(lambda: thumbs.active == 2 and faces.active == 1)
        time.sleep(0.2)  # several dispatch rounds: nothing more starts
        assert (thumbs.active, faces.active) == (2, 1)
        assert state(container, THUMBS).active == 2
        with container.unit_of_work() as uow:
            SystemConfigService(container.context(uow)).patch_config(
                {"job": {"thumbnailGeneration": {"concurrency": 4}}}
            )
        wait_for(lambda: thumbs.active == 4, message="the new concurrency")
        assert worker.concurrency[QueueName.THUMBNAIL_GENERATION] == 4
        assert worker.concurrency[QueueName.FACIAL_RECOGNITION] == 1
        gate.set()
        wait_for(
            lambda: state(container, THUMBS).completed == 8 and state(container, "facialRecognition").completed == 8
        )
    assert (thumbs.max_active, faces.max_active) == (4, 1)


def test_queueing_a_job_wakes_the_worker_at_once(container: Container) -> None:
    recorder = Recorder()
    slow_poll = WorkerOptions(poll_interval=30, pg_poll_interval=30, heartbeat_interval=30, shutdown_timeout=5)
    worker = Worker(container, registry_of({JobName.USER_DELETE_CHECK: recorder}), slow_poll)
    with running(worker):
        wait_for(lambda: bool(worker.concurrency))  # the first dispatch round is over
        time.sleep(0.1)
        with container.unit_of_work() as uow:
            BaseService(container.context(uow)).queue_job(JobName.USER_DELETE_CHECK)
        wait_for(lambda: len(recorder.calls) == 1, timeout=5)


@pytest.mark.skipif(not os.environ.get("PHOTONEST_TEST_PG_URL"), reason="LISTEN/NOTIFY needs PostgreSQL")
def test_postgres_notifies_listeners_of_new_jobs(container: Container) -> None:
    calls: list[float] = []
    stop = threading.Event()
    thread = threading.Thread(
        target=listen_for_jobs, args=(container.engine, lambda: calls.append(1), stop), kwargs={"timeout": 0.1}
    )
    thread.start()
    try:
        wait_for(lambda: len(calls) == 1, message="LISTEN")  # one call right after LISTEN
        enqueue(container, BG, "anything")
        wait_for(lambda: len(calls) == 2, timeout=5, message="the notification")
        with container.unit_of_work() as uow:  # a rolled-back insert notifies no one
            Repositories(uow).jobs.enqueue(BG, "never", {})
            uow.rollback()
        time.sleep(0.3)
        assert len(calls) == 2
    finally:
        stop.set()
        thread.join(5)


@pytest.mark.skipif(not os.environ.get("PHOTONEST_TEST_PG_URL"), reason="LISTEN/NOTIFY needs PostgreSQL")
def test_a_worker_in_another_process_wakes_on_notify(container: Container) -> None:
    recorder = Recorder()
    slow_poll = WorkerOptions(poll_interval=30, pg_poll_interval=30, heartbeat_interval=30, shutdown_timeout=5)
    worker = Worker(container, registry_of({JobName.USER_DELETE_CHECK: recorder}), slow_poll)
    with running(worker):
        time.sleep(0.5)  # LISTEN is in place and the first rounds are over
        enqueue(container, BG, JobName.USER_DELETE_CHECK.value)  # straight to the table: no in-process wake-up
        wait_for(lambda: len(recorder.calls) == 1, timeout=5)


def test_two_workers_never_run_the_same_job_twice(container: Container) -> None:
    total = 120
    seen: list[int] = []
    lock = threading.Lock()

    def record(ctx: ServiceContext, data: dict[str, Any]) -> JobStatus:
        with lock:
            seen.append(data["n"])
        time.sleep(0.001)
        return JobStatus.SUCCESS

    with container.unit_of_work() as uow:
        for n in range(total):
            Repositories(uow).jobs.enqueue(BG, JobName.USER_DELETE_CHECK.value, {"n": n})
    registry = registry_of({JobName.USER_DELETE_CHECK: record})
    with running(Worker(container, registry, FAST, name="a")), running(Worker(container, registry, FAST, name="b")):
        wait_for(lambda: state(container, BG).completed == total, timeout=30)
    assert Counter(seen) == Counter(range(total))


def test_a_job_left_by_a_dead_worker_is_run_again(container: Container) -> None:
    recorder = Recorder()
    enqueue(container, BG, JobName.USER_DELETE_CHECK.value)
    # The "dead" worker claimed the job, then stopped renewing its lease, which has run out.
    assert claim(container, [BG], "dead", utcnow(), timedelta(seconds=-1)) is not None
    worker = Worker(container, registry_of({JobName.USER_DELETE_CHECK: recorder}), FAST)
    with running(worker):
        wait_for(lambda: state(container, BG).completed == 1)
    assert len(recorder.calls) == 1


def test_running_jobs_keep_their_lease(container: Container) -> None:
    gate = threading.Event()
    recorder = Recorder(gate)
    options = WorkerOptions(
        poll_interval=0.05, pg_poll_interval=0.05, heartbeat_interval=0.05, lease=timedelta(milliseconds=300)
    )
    worker = Worker(container, registry_of({JobName.USER_DELETE_CHECK: recorder}), options)
    enqueue(container, BG, JobName.USER_DELETE_CHECK.value)
    with running(worker):
        wait_for(lambda: recorder.active == 1)
        first = rows(container)[0]["locked_until"]
        wait_for(lambda: rows(container)[0]["locked_until"] > first, message="a renewed lease")
        time.sleep(0.45)  # longer than the lease: only the heartbeat keeps the job
        assert with_service(container, lambda svc: svc.reap(utcnow())) == 0
        gate.set()
        wait_for(lambda: state(container, BG).completed == 1)
    assert len(recorder.calls) == 1


def test_stopping_lets_running_jobs_finish(container: Container) -> None:
    gate = threading.Event()
    recorder = Recorder(gate)
    worker = Worker(container, registry_of({JobName.USER_DELETE_CHECK: recorder}), FAST)
    enqueue(container, BG, JobName.USER_DELETE_CHECK.value)
    stop = threading.Event()
    thread = threading.Thread(target=worker.run, args=(stop,))
    thread.start()
    wait_for(lambda: recorder.active == 1)
    stop.set()
    time.sleep(0.1)
    assert thread.is_alive()  # waiting for the job
    gate.set()
    thread.join(5)
    assert not thread.is_alive()
    assert state(container, BG).completed == 1


def test_stopping_hands_back_jobs_that_do_not_finish_in_time(container: Container) -> None:
    gate = threading.Event()
    recorder = Recorder(gate)
    options = WorkerOptions(poll_interval=0.05, shutdown_timeout=0.2)
    worker = Worker(container, registry_of({JobName.USER_DELETE_CHECK: recorder}), options)
    enqueue(container, BG, JobName.USER_DELETE_CHECK.value)
    with running(worker):
        wait_for(lambda: recorder.active == 1)
    (row,) = rows(container)
    assert (row["status"], row["attempts"], row["locked_by"]) == ("waiting", 0, None)
    gate.set()  # the abandoned thread finishes; its completion no longer counts
    wait_for(lambda: recorder.active == 0)
    time.sleep(0.05)
    assert rows(container)[0]["status"] == "waiting"
    assert state(container, BG).completed == 0


def test_the_maintenance_jobs_are_registered_and_do_their_work(container: Container) -> None:
    registry = load_handlers()
    assert JobName.CLEAN_OLD_SESSION_TOKENS.value in registry
    assert JobName.USER_DELETE_CHECK.value in registry
    with container.unit_of_work() as uow:
        repos = Repositories(uow)
        user = repos.users.create({"email": "gone@immich.cloud", "name": "Gone", "password": hash_password("x")})
        repos.users.update(user.id, {"deleted_at": utcnow() - timedelta(days=30)})
        owner = repos.users.create({"email": "here@immich.cloud", "name": "Here", "password": hash_password("x")})
        repos.sessions.create(
            {"token": hash_token("old"), "user_id": owner.id, "expires_at": utcnow() - timedelta(seconds=1)}
        )
    with container.unit_of_work() as uow:
        ctx = container.context(uow)
        BaseService(ctx).queue_job(JobName.CLEAN_OLD_SESSION_TOKENS)
        BaseService(ctx).queue_job(JobName.USER_DELETE_CHECK)
    assert run_pending_jobs(container) == 2
    assert state(container, BG).completed == 2
    with container.unit_of_work() as uow:
        repos = Repositories(uow)
        assert repos.users.get_by_email("gone@immich.cloud", with_deleted=True) is None
        assert repos.sessions.get_by_token(hash_token("old")) is None
        assert repos.users.get(owner.id) is not None


class Clock:
    """A settable clock."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


def _local(*args: int) -> datetime:
    return datetime(*args).astimezone()  # type: ignore[arg-type]


def test_the_nightly_jobs_are_queued_once_per_night(container: Container) -> None:
    registry = registry_of(
        {
            JobName.USER_DELETE_CHECK: Recorder(),
            JobName.CLEAN_OLD_SESSION_TOKENS: Recorder(),
            JobName.QUEUE_FACIAL_RECOGNITION: Recorder(),
        }
    )
    clock = Clock(_local(2025, 3, 1, 23, 59))
    first = Scheduler(container, registry, clock=clock)
    assert first.next_fire("nightly") == _local(2025, 3, 2, 0, 0)
    assert first.tick() == []
    clock.now = _local(2025, 3, 1, 23, 59, 30)
    second = Scheduler(container, registry, clock=clock)  # another process
    clock.now = _local(2025, 3, 2, 0, 0, 1)
    assert first.tick() == ["nightly"]
    assert first.tick() == []
    assert second.tick() == ["nightly"]
    queued = [(r["name"], r["data"], r["job_key"]) for r in rows(container)]
    assert queued == [
        ("user-delete-check", {}, "nightly:user-delete-check:2025-03-02T00:00"),
        ("queue-facial-recognition", {"force": False, "nightly": True}, "queue-facial-recognition"),
        ("clean-old-session-tokens", {}, "nightly:clean-old-session-tokens:2025-03-02T00:00"),
    ]
    clock.now = _local(2025, 3, 3, 0, 0, 2)
    assert first.tick() == ["nightly"]
    assert Counter(r["name"] for r in rows(container)) == {
        "user-delete-check": 2,
        "clean-old-session-tokens": 2,
        "queue-facial-recognition": 1,  # still waiting: upstream keeps it single
    }
    assert first.next_fire("nightly") == _local(2025, 3, 4, 0, 0)


def test_schedules_follow_the_config_as_it_changes(container: Container) -> None:
    registry = registry_of({JobName.LIBRARY_QUEUE_SCAN_ALL: Recorder(), JobName.DATABASE_BACKUP: Recorder()})
    scan = Schedule("library", "0 * * * *", ((JobName.LIBRARY_QUEUE_SCAN_ALL, {}),))
    current = [scan]
    clock = Clock(_local(2025, 3, 1, 10, 30))
    scheduler = Scheduler(container, registry, lambda: current, clock=clock)
    assert scheduler.next_fire("library") == _local(2025, 3, 1, 11, 0)
    # The admin moves the scan and turns backups on: both count from now, without a restart.
    current = [
        Schedule("library", "15 * * * *", scan.jobs),
        Schedule("backupDatabase", "0 12 * * *", ((JobName.DATABASE_BACKUP, {}),)),
    ]
    clock.now = _local(2025, 3, 1, 10, 40)
    assert scheduler.tick() == []
    assert scheduler.next_fire("library") == _local(2025, 3, 1, 11, 15)
    assert scheduler.next_fire("backupDatabase") == _local(2025, 3, 1, 12, 0)
    # The scan is turned off: it no longer fires.
    current = current[1:]
    clock.now = _local(2025, 3, 1, 12, 0, 1)
    assert scheduler.tick() == ["backupDatabase"]
    assert [r["name"] for r in rows(container)] == ["database-backup"]


def test_a_schedule_fires_as_often_as_its_cron_says(container: Container) -> None:
    registry = registry_of({JobName.DATABASE_BACKUP: Recorder()})
    backup = Schedule("backupDatabase", "0 */6 * * *", ((JobName.DATABASE_BACKUP, {}),))
    clock = Clock(_local(2025, 3, 1, 5, 59))
    scheduler = Scheduler(container, registry, [backup], clock=clock)
    for hour in (6, 12):
        clock.now = _local(2025, 3, 1, hour, 0, 1)
        assert scheduler.tick() == ["backupDatabase"]
    keys = sorted(r["job_key"] for r in rows(container))
    assert keys == [f"backupDatabase:database-backup:2025-03-01T{hour}:00" for hour in ("06", "12")]


def test_the_nightly_list_is_upstreams() -> None:
    assert [name.value for name, _ in NIGHTLY.jobs] == [
        "asset-deletion-check",
        "user-delete-check",
        "person-cleanup",
        "memories-cleanup",
        "memories-create",
        "queue-generate-thumbnails",
        # upstream's "clean-old-audit-logs" is left out: there is no audit table to prune
        "user-sync-usage",
        "queue-facial-recognition",
        "clean-old-session-tokens",
    ]
    assert NIGHTLY.cron == "0 0 * * *"


def test_run_worker_runs_jobs_until_stopped(container: Container) -> None:
    stop = threading.Event()
    thread = threading.Thread(target=run_worker, args=(container, stop), kwargs={"options": FAST})
    thread.start()
    try:
        with container.unit_of_work() as uow:
            BaseService(container.context(uow)).queue_job(JobName.CLEAN_OLD_SESSION_TOKENS)
        wait_for(lambda: state(container, BG).completed == 1)
    finally:
        stop.set()
        thread.join(10)
    assert not thread.is_alive()


def test_a_handler_is_registered_once_per_name() -> None:
    registry = JobRegistry()
    handler: Callable[[ServiceContext, dict[str, Any]], JobStatus] = lambda ctx, data: JobStatus.SUCCESS  # noqa: E731
    registry.handler(JobName.TAG_CLEANUP)(handler)
    registry.register(JobName.TAG_CLEANUP, handler)  # the same function again (a re-import) is fine
    with pytest.raises(ValueError, match="tag-cleanup is already handled"):
        registry.register(JobName.TAG_CLEANUP, lambda ctx, data: JobStatus.SUCCESS)
