"""Notifications (Admin) routes: creating notifications, the SMTP test email and template previews."""

from __future__ import annotations

import re
import socket
import uuid
from collections.abc import Iterator
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session

from photonest.container import Container
from photonest.crypto import hash_password
from photonest.events.bus import ClientEvent
from photonest.repositories import Repositories
from tests.factories import Api, Caller

ISO = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")
ROUTES = [
    ("POST", "/api/admin/notifications"),
    ("POST", "/api/admin/notifications/test-email"),
    ("POST", "/api/admin/notifications/templates/welcome"),
]


def make_user(api: Api, container: Container) -> Caller:
    """A second user, created through the repositories (user creation has its own routes)."""
    email = f"{uuid.uuid4().hex[:10]}@immich.cloud"
    with container.unit_of_work() as uow:
        Repositories(uow).users.create({"email": email, "name": "Other", "password": hash_password("password")})
    return api.login(email, "password")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class Inbox:
    """An aiosmtpd handler keeping every message it is handed."""

    def __init__(self) -> None:
        self.envelopes: list[Envelope] = []

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        self.envelopes.append(envelope)
        return "250 Message accepted for delivery"

    def message(self, index: int = 0) -> EmailMessage:
        content = self.envelopes[index].content
        assert isinstance(content, bytes)
        parsed = message_from_bytes(content, policy=policy.default)
        assert isinstance(parsed, EmailMessage)
        return parsed


@pytest.fixture
def smtp_server() -> Iterator[tuple[Inbox, int]]:
    inbox = Inbox()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield inbox, port
    finally:
        controller.stop()


@pytest.fixture
def events(container: Container) -> list[ClientEvent]:
    received: list[ClientEvent] = []
    container.bus.subscribe(received.append)
    return received


def smtp_body(port: int, **transport: Any) -> dict[str, Any]:
    return {
        "enabled": True,
        "from": "Photo Server <noreply@photos.example>",
        "replyTo": "",
        "transport": {
            "host": "127.0.0.1",
            "port": port,
            "username": "",
            "password": "",
            "ignoreCert": False,
            **transport,
        },
    }


@pytest.mark.parametrize(("method", "path"), ROUTES)
def test_requires_authentication(api: Api, method: str, path: str) -> None:
    response = api.request(method, path, json={})
    assert response.status_code == 401
    assert response.json()["message"] == "Authentication required"


@pytest.mark.parametrize(("method", "path"), ROUTES)
def test_requires_an_admin(api: Api, container: Container, method: str, path: str) -> None:
    api.admin()
    user = make_user(api, container)
    response = api.request(method, path, user, json={})
    assert response.status_code == 403
    assert response.json()["message"] == "Forbidden"


def test_create_stores_and_pushes_the_notification(api: Api, container: Container, events: list[ClientEvent]) -> None:
    admin = api.admin()
    user = make_user(api, container)
    response = api.request("POST", "/api/admin/notifications", admin, json={"userId": user.id, "title": "Welcome"})
    assert response.status_code == 201
    body = response.json()
    assert set(body) == {"id", "createdAt", "level", "type", "title"}
    assert body["level"] == "info" and body["type"] == "Custom" and ISO.match(body["createdAt"])
    assert api.request("GET", "/api/notifications", user).json() == [body]
    assert api.request("GET", "/api/notifications", admin).json() == []
    assert [(e.name, e.room, e.payload) for e in events] == [("on_notification", user.id, (body,))]


def test_create_with_every_field(api: Api) -> None:
    admin = api.admin()
    payload = {
        "userId": admin.id,
        "title": "Backup failed",
        "description": "Disk full",
        "level": "error",
        "type": "BackupFailed",
        "data": {"path": "/backups"},
        "readAt": "2025-01-02T03:04:05.000Z",
    }
    body = api.request("POST", "/api/admin/notifications", admin, json=payload).json()
    assert {k: body[k] for k in ("title", "description", "level", "type", "data", "readAt")} == {
        k: payload[k] for k in ("title", "description", "level", "type", "data", "readAt")
    }


def test_create_validates_the_body(api: Api, events: list[ClientEvent]) -> None:
    admin = api.admin()
    unknown = api.request(
        "POST", "/api/admin/notifications", admin, json={"userId": str(uuid.uuid4()), "title": "Hello"}
    )
    assert unknown.status_code == 400 and unknown.json()["message"] == "User not found"
    invalid = api.request(
        "POST", "/api/admin/notifications", admin, json={"userId": "x", "title": "t", "level": "loud"}
    )
    assert invalid.status_code == 400
    assert invalid.json()["message"] == [
        "level must be one of the following values: success, error, warning, info",
        "userId must be a UUID",
    ]
    assert events == []


def test_test_email_arrives_at_the_admins_address(api: Api, smtp_server: tuple[Inbox, int]) -> None:
    inbox, port = smtp_server
    admin = api.admin()
    response = api.request("POST", "/api/admin/notifications/test-email", admin, json=smtp_body(port))
    assert response.status_code == 200, response.text
    message_id = response.json()["messageId"]
    assert set(response.json()) == {"messageId"}
    (envelope,) = inbox.envelopes
    assert envelope.rcpt_tos == [admin.email] and envelope.mail_from == "noreply@photos.example"
    message = inbox.message()
    assert message["Subject"] == "Test email from Immich"
    assert message["Message-ID"] == message_id and message_id.endswith("@photos.example>")
    assert message["Reply-To"] == "Photo Server <noreply@photos.example>"
    html = message.get_body(("html",))
    text = message.get_body(("plain",))
    assert html is not None and "Immich Admin" in html.get_content()
    assert text is not None and "Hey Immich Admin!" in text.get_content()


def test_test_email_uses_the_reply_to_address(api: Api, smtp_server: tuple[Inbox, int]) -> None:
    inbox, port = smtp_server
    admin = api.admin()
    body = {**smtp_body(port), "replyTo": "help@photos.example"}
    assert api.request("POST", "/api/admin/notifications/test-email", admin, json=body).status_code == 200
    assert inbox.message()["Reply-To"] == "help@photos.example"


def test_test_email_reports_an_unreachable_server(api: Api) -> None:
    admin = api.admin()
    response = api.request("POST", "/api/admin/notifications/test-email", admin, json=smtp_body(free_port()))
    assert response.status_code == 400
    assert response.json()["message"] == "Failed to verify SMTP configuration"


def test_test_email_reports_a_refused_login(api: Api, smtp_server: tuple[Inbox, int]) -> None:
    inbox, port = smtp_server
    admin = api.admin()
    body = smtp_body(port, username="someone", password="secret")
    response = api.request("POST", "/api/admin/notifications/test-email", admin, json=body)
    assert response.status_code == 400
    assert response.json()["message"] == "Failed to verify SMTP configuration"
    assert inbox.envelopes == []


def test_test_email_validates_the_body(api: Api) -> None:
    admin = api.admin()
    body = smtp_body(70000)
    response = api.request("POST", "/api/admin/notifications/test-email", admin, json=body)
    assert response.status_code == 400
    (message,) = response.json()["message"]
    assert message.startswith("transport.port must not be greater than 65535")
    no_transport = api.request("POST", "/api/admin/notifications/test-email", admin, json={**body, "transport": 1})
    assert no_transport.json()["message"] == ["nested property transport must be either object or array"]


def test_template_previews_use_sample_values(api: Api) -> None:
    admin = api.admin()
    samples = {
        "welcome": ["John Doe", "john@doe.com", "thisIsAPassword123", "https://my.immich.app/auth/login"],
        "album-invite": ["Jane Doe", "John Doe", "John Doe&#39;s Favorites", "https://my.immich.app/albums/1"],
        "album-update": ["Jane Doe", "Favorite Photos", "https://my.immich.app/albums/1"],
    }
    for name, expected in samples.items():
        response = api.request("POST", f"/api/admin/notifications/templates/{name}", admin, json={"template": ""})
        assert response.status_code == 200
        body = response.json()
        assert body["name"] == name and body["html"].startswith("<!DOCTYPE html>")
        for text in expected:
            assert text in body["html"], (name, text)


def test_template_preview_substitutes_a_custom_template(api: Api) -> None:
    admin = api.admin()
    template = "<p>Hi {recipientName}, {senderName} shared <b>{albumName}</b> ({unknown})</p>"
    response = api.request(
        "POST", "/api/admin/notifications/templates/album-invite", admin, json={"template": template}
    )
    html = response.json()["html"]
    assert "<p>Hi Jane Doe, John Doe shared <b>John Doe&#x27;s Favorites</b> ({unknown})</p>" in html
    assert "has added you to the album" not in html


def test_template_preview_falls_back_to_the_saved_template(api: Api, container: Container) -> None:
    admin = api.admin()
    with container.unit_of_work() as uow:
        Repositories(uow).system_metadata.set(
            "system-config",
            {
                "server": {"externalDomain": "https://photos.example"},
                "templates": {"email": {"welcomeTemplate": "Welcome {displayName} to {baseUrl}"}},
            },
        )
    saved = api.request("POST", "/api/admin/notifications/templates/welcome", admin, json={"template": ""})
    assert "Welcome John Doe to https://photos.example" in saved.json()["html"]
    given = api.request(
        "POST", "/api/admin/notifications/templates/welcome", admin, json={"template": "Hey {username}"}
    )
    assert "Hey john@doe.com" in given.json()["html"] and "Welcome John Doe" not in given.json()["html"]


def test_template_preview_of_an_unknown_name_is_empty(api: Api) -> None:
    admin = api.admin()
    response = api.request("POST", "/api/admin/notifications/templates/nope", admin, json={"template": ""})
    assert response.status_code == 200 and response.json() == {"name": "nope", "html": ""}
    missing = api.request("POST", "/api/admin/notifications/templates/welcome", admin, json={})
    assert missing.status_code == 400 and missing.json()["message"] == ["template should not be empty"]
