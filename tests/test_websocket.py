"""Socket.IO at /api/socket.io with a real client against a real server: version on connect, events per room."""

from __future__ import annotations

import queue
import time
import uuid
from collections.abc import Iterator
from typing import Any
from uuid import UUID

import httpx
import pytest
import socketio

from photonest.container import Container
from photonest.crypto import hash_password
from photonest.records import Auth
from photonest.repositories import Repositories
from photonest.schemas import generated as g
from photonest.services.notification_admin import NotificationAdminService

TIMEOUT = 10.0


@pytest.fixture
def base_url(live_server: str) -> str:
    return live_server


@pytest.fixture
def http(base_url: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=base_url, timeout=TIMEOUT) as client:
        yield client


class Listener:
    """A Socket.IO client that records every event it receives."""

    def __init__(self, base_url: str, token: str) -> None:
        self.events: queue.Queue[tuple[str, Any]] = queue.Queue()
        self.client = socketio.Client(reconnection=False)
        self.client.on("*", lambda name, data=None: self.events.put((name, data)))
        self.client.connect(
            base_url,
            headers={"Authorization": f"Bearer {token}"},
            transports=["websocket"],
            socketio_path="api/socket.io",
            wait_timeout=TIMEOUT,
        )

    def next(self, name: str) -> Any:
        """The data of the next event with this name (other events are skipped)."""
        deadline = time.monotonic() + TIMEOUT
        while True:
            event, data = self.events.get(timeout=max(0.0, deadline - time.monotonic()))
            if event == name:
                return data

    def received(self, name: str, wait: float = 0.5) -> list[Any]:
        """Every event with this name that arrives within `wait` seconds."""
        found = []
        deadline = time.monotonic() + wait
        while (left := deadline - time.monotonic()) > 0:
            try:
                event, data = self.events.get(timeout=left)
            except queue.Empty:
                break
            if event == name:
                found.append(data)
        return found

    def close(self) -> None:
        self.client.disconnect()


@pytest.fixture
def listeners() -> Iterator[list[Listener]]:
    opened: list[Listener] = []
    yield opened
    for listener in opened:
        listener.close()


def login(http: httpx.Client, email: str, password: str = "password") -> dict[str, Any]:
    response = http.post("/api/auth/login", json={"email": email, "password": password})
    assert response.status_code == 201, response.text
    return response.json()  # type: ignore[no-any-return]


def sign_up_admin(http: httpx.Client) -> dict[str, Any]:
    body = {"email": "admin@immich.cloud", "password": "password", "name": "Admin"}
    assert http.post("/api/auth/admin-sign-up", json=body).status_code == 201
    return login(http, "admin@immich.cloud")


def make_user(container: Container, http: httpx.Client) -> dict[str, Any]:
    email = f"{uuid.uuid4().hex[:10]}@immich.cloud"
    with container.unit_of_work() as uow:
        Repositories(uow).users.create({"email": email, "name": "Other", "password": hash_password("password")})
    return login(http, email)


def bearer(login_response: dict[str, Any]) -> dict[str, str]:
    return {"Authorization": f"Bearer {login_response['accessToken']}"}


def test_connect_sends_the_server_version(base_url: str, http: httpx.Client, listeners: list[Listener]) -> None:
    admin = sign_up_admin(http)
    listener = Listener(base_url, admin["accessToken"])
    listeners.append(listener)
    assert listener.next("on_server_version") == {"major": 1, "minor": 134, "patch": 0}


def test_connect_without_credentials_is_refused(base_url: str) -> None:
    client = socketio.Client(reconnection=False)
    with pytest.raises(socketio.exceptions.ConnectionError):
        client.connect(base_url, transports=["websocket"], socketio_path="api/socket.io", wait_timeout=TIMEOUT)


def test_session_delete_reaches_only_that_session(base_url: str, http: httpx.Client, listeners: list[Listener]) -> None:
    admin = sign_up_admin(http)
    device = login(http, "admin@immich.cloud")
    kept = Listener(base_url, admin["accessToken"])
    doomed = Listener(base_url, device["accessToken"])
    listeners.extend([kept, doomed])
    sessions = http.get("/api/sessions", headers=bearer(device)).json()
    (device_id,) = [s["id"] for s in sessions if s["current"]]

    assert http.delete(f"/api/sessions/{device_id}", headers=bearer(admin)).status_code == 204

    assert doomed.next("on_session_delete") == device_id
    assert kept.received("on_session_delete") == []


def test_notification_is_pushed_to_its_user_after_the_commit(
    container: Container, base_url: str, http: httpx.Client, listeners: list[Listener]
) -> None:
    admin = sign_up_admin(http)
    user = make_user(container, http)
    recipient = Listener(base_url, user["accessToken"])
    bystander = Listener(base_url, admin["accessToken"])
    listeners.extend([recipient, bystander])

    body = {"userId": user["userId"], "title": "Hello", "level": "success"}
    created = http.post("/api/admin/notifications", json=body, headers=bearer(admin))
    assert created.status_code == 201

    pushed = recipient.next("on_notification")
    assert pushed == created.json()
    # Delivered after the commit: the notification is already readable when the event arrives.
    assert http.get(f"/api/notifications/{pushed['id']}", headers=bearer(user)).status_code == 200
    assert bystander.received("on_notification") == []


def test_events_of_a_rolled_back_transaction_are_never_sent(
    container: Container, base_url: str, http: httpx.Client, listeners: list[Listener]
) -> None:
    admin = sign_up_admin(http)
    listener = Listener(base_url, admin["accessToken"])
    listeners.append(listener)
    listener.next("on_server_version")
    dto = g.NotificationCreateDto(user_id=UUID(admin["userId"]), title="Draft")

    with pytest.raises(RuntimeError), container.unit_of_work() as uow:
        service = NotificationAdminService(container.context(uow))
        service.create(admin_auth(container, admin["userId"]), dto)
        raise RuntimeError("the request failed after the service emitted")
    assert listener.received("on_notification") == []
    assert http.get("/api/notifications", headers=bearer(admin)).json() == []

    with container.unit_of_work() as uow:
        created = NotificationAdminService(container.context(uow)).create(admin_auth(container, admin["userId"]), dto)
    assert listener.next("on_notification")["id"] == created.id


def admin_auth(container: Container, user_id: str) -> Auth:
    with container.unit_of_work() as uow:
        user = Repositories(uow).users.get(UUID(user_id))
    assert user is not None
    return Auth(user=user)
