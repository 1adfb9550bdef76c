"""Periodic clean-ups: expired sessions, users whose deletion delay has passed, and the quota usage recount."""

from __future__ import annotations

from typing import Any

from photonest.jobs.names import JobName, JobStatus
from photonest.jobs.registry import job_handler
from photonest.services.base import ServiceContext
from photonest.services.session import SessionService
from photonest.services.user import UserService
from photonest.services.user_admin import UserAdminService


@job_handler(JobName.CLEAN_OLD_SESSION_TOKENS)
def clean_old_session_tokens(ctx: ServiceContext, data: dict[str, Any]) -> JobStatus:
    SessionService(ctx).clean_expired()
    return JobStatus.SUCCESS


@job_handler(JobName.USER_DELETE_CHECK)
def user_delete_check(ctx: ServiceContext, data: dict[str, Any]) -> JobStatus:
    UserAdminService(ctx).purge_deleted_users()
    return JobStatus.SUCCESS


@job_handler(JobName.USER_SYNC_USAGE)
def user_sync_usage(ctx: ServiceContext, data: dict[str, Any]) -> JobStatus:
    return UserService(ctx).sync_usage()
