"""Face pipeline jobs: detect faces, group them into people, crop person thumbnails, remove empty people."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from photonest.jobs.names import JobName, JobStatus
from photonest.jobs.registry import job_handler
from photonest.services.base import ServiceContext
from photonest.services.person import PersonService


@job_handler(JobName.QUEUE_FACE_DETECTION)
def queue_face_detection(ctx: ServiceContext, data: dict[str, Any]) -> JobStatus:
    return PersonService(ctx).queue_detect_faces(force=bool(data.get("force")))


@job_handler(JobName.FACE_DETECTION)
def face_detection(ctx: ServiceContext, data: dict[str, Any]) -> JobStatus:
    return PersonService(ctx).detect_faces(UUID(str(data["id"])))


@job_handler(JobName.QUEUE_FACIAL_RECOGNITION)
def queue_facial_recognition(ctx: ServiceContext, data: dict[str, Any]) -> JobStatus:
    return PersonService(ctx).queue_recognize_faces(force=bool(data.get("force")), nightly=bool(data.get("nightly")))


@job_handler(JobName.FACIAL_RECOGNITION)
def facial_recognition(ctx: ServiceContext, data: dict[str, Any]) -> JobStatus:
    return PersonService(ctx).recognize_face(UUID(str(data["id"])), deferred=bool(data.get("deferred")))


@job_handler(JobName.GENERATE_PERSON_THUMBNAIL)
def generate_person_thumbnail(ctx: ServiceContext, data: dict[str, Any]) -> JobStatus:
    return PersonService(ctx).generate_thumbnail(UUID(str(data["id"])))


@job_handler(JobName.PERSON_CLEANUP)
def person_cleanup(ctx: ServiceContext, data: dict[str, Any]) -> JobStatus:
    return PersonService(ctx).person_cleanup()
