"""Emails about shared albums: invitations and new assets (upstream's `album.invite` / `album.update` jobs)."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from photonest.jobs.names import JobName, JobStatus
from photonest.jobs.registry import job_handler
from photonest.services.album import AlbumEmailService
from photonest.services.base import ServiceContext


@job_handler(JobName.NOTIFY_ALBUM_INVITE)
def notify_album_invite(ctx: ServiceContext, data: dict[str, Any]) -> JobStatus:
    return AlbumEmailService(ctx).send_invite(UUID(data["id"]), UUID(data["recipientId"]))


@job_handler(JobName.NOTIFY_ALBUM_UPDATE)
def notify_album_update(ctx: ServiceContext, data: dict[str, Any]) -> JobStatus:
    return AlbumEmailService(ctx).send_update(UUID(data["id"]), UUID(data["recipientId"]))
