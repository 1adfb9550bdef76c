"""Queue status and commands for admins, and the queue bookkeeping the workers rely on (`job.service.ts`)."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from typing import Any

from photonest.db.types import utcnow
from photonest.errors import BadRequest
from photonest.jobs.names import FIXED_CONCURRENCY, JobName, QueueName, job_key
from photonest.records import Job
from photonest.repositories.job import QueueState
from photonest.schemas import generated as g
from photonest.services.base import BaseService

log = logging.getLogger(__name__)

_Q = QueueName
_J = JobName

# What `PUT /jobs/{id}` with `start` queues for each queue; the others answer 400 "Invalid job name".
START_JOBS: dict[QueueName, JobName] = {
    _Q.VIDEO_CONVERSION: _J.QUEUE_VIDEO_CONVERSION,
    _Q.STORAGE_TEMPLATE_MIGRATION: _J.STORAGE_TEMPLATE_MIGRATION,
    _Q.MIGRATION: _J.QUEUE_MIGRATION,
    _Q.SMART_SEARCH: _J.QUEUE_SMART_SEARCH,
    _Q.DUPLICATE_DETECTION: _J.QUEUE_DUPLICATE_DETECTION,
    _Q.METADATA_EXTRACTION: _J.QUEUE_METADATA_EXTRACTION,
    _Q.SIDECAR: _J.QUEUE_SIDECAR,
    _Q.THUMBNAIL_GENERATION: _J.QUEUE_GENERATE_THUMBNAILS,
    _Q.FACE_DETECTION: _J.QUEUE_FACE_DETECTION,
    _Q.FACIAL_RECOGNITION: _J.QUEUE_FACIAL_RECOGNITION,
    _Q.LIBRARY: _J.LIBRARY_QUEUE_SCAN_ALL,
    _Q.BACKUP_DATABASE: _J.DATABASE_BACKUP,
}
# Upstream queues these two without the `force` flag.
_START_WITHOUT_FORCE = {_Q.STORAGE_TEMPLATE_MIGRATION, _Q.MIGRATION}

# `POST /jobs`: the manual job names and the jobs they queue.
MANUAL_JOBS: dict[g.ManualJobName, JobName] = {
    g.ManualJobName.PERSON_CLEANUP: _J.PERSON_CLEANUP,
    g.ManualJobName.TAG_CLEANUP: _J.TAG_CLEANUP,
    g.ManualJobName.USER_CLEANUP: _J.USER_DELETE_CHECK,
    g.ManualJobName.MEMORY_CLEANUP: _J.MEMORIES_CLEANUP,
    g.ManualJobName.MEMORY_CREATE: _J.MEMORIES_CREATE,
    g.ManualJobName.BACKUP_DATABASE: _J.DATABASE_BACKUP,
}


def status_dto(state: QueueState) -> g.JobStatusDto:
    """A queue's counts as upstream reports BullMQ's: a paused queue's waiting jobs count as paused."""
    waiting, paused = (0, state.waiting) if state.is_paused else (state.waiting, 0)
    return g.JobStatusDto(
        job_counts=g.JobCountsDto(
            active=state.active,
            completed=state.completed,
            failed=state.failed,
            delayed=state.delayed,
            waiting=waiting,
            paused=paused,
        ),
        queue_status=g.QueueStatusDto(is_active=state.active > 0, is_paused=state.is_paused),
    )


class JobService(BaseService):
    """The `/jobs` operations and the claim / finish / retry steps of the job runtime."""

    # --- /jobs ---

    def get_all_jobs_status(self) -> g.AllJobStatusResponseDto:
        states = self.repos.jobs.queue_states(utcnow())
        statuses = {queue.value: status_dto(states.get(queue.value, QueueState(queue.value))) for queue in QueueName}
        return g.AllJobStatusResponseDto.model_validate(statuses)

    def get_job_status(self, queue: QueueName) -> g.JobStatusDto:
        state = self.repos.jobs.queue_states(utcnow()).get(queue.value, QueueState(queue.value))
        return status_dto(state)

    def handle_command(self, queue: QueueName, dto: g.JobCommandDto) -> g.JobStatusDto:
        """Start, pause, resume, empty or clear the failed jobs of a queue; answer its new status."""
        log.debug("Handling command: queue=%s,force=%s", queue.value, dto.force)
        match dto.command:
            case g.JobCommand.START:
                self._start(queue, dto.force)
            case g.JobCommand.PAUSE:
                self.repos.jobs.set_paused(queue.value, True)
            case g.JobCommand.RESUME:
                self.repos.jobs.set_paused(queue.value, False)
                self.after_commit(self.ctx.bus.jobs_queued)
            case g.JobCommand.EMPTY:
                self.repos.jobs.empty(queue.value)
            case g.JobCommand.CLEAR_FAILED:
                log.debug("Cleared failed jobs: %d", self.repos.jobs.clear_failed(queue.value))
        return self.get_job_status(queue)

    def create(self, dto: g.JobCreateDto) -> None:
        """Queue one of the manual jobs."""
        name = MANUAL_JOBS.get(dto.name)
        if name is None:
            raise BadRequest("Invalid job name")
        self._queue(name, {})

    def _start(self, queue: QueueName, force: bool | None) -> None:
        if self.get_job_status(queue).queue_status.is_active:
            raise BadRequest("Job is already running")
        name = START_JOBS.get(queue)
        if name is None:
            raise BadRequest(f"Invalid job name: {queue.value}")
        # Upstream passes `{force}`; an absent flag is dropped by JSON.
        data: dict[str, Any] = {} if queue in _START_WITHOUT_FORCE or force is None else {"force": force}
        self._queue(name, data)

    def _queue(self, name: JobName, data: dict[str, Any], key: str | None = None) -> None:
        key = job_key(name, data) or key
        self.queue_job(name, data, **({"job_key": key} if key else {}))

    def queue_scheduled(self, schedule: str, due: datetime, jobs: Iterable[tuple[JobName, dict[str, Any]]]) -> None:
        """Queue a scheduled run's jobs, keyed `<schedule>:<name>:<due time>` so other processes add them only once."""
        for name, data in jobs:
            self._queue(name, dict(data), f"{schedule}:{name.value}:{due:%Y-%m-%dT%H:%M}")

    # --- the runtime ---

    def queue_concurrency(self) -> dict[QueueName, int]:
        """How many jobs of each queue a worker runs at once: `job.<queue>.concurrency`, or 1 for the fixed queues."""
        settings = self.get_config().get("job", {})
        concurrency = {}
        for queue in QueueName:
            value = 1 if queue in FIXED_CONCURRENCY else settings.get(queue.value, {}).get("concurrency", 1)
            concurrency[queue] = max(1, int(value))
        return concurrency

    def claim(self, queues: Sequence[str], worker: str, now: datetime, lease: timedelta) -> Job | None:
        return self.repos.jobs.claim(queues, worker, now, now + lease)

    def complete(self, job: Job, worker: str) -> bool:
        return self.repos.jobs.complete(job.id, worker)

    def fail(self, job: Job, worker: str, error: str, now: datetime, backoff: timedelta) -> bool:
        """Retry after an exponential back-off, or give up once the attempts are used up; True if retried."""
        if job.attempts < job.max_attempts:
            self.repos.jobs.retry(job.id, worker, now + backoff * 2 ** max(job.attempts - 1, 0), error)
            return True
        self.repos.jobs.mark_failed(job.id, worker, error)
        return False

    def give_up(self, job: Job, worker: str, error: str) -> None:
        """Fail a job at once, without retries (no handler, or the handler reported failure)."""
        self.repos.jobs.mark_failed(job.id, worker, error)

    def heartbeat(self, job_ids: Sequence[int], worker: str, now: datetime, lease: timedelta) -> int:
        return self.repos.jobs.extend_leases(job_ids, worker, now + lease)

    def release(self, job_ids: Sequence[int], worker: str) -> int:
        return self.repos.jobs.release(job_ids, worker)

    def reap(self, now: datetime) -> int:
        """Requeue the jobs of workers that died (their lease ran out)."""
        reaped = self.repos.jobs.reap_expired(now)
        if reaped:
            log.warning("Requeued %d job(s) whose worker stopped responding", reaped)
            self.after_commit(self.ctx.bus.jobs_queued)
        return reaped
