"""Jobs routes: queue status, commands and manual jobs, admin only."""

from __future__ import annotations

from datetime import timedelta
from functools import partial
from typing import Any

import pytest

from photonest.container import Container
from photonest.db.types import utcnow
from photonest.jobs.names import QueueName
from photonest.jobs.registry import JobRegistry
from photonest.jobs.runner import Worker
from photonest.services.job import JobService
from tests.factories import Api, Caller, make_api_key, make_user
from tests.jobs.helpers import claim, enqueue, rows, with_service

QUEUES = [queue.value for queue in QueueName]
ZERO = {"active": 0, "completed": 0, "failed": 0, "delayed": 0, "waiting": 0, "paused": 0}
IDLE = {"jobCounts": ZERO, "queueStatus": {"isActive": False, "isPaused": False}}
ROUTES = [("GET", "/api/jobs"), ("POST", "/api/jobs"), ("PUT", "/api/jobs/backgroundTask")]
START_JOBS = {
    "thumbnailGeneration": ("queue-generate-thumbnails", {"force": True}),
    "metadataExtraction": ("queue-metadata-extraction", {"force": True}),
    "videoConversion": ("queue-video-conversion", {"force": True}),
    "faceDetection": ("queue-face-detection", {"force": True}),
    "facialRecognition": ("queue-facial-recognition", {"force": True}),
    "smartSearch": ("queue-smart-search", {"force": True}),
    "duplicateDetection": ("queue-duplicate-detection", {"force": True}),
    "storageTemplateMigration": ("storage-template-migration", {}),
    "migration": ("queue-migration", {}),
    "sidecar": ("queue-sidecar", {"force": True}),
    "library": ("library-queue-scan-all", {"force": True}),
    "backupDatabase": ("database-backup", {"force": True}),
}


def command(api: Api, caller: Caller, queue: str, name: str, **extra: Any) -> Any:
    return api.request("PUT", f"/api/jobs/{queue}", caller, json={"command": name, **extra})


def counts(api: Api, caller: Caller, queue: str) -> dict[str, int]:
    body: dict[str, int] = api.request("GET", "/api/jobs", caller).json()[queue]["jobCounts"]
    return body


def counts_of(**values: int) -> dict[str, int]:
    return {**ZERO, **values}


@pytest.mark.parametrize(("method", "path"), ROUTES)
def test_requires_authentication(api: Api, method: str, path: str) -> None:
    response = api.request(method, path, json={"command": "pause", "name": "tag-cleanup"})
    assert response.status_code == 401
    assert response.json()["message"] == "Authentication required"


@pytest.mark.parametrize(("method", "path"), ROUTES)
def test_other_users_are_forbidden(api: Api, container: Container, method: str, path: str) -> None:
    api.admin()
    user = make_user(container, api)
    response = api.request(method, path, user, json={"command": "pause", "name": "tag-cleanup"})
    assert response.status_code == 403
    assert response.json()["message"] == "Forbidden"
    assert rows(container) == []


def test_an_admin_key_needs_no_particular_permission(api: Api, container: Container) -> None:
    key = make_api_key(container, api.admin(), ["activity.read"])
    assert api.request("GET", "/api/jobs", key).status_code == 200


def test_status_lists_every_queue(api: Api) -> None:
    response = api.request("GET", "/api/jobs", api.admin())
    assert response.status_code == 200
    assert response.json() == dict.fromkeys(QUEUES, IDLE)


def test_status_counts_each_state(api: Api, container: Container) -> None:
    admin = api.admin()
    for name in ("a", "b", "c", "d"):
        enqueue(container, "sidecar", name)
    enqueue(container, "sidecar", "later", delay=timedelta(hours=1))
    first = claim(container, ["sidecar"])
    second = claim(container, ["sidecar"])
    third = claim(container, ["sidecar"])
    assert first is not None and second is not None and third is not None
    with_service(container, lambda svc: svc.complete(first, "w1"))
    with_service(container, lambda svc: svc.give_up(second, "w1", "broken"))
    body = api.request("GET", "/api/jobs", admin).json()
    assert body["sidecar"] == {
        "jobCounts": counts_of(active=1, completed=1, failed=1, delayed=1, waiting=1),
        "queueStatus": {"isActive": True, "isPaused": False},
    }
    assert all(body[queue] == IDLE for queue in QUEUES if queue != "sidecar")


def test_pause_and_resume(api: Api, container: Container) -> None:
    admin = api.admin()
    enqueue(container, "library", "a")
    enqueue(container, "library", "b")
    enqueue(container, "library", "later", delay=timedelta(hours=1))
    response = command(api, admin, "library", "pause")
    assert response.status_code == 200
    # As BullMQ reports a paused queue: its waiting jobs count as paused.
    assert response.json() == {
        "jobCounts": counts_of(paused=2, delayed=1),
        "queueStatus": {"isActive": False, "isPaused": True},
    }
    assert claim(container, ["library"]) is None
    response = command(api, admin, "library", "resume")
    assert response.json() == {
        "jobCounts": counts_of(waiting=2, delayed=1),
        "queueStatus": {"isActive": False, "isPaused": False},
    }
    assert claim(container, ["library"]) is not None


def test_empty_removes_waiting_and_delayed_jobs(api: Api, container: Container) -> None:
    admin = api.admin()
    for name in ("active", "failed", "waiting"):
        enqueue(container, "migration", name)
    enqueue(container, "migration", "later", delay=timedelta(minutes=5))
    enqueue(container, "sidecar", "untouched")
    active = claim(container, ["migration"])
    failed = claim(container, ["migration"])
    assert active is not None and failed is not None
    with_service(container, lambda svc: svc.give_up(failed, "w1", "broken"))
    assert counts(api, admin, "migration") == counts_of(active=1, failed=1, waiting=1, delayed=1)
    response = command(api, admin, "migration", "empty")
    assert response.status_code == 200
    assert response.json()["jobCounts"] == counts_of(active=1, failed=1)
    assert counts(api, admin, "sidecar") == counts_of(waiting=1)


def test_clear_failed_removes_only_failed_jobs(api: Api, container: Container) -> None:
    admin = api.admin()
    for name in ("a", "b", "c"):
        enqueue(container, "sidecar", name)
    for _ in range(2):
        job = claim(container, ["sidecar"])
        assert job is not None
        with_service(container, partial(JobService.give_up, job=job, worker="w1", error="broken"))
    assert counts(api, admin, "sidecar") == counts_of(failed=2, waiting=1)
    response = command(api, admin, "sidecar", "clear-failed")
    assert response.status_code == 200
    assert response.json()["jobCounts"] == counts_of(waiting=1)
    assert [r["name"] for r in rows(container)] == ["c"]


@pytest.mark.parametrize(("queue", "expected"), START_JOBS.items())
def test_start_queues_the_queue_all_job(api: Api, container: Container, queue: str, expected: Any) -> None:
    response = command(api, api.admin(), queue, "start", force=True)
    assert response.status_code == 200
    assert response.json()["jobCounts"] == counts_of(waiting=1)
    assert [(r["queue"], r["name"], r["data"]) for r in rows(container)] == [(queue, *expected)]


def test_start_without_force_sends_no_flag(api: Api, container: Container) -> None:
    assert command(api, api.admin(), "thumbnailGeneration", "start").status_code == 200
    assert [r["data"] for r in rows(container)] == [{}]


@pytest.mark.parametrize("queue", ["backgroundTask", "search", "notifications"])
def test_start_refuses_queues_without_a_start_job(api: Api, container: Container, queue: str) -> None:
    response = command(api, api.admin(), queue, "start")
    assert response.status_code == 400
    assert response.json()["message"] == f"Invalid job name: {queue}"
    assert rows(container) == []


def test_start_refuses_a_running_queue(api: Api, container: Container) -> None:
    admin = api.admin()
    enqueue(container, "sidecar", "sidecar-sync")
    assert claim(container, ["sidecar"]) is not None
    response = command(api, admin, "sidecar", "start")
    assert response.status_code == 400
    assert response.json()["message"] == "Job is already running"
    assert len(rows(container)) == 1


def test_a_started_job_without_handler_ends_failed(api: Api, container: Container) -> None:
    admin = api.admin()
    assert command(api, admin, "smartSearch", "start", force=False).status_code == 200
    assert Worker(container, JobRegistry()).run_pending() == 1
    assert counts(api, admin, "smartSearch") == counts_of(failed=1)
    assert rows(container)[0]["error"] == "No handler for queue-smart-search"
    assert command(api, admin, "smartSearch", "clear-failed").json()["jobCounts"] == ZERO


def test_unknown_queues_and_commands_are_rejected(api: Api) -> None:
    admin = api.admin()
    response = command(api, admin, "nope", "start")
    assert response.status_code == 400
    assert response.json()["message"] == [f"id must be one of the following values: {', '.join(QUEUES)}"]
    response = command(api, admin, "sidecar", "restart")
    assert response.status_code == 400
    assert response.json()["message"] == [
        "command must be one of the following values: start, pause, resume, empty, clear-failed"
    ]
    response = command(api, admin, "sidecar", "start", force="maybe")
    assert response.status_code == 400
    assert response.json()["message"] == ["force must be a boolean value"]


@pytest.mark.parametrize(
    ("manual", "job"),
    [
        ("person-cleanup", "person-cleanup"),
        ("tag-cleanup", "tag-cleanup"),
        ("user-cleanup", "user-delete-check"),
        ("memory-cleanup", "memories-cleanup"),
        ("memory-create", "memories-create"),
        ("backup-database", "database-backup"),
    ],
)
def test_create_queues_the_manual_job(api: Api, container: Container, manual: str, job: str) -> None:
    response = api.request("POST", "/api/jobs", api.admin(), json={"name": manual})
    assert response.status_code == 201
    assert response.content == b""
    queue = "backupDatabase" if job == "database-backup" else "backgroundTask"
    assert [(r["queue"], r["name"], r["data"]) for r in rows(container)] == [(queue, job, {})]


def test_create_rejects_other_names(api: Api, container: Container) -> None:
    response = api.request("POST", "/api/jobs", api.admin(), json={"name": "user-delete-check"})
    assert response.status_code == 400
    assert response.json()["message"] == [
        "name must be one of the following values: "
        "person-cleanup, tag-cleanup, user-cleanup, memory-cleanup, memory-create, backup-database"
    ]
    assert rows(container) == []


def test_a_user_cleanup_runs_through_the_worker(api: Api, container: Container) -> None:
    admin = api.admin()
    assert api.request("POST", "/api/jobs", admin, json={"name": "user-cleanup"}).status_code == 201
    assert Worker(container).run_pending() == 1
    assert counts(api, admin, "backgroundTask") == counts_of(completed=1)


def test_delayed_retries_show_as_delayed(api: Api, container: Container) -> None:
    admin = api.admin()
    enqueue(container, "backgroundTask", "flaky")
    job = claim(container, ["backgroundTask"])
    assert job is not None
    with_service(container, lambda svc: svc.fail(job, "w1", "boom", utcnow(), timedelta(minutes=1)))
    assert counts(api, admin, "backgroundTask") == counts_of(delayed=1)
