"""Shortcuts for job tests: queue, claim and inspect jobs directly in the database."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select

from photonest.container import Container
from photonest.db.tables import job
from photonest.db.types import utcnow
from photonest.records import Job
from photonest.repositories import Repositories
from photonest.repositories.job import QueueState
from photonest.services.job import JobService


def enqueue(container: Container, queue: str, name: str, data: dict[str, Any] | None = None, **options: Any) -> None:
    with container.unit_of_work() as uow:
        Repositories(uow).jobs.enqueue(queue, name, data or {}, **options)


def claim(
    container: Container,
    queues: list[str],
    worker: str = "w1",
    now: datetime | None = None,
    lease: timedelta = timedelta(seconds=60),
) -> Job | None:
    with container.unit_of_work() as uow:
        return JobService(container.context(uow)).claim(queues, worker, now or utcnow(), lease)


def with_service(container: Container, action: Callable[[JobService], Any]) -> Any:
    with container.unit_of_work() as uow:
        return action(JobService(container.context(uow)))


def rows(container: Container) -> list[dict[str, Any]]:
    """Every job row, oldest first."""
    with container.engine.connect() as conn:
        return [dict(row._mapping) for row in conn.execute(select(job).order_by(job.c.id))]


def state(container: Container, queue: str, now: datetime | None = None) -> QueueState:
    with container.unit_of_work() as uow:
        return Repositories(uow).jobs.queue_states(now or utcnow()).get(queue, QueueState(queue))


def wait_for(condition: Callable[[], bool], timeout: float = 10.0, message: str = "condition") -> None:
    """Poll until the condition holds; fail after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {message}"
        time.sleep(0.01)
