"""Queue mechanics on the database: claim, complete, retry, leases, counts, and claims racing each other."""

from __future__ import annotations

import threading
import time
from datetime import datetime, timedelta
from functools import partial

from photonest.container import Container
from photonest.db.types import utcnow
from photonest.jobs.names import JobName, QueueName
from photonest.repositories import Repositories
from photonest.repositories.job import STALLED_ERROR, QueueState
from photonest.services.job import JobService
from tests.jobs.helpers import claim, enqueue, rows, state, with_service

BG = QueueName.BACKGROUND_TASK.value
THUMBS = QueueName.THUMBNAIL_GENERATION.value
BACKOFF = timedelta(seconds=30)


def test_a_claimed_job_is_active_for_its_worker_and_no_one_else(container: Container) -> None:
    enqueue(container, BG, "clean-old-session-tokens", {"a": 1})
    job = claim(container, [BG], "w1")
    assert job is not None
    assert (job.name, job.queue, job.data, job.attempts, job.status) == (
        "clean-old-session-tokens",
        BG,
        {"a": 1},
        1,
        "active",
    )
    (row,) = rows(container)
    assert row["locked_by"] == "w1"
    assert row["locked_until"] > utcnow()
    assert row["started_at"] is not None
    assert claim(container, [BG], "w2") is None


def test_completing_removes_the_job_and_counts_it(container: Container) -> None:
    enqueue(container, BG, "a")
    enqueue(container, BG, "b")
    job = claim(container, [BG])
    assert job is not None
    assert with_service(container, lambda svc: svc.complete(job, "w1")) is True
    assert [r["name"] for r in rows(container)] == ["b"]
    assert state(container, BG) == QueueState(BG, waiting=1, completed=1)
    # A second completion (say, after the lease was lost) changes nothing.
    assert with_service(container, lambda svc: svc.complete(job, "w1")) is False
    assert state(container, BG).completed == 1


def test_another_worker_cannot_complete_a_job(container: Container) -> None:
    enqueue(container, BG, "a")
    job = claim(container, [BG], "w1")
    assert job is not None
    assert with_service(container, lambda svc: svc.complete(job, "w2")) is False
    assert rows(container)[0]["status"] == "active"


def test_a_job_key_is_queued_once_and_free_again_after_completion(container: Container) -> None:
    enqueue(container, BG, "a", {"n": 1}, job_key="only-once")
    enqueue(container, BG, "a", {"n": 2}, job_key="only-once")
    assert [r["data"] for r in rows(container)] == [{"n": 1}]
    job = claim(container, [BG])
    assert job is not None
    enqueue(container, BG, "a", {"n": 3}, job_key="only-once")  # still present while running
    assert len(rows(container)) == 1
    with_service(container, lambda svc: svc.complete(job, "w1"))
    enqueue(container, BG, "a", {"n": 4}, job_key="only-once")
    assert [r["data"] for r in rows(container)] == [{"n": 4}]


def test_claims_follow_priority_then_age_and_skip_other_queues(container: Container) -> None:
    enqueue(container, BG, "first")
    enqueue(container, BG, "second")
    enqueue(container, BG, "urgent", priority=5)
    enqueue(container, THUMBS, "elsewhere")
    names = []
    while (job := claim(container, [BG])) is not None:
        names.append(job.name)
    assert names == ["urgent", "first", "second"]
    assert [r["name"] for r in rows(container) if r["status"] == "waiting"] == ["elsewhere"]


def test_delayed_jobs_wait_for_their_time(container: Container) -> None:
    enqueue(container, BG, "later", delay=timedelta(minutes=5))
    now = utcnow()
    assert claim(container, [BG], now=now) is None
    assert state(container, BG, now) == QueueState(BG, delayed=1)
    job = claim(container, [BG], now=now + timedelta(minutes=6))
    assert job is not None and job.name == "later"


def test_a_paused_queue_keeps_its_jobs_until_resumed(container: Container) -> None:
    enqueue(container, BG, "a")
    with_service(container, lambda svc: svc.repos.jobs.set_paused(BG, True))
    assert claim(container, [BG]) is None
    assert state(container, BG).is_paused is True
    with_service(container, lambda svc: svc.repos.jobs.set_paused(BG, False))
    assert claim(container, [BG]) is not None


def test_failures_are_retried_with_growing_back_off_then_kept_as_failed(container: Container) -> None:
    enqueue(container, BG, "flaky")
    now = utcnow()
    delays = []
    for attempt in (1, 2, 3):
        job = claim(container, [BG], now=now)
        assert job is not None and job.attempts == attempt
        retried = with_service(
            container, partial(JobService.fail, job=job, worker="w1", error=f"boom {attempt}", now=now, backoff=BACKOFF)
        )
        (row,) = rows(container)
        assert row["error"] == f"boom {attempt}"
        if attempt < 3:
            assert retried is True
            assert row["status"] == "waiting" and row["locked_by"] is None
            delays.append(row["run_at"] - now)
            assert state(container, BG, now).delayed == 1
            assert claim(container, [BG], now=now) is None  # not before the back-off
            now = row["run_at"]
        else:
            assert retried is False
            assert row["status"] == "failed"
    assert delays == [BACKOFF, BACKOFF * 2]
    assert state(container, BG, now) == QueueState(BG, failed=1)
    assert claim(container, [BG], now=now + timedelta(days=1)) is None


def test_a_job_whose_worker_died_is_retried_after_its_lease(container: Container) -> None:
    enqueue(container, BG, "a")
    now = utcnow()
    lease = timedelta(seconds=60)
    assert claim(container, [BG], "dead", now, lease) is not None
    assert with_service(container, lambda svc: svc.reap(now + timedelta(seconds=59))) == 0
    assert with_service(container, lambda svc: svc.reap(now + timedelta(seconds=61))) == 1
    (row,) = rows(container)
    assert (row["status"], row["locked_by"], row["attempts"]) == ("waiting", None, 1)
    job = claim(container, [BG], "alive", now + timedelta(seconds=62))
    assert job is not None and job.attempts == 2
    assert with_service(container, lambda svc: svc.complete(job, "alive")) is True
    assert state(container, BG).completed == 1


def test_the_heartbeat_keeps_a_long_job_from_being_reaped(container: Container) -> None:
    enqueue(container, BG, "long")
    now = utcnow()
    lease = timedelta(seconds=60)
    job = claim(container, [BG], "w1", now, lease)
    assert job is not None
    later = now + timedelta(seconds=50)
    assert with_service(container, lambda svc: svc.heartbeat([job.id], "w1", later, lease)) == 1
    assert with_service(container, lambda svc: svc.heartbeat([job.id], "w2", later, lease)) == 0
    assert with_service(container, lambda svc: svc.reap(now + timedelta(seconds=100))) == 0
    assert with_service(container, lambda svc: svc.reap(now + timedelta(seconds=111))) == 1


def test_a_job_that_stalls_on_its_last_attempt_fails(container: Container) -> None:
    enqueue(container, BG, "a", max_attempts=1)
    now = utcnow()
    assert claim(container, [BG], "dead", now, timedelta(seconds=1)) is not None
    with_service(container, lambda svc: svc.reap(now + timedelta(seconds=2)))
    (row,) = rows(container)
    assert (row["status"], row["error"]) == ("failed", STALLED_ERROR)


def test_released_jobs_go_back_without_using_an_attempt(container: Container) -> None:
    enqueue(container, BG, "a")
    job = claim(container, [BG])
    assert job is not None
    assert with_service(container, lambda svc: svc.release([job.id], "w1")) == 1
    (row,) = rows(container)
    assert (row["status"], row["attempts"], row["locked_by"]) == ("waiting", 0, None)


def test_empty_and_clear_failed_touch_only_their_states(container: Container) -> None:
    for name in ("active", "failed", "waiting"):
        enqueue(container, BG, name)
    enqueue(container, BG, "delayed", delay=timedelta(hours=1))
    enqueue(container, THUMBS, "other")
    now = utcnow()
    first = claim(container, [BG], now=now)
    second = claim(container, [BG], now=now)
    assert first is not None and second is not None
    with_service(container, lambda svc: svc.give_up(second, "w1", "broken"))
    assert state(container, BG, now) == QueueState(BG, active=1, waiting=1, delayed=1, failed=1)
    assert with_service(container, lambda svc: svc.repos.jobs.empty(BG)) == 2
    assert state(container, BG, now) == QueueState(BG, active=1, failed=1)
    assert with_service(container, lambda svc: svc.repos.jobs.clear_failed(BG)) == 1
    assert state(container, BG, now) == QueueState(BG, active=1)
    assert state(container, THUMBS, now).waiting == 1


def test_scheduled_runs_are_keyed_per_due_minute(container: Container) -> None:
    due = datetime(2025, 3, 2, 0, 0, 1).astimezone()
    jobs = [(JobName.USER_DELETE_CHECK, {}), (JobName.QUEUE_FACIAL_RECOGNITION, {"force": False, "nightly": True})]
    for _ in range(2):
        with_service(container, lambda svc: svc.queue_scheduled("nightly", due, jobs))
    assert [(r["name"], r["job_key"]) for r in rows(container)] == [
        ("user-delete-check", "nightly:user-delete-check:2025-03-02T00:00"),
        # upstream's singleton job keeps its own key.
        ("queue-facial-recognition", "queue-facial-recognition"),
    ]


def test_concurrent_claimers_take_every_job_exactly_once(container: Container) -> None:
    total = 200
    with container.unit_of_work() as uow:
        for n in range(total):
            Repositories(uow).jobs.enqueue(BG, "race", {"n": n})
    claimed: list[list[int]] = [[] for _ in range(4)]
    start = threading.Barrier(len(claimed))
    errors: list[BaseException] = []

    def claimer(index: int) -> None:
        try:
            start.wait()
            while True:
                with container.unit_of_work() as uow:
                    job = JobService(container.context(uow)).claim([BG], f"w{index}", utcnow(), timedelta(minutes=1))
                if job is None:
                    return
                claimed[index].append(job.data["n"])
                time.sleep(0.001)  # as a worker would run the job: lets the other claimers in
        except BaseException as exc:  # surfaced below; a thread's exception is otherwise lost
            errors.append(exc)

    threads = [threading.Thread(target=claimer, args=(i,)) for i in range(len(claimed))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert not errors
    everything = [n for part in claimed for n in part]
    assert sorted(everything) == list(range(total))
    assert sum(1 for part in claimed if part) >= 2, "the claimers did not overlap"
    assert {r["status"] for r in rows(container)} == {"active"}
    assert {r["locked_by"] for r in rows(container)} == {f"w{i}" for i, part in enumerate(claimed) if part}


def test_a_failed_job_frees_its_key(container: Container) -> None:
    enqueue(container, BG, "notify", {"n": 1}, job_key="once", max_attempts=1)
    job = claim(container, [BG])
    assert job is not None
    with_service(container, partial(JobService.fail, job=job, worker="w1", error="boom", now=utcnow(), backoff=BACKOFF))
    enqueue(container, BG, "notify", {"n": 2}, job_key="once")
    assert sorted((r["status"], r["job_key"]) for r in rows(container)) == [("failed", None), ("waiting", "once")]
