"""Timed job runs: the nightly tasks at midnight, server local time (upstream's `@Cron(EVERY_DAY_AT_MIDNIGHT)`), and
the library scan and database backup at the cron expressions of the system config, which are read again on every tick.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from croniter import croniter

from photonest.config.system_config import ConfigDict
from photonest.container import Container
from photonest.db.unit_of_work import UnitOfWork
from photonest.jobs.names import JobName
from photonest.jobs.registry import JobRegistry
from photonest.services.job import JobService

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Schedule:
    """Jobs queued together whenever a cron expression fires."""

    name: str
    cron: str
    jobs: tuple[tuple[JobName, dict[str, Any]], ...]


_J = JobName

# `ApiService.onNightlyJob` → `JobService.handleNightlyJobs` of v1.134.0, in upstream's order.
NIGHTLY = Schedule(
    "nightly",
    "0 0 * * *",
    (
        (_J.ASSET_DELETION_CHECK, {}),
        (_J.USER_DELETE_CHECK, {}),
        (_J.PERSON_CLEANUP, {}),
        (_J.MEMORIES_CLEANUP, {}),
        (_J.MEMORIES_CREATE, {}),
        (_J.QUEUE_GENERATE_THUMBNAILS, {"force": False}),
        # `clean-old-audit-logs` is left out: it prunes upstream's `audit` table, which Photonest does not have.
        (_J.USER_SYNC_USAGE, {}),
        (_J.QUEUE_FACIAL_RECOGNITION, {"force": False, "nightly": True}),
        (_J.CLEAN_OLD_SESSION_TOKENS, {}),
    ),
)


def library_schedules(config: ConfigDict) -> list[Schedule]:
    """The library scan at `library.scan.cronExpression` when `library.scan.enabled`."""
    scan = config["library"]["scan"]
    if not scan["enabled"]:
        return []
    return [Schedule("library", scan["cronExpression"], ((_J.LIBRARY_QUEUE_SCAN_ALL, {}),))]


def backup_schedules(config: ConfigDict) -> list[Schedule]:
    """The database backup at `backup.database.cronExpression` when `backup.database.enabled` (`backup.service.ts`)."""
    backup = config["backup"]["database"]
    if not backup["enabled"]:
        return []
    return [Schedule("backupDatabase", backup["cronExpression"], ((_J.DATABASE_BACKUP, {}),))]


def current_config(container: Container) -> ConfigDict:
    """The system config now, read in autocommit: the scheduler asks every tick, and must not take a write lock."""
    with UnitOfWork(container.engine, autocommit=True) as uow:
        return JobService(container.context(uow)).get_config()


def configured_schedules(container: Container) -> list[Schedule]:
    """Every schedule as the system config has it now."""
    config = current_config(container)
    return [NIGHTLY, *library_schedules(config), *backup_schedules(config)]


def local_now() -> datetime:
    """The current time in the server's time zone, which upstream's cron jobs follow."""
    return datetime.now().astimezone()


class Scheduler:
    """Queues each schedule's jobs when its cron expression fires; run it in every worker process."""

    def __init__(
        self,
        container: Container,
        registry: JobRegistry,
        schedules: Sequence[Schedule] | Callable[[], Sequence[Schedule]] = (NIGHTLY,),
        *,
        clock: Callable[[], datetime] = local_now,
    ) -> None:
        self._container = container
        self._registry = registry
        self._source = schedules if callable(schedules) else lambda: schedules
        self._clock = clock
        self._schedules: list[Schedule] = []
        self._next: dict[str, datetime] = {}
        self._refresh(clock())

    def next_fire(self, name: str) -> datetime:
        return self._next[name]

    def tick(self) -> list[str]:
        """Queue the jobs of every schedule whose time has come; the names of the schedules that fired."""
        now = self._clock()
        self._refresh(now)
        fired = []
        for schedule in self._schedules:
            due = self._next[schedule.name]
            if now < due:
                continue
            try:
                self._fire(schedule, due)
            except Exception:
                # The time stays due, so the next tick tries again.
                log.exception("Unable to queue the %s jobs", schedule.name)
                continue
            self._next[schedule.name] = _next_fire(schedule, now)
            fired.append(schedule.name)
        return fired

    def run(self, stop: threading.Event, *, max_wait: float = 60.0) -> None:
        """Tick until stopped, waking at the next due time (at least every `max_wait` seconds, for clock changes)."""
        while not stop.is_set():
            self.tick()
            wait = min((due - self._clock()).total_seconds() for due in self._next.values()) if self._next else max_wait
            stop.wait(min(max(wait, 0.05), max_wait))

    def _refresh(self, now: datetime) -> None:
        """Take up the schedules as they are now: a new or changed cron expression counts from now."""
        try:
            schedules = list(self._source())
        except Exception:
            log.exception("Unable to read the job schedules; keeping the previous ones")
            return
        previous = {schedule.name: schedule for schedule in self._schedules}
        self._next = {
            schedule.name: (
                self._next[schedule.name]
                if schedule.name in self._next and previous[schedule.name].cron == schedule.cron
                else _next_fire(schedule, now)
            )
            for schedule in schedules
        }
        self._schedules = schedules

    def _fire(self, schedule: Schedule, due: datetime) -> None:
        # Jobs nobody handles yet would only pile up as failed: leave them out until their handler exists.
        jobs = [(name, data) for name, data in schedule.jobs if name.value in self._registry]
        skipped = [name.value for name, _ in schedule.jobs if name.value not in self._registry]
        if skipped:
            log.debug("Not queueing %s jobs without a handler: %s", schedule.name, ", ".join(skipped))
        with self._container.unit_of_work() as uow:
            JobService(self._container.context(uow)).queue_scheduled(schedule.name, due, jobs)
        log.info("Queued %d %s job(s)", len(jobs), schedule.name)


def _next_fire(schedule: Schedule, after: datetime) -> datetime:
    fire: datetime = croniter(schedule.cron, after).get_next(datetime)
    return fire
