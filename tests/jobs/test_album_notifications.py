"""The album email jobs: invitations and new-asset updates, by SMTP config and the recipient's preferences."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from uuid import UUID

import pytest

from photonest.container import Container
from photonest.jobs.handlers.album import notify_album_invite, notify_album_update
from photonest.jobs.names import JobName, JobStatus
from photonest.jobs.registry import load_handlers
from photonest.services.base import ServiceContext
from tests.api.test_album import create, jobs_named, share
from tests.api.test_notification_admin import Inbox, smtp_body, smtp_server  # noqa: F401  (fixture)
from tests.api.test_timeline import add_asset
from tests.factories import Api, Caller, set_metadata

Handler = Callable[[ServiceContext, dict[str, Any]], JobStatus]


@pytest.fixture
def admin(api: Api) -> Caller:
    return api.admin()


@pytest.fixture
def owner(api: Api, admin: Caller) -> Caller:
    return api.user(admin, name="Alice", email="alice@immich.cloud")


@pytest.fixture
def member(api: Api, admin: Caller) -> Caller:
    return api.user(admin, name="Bob", email="bob@immich.cloud")


@pytest.fixture
def smtp(container: Container, smtp_server: tuple[Inbox, int]) -> Inbox:  # noqa: F811
    inbox, port = smtp_server
    set_metadata(container, "system-config", {"notifications": {"smtp": smtp_body(port)}})
    return inbox


def run(container: Container, handler: Handler, data: dict[str, Any]) -> JobStatus:
    with container.unit_of_work() as uow:
        return handler(container.context(uow), data)


def test_album_jobs_have_handlers() -> None:
    registry = load_handlers()
    assert JobName.NOTIFY_ALBUM_INVITE.value in registry
    assert JobName.NOTIFY_ALBUM_UPDATE.value in registry


def test_invite_email_reaches_the_new_member(
    api: Api, container: Container, owner: Caller, member: Caller, smtp: Inbox
) -> None:
    album = create(api, owner, albumName="Holidays")
    share(api, owner, album["id"], member)
    [job] = jobs_named(container, "notify-album-invite")
    assert run(container, notify_album_invite, job["data"]) == JobStatus.SUCCESS
    message = smtp.message()
    assert message["To"] == "bob@immich.cloud"
    assert message["From"] == "Photo Server <noreply@photos.example>"
    assert message["Subject"] == "You have been added to a shared album - Holidays"
    html = message.get_body(("html",))
    assert html is not None
    content = html.get_content()
    assert "Alice" in content and "Bob" in content and f"/albums/{album['id']}" in content


def test_update_email_reaches_the_other_members(
    api: Api, container: Container, owner: Caller, member: Caller, smtp: Inbox
) -> None:
    album = create(api, owner, albumName="Holidays")
    share(api, owner, album["id"], member)
    api.request("PUT", f"/api/albums/{album['id']}/assets", member, json={"ids": [str(add_asset(container, member))]})
    [job] = jobs_named(container, "notify-album-update")
    assert job["data"] == {"id": album["id"], "recipientId": owner.id}
    assert run(container, notify_album_update, job["data"]) == JobStatus.SUCCESS
    message = smtp.message()
    assert message["To"] == "alice@immich.cloud"
    assert message["Subject"] == "New media has been added to an album - Holidays"


def test_repeated_additions_queue_one_update_per_recipient(
    api: Api, container: Container, owner: Caller, member: Caller
) -> None:
    album = create(api, owner)
    share(api, owner, album["id"], member)
    for _ in range(2):
        body = {"ids": [str(add_asset(container, owner))]}
        api.request("PUT", f"/api/albums/{album['id']}/assets", owner, json=body)
    assert [j["data"]["recipientId"] for j in jobs_named(container, "notify-album-update")] == [member.id]


@pytest.mark.parametrize("setting", ["enabled", "albumInvite"])
def test_invite_respects_the_recipients_preferences(
    api: Api, container: Container, owner: Caller, member: Caller, smtp: Inbox, setting: str
) -> None:
    body = {"emailNotifications": {setting: False}}
    assert api.request("PUT", "/api/users/me/preferences", member, json=body).status_code == 200
    album = create(api, owner)
    share(api, owner, album["id"], member)
    data = {"id": album["id"], "recipientId": member.id}
    assert run(container, notify_album_invite, data) == JobStatus.SKIPPED
    assert smtp.envelopes == []


def test_update_respects_the_recipients_preferences(
    api: Api, container: Container, owner: Caller, member: Caller, smtp: Inbox
) -> None:
    body = {"emailNotifications": {"albumUpdate": False}}
    assert api.request("PUT", "/api/users/me/preferences", owner, json=body).status_code == 200
    album = create(api, owner)
    data = {"id": album["id"], "recipientId": owner.id}
    assert run(container, notify_album_update, data) == JobStatus.SKIPPED
    assert smtp.envelopes == []


def test_no_email_while_smtp_is_off(
    api: Api,
    container: Container,
    owner: Caller,
    member: Caller,
    smtp_server: tuple[Inbox, int],  # noqa: F811
) -> None:
    inbox, _ = smtp_server
    album = create(api, owner)
    data = {"id": album["id"], "recipientId": member.id}
    assert run(container, notify_album_invite, data) == JobStatus.SKIPPED
    assert inbox.envelopes == []


def test_jobs_for_a_deleted_album_are_skipped(
    api: Api, container: Container, owner: Caller, member: Caller, smtp: Inbox
) -> None:
    album = create(api, owner)
    api.request("DELETE", f"/api/albums/{album['id']}", owner)
    data = {"id": album["id"], "recipientId": member.id}
    assert run(container, notify_album_invite, data) == JobStatus.SKIPPED
    assert run(container, notify_album_update, {**data, "recipientId": str(UUID(owner.id))}) == JobStatus.SKIPPED
    assert smtp.envelopes == []
