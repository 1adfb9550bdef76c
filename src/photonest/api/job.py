"""Jobs routes (`job.controller.ts`): queue status and commands, admin only."""

from __future__ import annotations

from photonest.api.deps import authenticated, service
from photonest.api.router import ApiRouter
from photonest.jobs.names import QueueName
from photonest.records import Auth
from photonest.schemas import generated as g
from photonest.services.job import JobService

router = ApiRouter(prefix="/jobs", tags=["Jobs"])


@router.get("", operation_id="getAllJobsStatus", response_model=g.AllJobStatusResponseDto)
def get_all_jobs_status(
    auth: Auth = authenticated(admin=True), svc: JobService = service(JobService)
) -> g.AllJobStatusResponseDto:
    return svc.get_all_jobs_status()


@router.post("", operation_id="createJob", status_code=201)
def create_job(
    dto: g.JobCreateDto, auth: Auth = authenticated(admin=True), svc: JobService = service(JobService)
) -> None:
    svc.create(dto)


# The spec names the path enum `JobName` although its values are the queue names.
@router.put("/{id}", operation_id="sendJobCommand", response_model=g.JobStatusDto)
def send_job_command(
    id: g.JobName, dto: g.JobCommandDto, auth: Auth = authenticated(admin=True), svc: JobService = service(JobService)
) -> g.JobStatusDto:
    return svc.handle_command(QueueName(id.value), dto)
