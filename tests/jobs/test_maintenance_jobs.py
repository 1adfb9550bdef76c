"""Background maintenance jobs: tag clean-up, the nightly quota recount, and the scheduled runs they belong to."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any
from uuid import UUID

import pytest

from photonest.container import Container
from photonest.db.types import utcnow
from photonest.jobs.names import JobName, QueueName
from photonest.jobs.registry import load_handlers
from photonest.jobs.runner import Worker, WorkerOptions
from photonest.jobs.schedule import NIGHTLY, backup_schedules, current_config
from photonest.repositories import Repositories
from photonest.services.system_config import SystemConfigService
from tests.factories import Api, Caller, make_asset
from tests.jobs.helpers import enqueue, rows, state

BG = QueueName.BACKGROUND_TASK.value


@pytest.fixture
def admin(api: Api) -> Caller:
    return api.admin()


def run_background(container: Container) -> int:
    options = WorkerOptions(queues=frozenset({QueueName.BACKGROUND_TASK}), retry_backoff=timedelta(0))
    return Worker(container, load_handlers(), options).run_pending()


def tag(container: Container, owner: Caller, value: str, parent: UUID | None = None, *assets: UUID) -> UUID:
    with container.unit_of_work() as uow:
        repos = Repositories(uow)
        tag_id = repos.tags.create(UUID(owner.id), value, parent)
        for asset_id in assets:
            repos.tags.add_asset_ids(tag_id, [asset_id])
    return tag_id


def tag_values(container: Container, owner: Caller) -> set[str]:
    with container.unit_of_work() as uow:
        return {found.value for found in Repositories(uow).tags.list_by_user(UUID(owner.id))}


def test_tag_cleanup_deletes_tags_without_assets_below_them(api: Api, admin: Caller, container: Container) -> None:
    photo = make_asset(container, admin).id
    trashed = make_asset(container, admin, deleted_at=utcnow(), status="trashed").id
    parent = tag(container, admin, "places")
    tag(container, admin, "places/paris", parent, photo)
    empty = tag(container, admin, "empty")
    tag(container, admin, "empty/deeper", empty)
    used = tag(container, admin, "used", None, photo)
    tag(container, admin, "used/unused", used)
    tag(container, admin, "in-trash", None, trashed)
    response = api.request("POST", "/api/jobs", admin, json={"name": "tag-cleanup"})
    assert response.status_code == 201, response.text
    assert run_background(container) == 1
    assert tag_values(container, admin) == {"places", "places/paris", "used", "in-trash"}
    assert (state(container, BG).completed, state(container, BG).failed) == (1, 0)
    with container.unit_of_work() as uow:
        assert [t.value for t in Repositories(uow).tags.list_by_asset(photo)] == sorted(["places/paris", "used"])


def test_tag_cleanup_with_nothing_to_do_succeeds(admin: Caller, container: Container) -> None:
    tag(container, admin, "kept", None, make_asset(container, admin).id)
    enqueue(container, BG, JobName.TAG_CLEANUP.value)
    assert run_background(container) == 1
    assert tag_values(container, admin) == {"kept"}
    assert rows(container) == []


def usage(container: Container, user_id: str) -> int:
    with container.unit_of_work() as uow:
        found = Repositories(uow).users.get(UUID(user_id), with_deleted=True)
    assert found is not None
    return found.quota_usage_in_bytes


def sized_asset(container: Container, owner: Caller | str, size: int | None, **values: Any) -> UUID:
    asset_id = make_asset(container, owner, **values).id
    if size is not None:
        with container.unit_of_work() as uow:
            Repositories(uow).assets.upsert_exif(asset_id, {"file_size_in_byte": size})
    return UUID(str(asset_id))


def test_user_sync_usage_recounts_uploads_including_the_trash(api: Api, admin: Caller, container: Container) -> None:
    other = api.user(admin)
    gone = api.user(admin)
    with container.unit_of_work() as uow:
        repos = Repositories(uow)
        library = repos.libraries.create({"id": uuid.uuid4(), "name": "lib", "owner_id": UUID(admin.id)})
        for user_id in (admin.id, other.id, gone.id):
            repos.users.update(UUID(user_id), {"quota_usage_in_bytes": 999})
        repos.users.update(UUID(gone.id), {"deleted_at": utcnow()})
    sized_asset(container, admin, 100)
    sized_asset(container, admin, 20, deleted_at=utcnow(), status="trashed")
    sized_asset(container, admin, None)
    sized_asset(container, admin, 5000, library_id=library.id, is_external=True)
    sized_asset(container, gone, 7)
    enqueue(container, BG, JobName.USER_SYNC_USAGE.value)
    assert run_background(container) == 1
    # External-library files are not the user's uploads; deleted users are left as they were (upstream's syncUsage).
    assert (usage(container, admin.id), usage(container, other.id), usage(container, gone.id)) == (120, 0, 999)


def test_the_nightly_run_includes_the_usage_recount_and_no_audit_clean_up() -> None:
    names = [name for name, _ in NIGHTLY.jobs]
    assert JobName.USER_SYNC_USAGE in names
    assert JobName.CLEAN_OLD_AUDIT_LOGS not in names
    assert all(name.value in load_handlers() for name in names)


def test_the_backup_schedule_follows_the_backup_config(container: Container) -> None:
    (schedule,) = backup_schedules(current_config(container))
    assert (schedule.cron, schedule.jobs) == ("0 02 * * *", ((JobName.DATABASE_BACKUP, {}),))
    with container.unit_of_work() as uow:
        SystemConfigService(container.context(uow)).patch_config(
            {"backup": {"database": {"cronExpression": "30 4 * * 1"}}}
        )
    assert backup_schedules(current_config(container))[0].cron == "30 4 * * 1"
    with container.unit_of_work() as uow:
        SystemConfigService(container.context(uow)).patch_config({"backup": {"database": {"enabled": False}}})
    assert backup_schedules(current_config(container)) == []
