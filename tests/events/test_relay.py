"""Client events across processes: what one process emits, the others deliver to their own clients and listeners."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from contextlib import nullcontext
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, insert, select

from photonest.config.env import Settings
from photonest.container import Container, build_container
from photonest.db.tables import event_relay
from photonest.db.types import utcnow
from photonest.events.bus import ClientEvent
from photonest.events.relay import EventRelay
from photonest.jobs.names import JOB_QUEUE, JobName
from photonest.services.base import BaseService
from tests.factories import Api, make_asset
from tests.jobs.helpers import enqueue, wait_for

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def other(settings: Settings, clean_engine: Engine) -> Container:
    """A second process on the same database: its own bus, so its own origin."""
    return build_container(settings, clean_engine)


def heard(container: Container) -> list[ClientEvent]:
    events: list[ClientEvent] = []
    container.bus.subscribe(events.append)
    return events


def emit(container: Container, name: str, room: str | None, *payload: object, fail: bool = False) -> None:
    """Emit in a transaction of its own, which fails after the emit when `fail`."""
    with pytest.raises(RuntimeError) if fail else nullcontext(), container.unit_of_work() as uow:
        BaseService(container.context(uow)).emit(name, room, *payload)
        if fail:
            raise RuntimeError("the transaction fails")


def test_another_process_delivers_what_this_one_emitted(container: Container, other: Container) -> None:
    relay, own_relay = EventRelay(other), EventRelay(container)
    events, own = heard(other), heard(container)
    emit(container, "on_upload_success", "user-1", {"id": "asset-1", "type": "IMAGE"})
    assert own == [ClientEvent("on_upload_success", "user-1", ({"id": "asset-1", "type": "IMAGE"},))]
    assert relay.tick() == 1
    assert events == [ClientEvent("on_upload_success", "user-1", ({"id": "asset-1", "type": "IMAGE"},))]
    # Neither twice in the other process nor a second time in the emitting one.
    assert relay.tick() == 0
    assert own_relay.tick() == 0
    assert len(own) == 1


def test_an_event_of_a_rolled_back_transaction_goes_nowhere(container: Container, other: Container) -> None:
    relay = EventRelay(other)
    events = heard(other)
    emit(container, "on_asset_delete", "user-1", "asset-1", fail=True)
    assert relay.tick() == 0 and events == []


def test_a_relay_starts_with_what_comes_after_it(container: Container, other: Container) -> None:
    emit(container, "on_asset_delete", "user-1", "old")
    relay = EventRelay(other)
    events = heard(other)
    emit(container, "on_asset_delete", "user-1", "new")
    assert relay.tick() == 1
    assert [event.payload for event in events] == [("new",)]


def test_an_event_committed_after_a_newer_one_is_still_delivered(container: Container, other: Container) -> None:
    relay = EventRelay(other)
    events = heard(other)
    emit(container, "on_asset_delete", "user-1", "first")
    with container.engine.begin() as connection:
        first = connection.execute(select(func.max(event_relay.c.id))).scalar_one()
    row = {"origin": "elsewhere", "name": "on_asset_delete", "room": "user-1"}
    with container.engine.begin() as connection:
        connection.execute(insert(event_relay), {**row, "id": first + 2, "payload": ["third"]})
    assert relay.tick() == 2
    # The id in between was taken by a transaction that commits only now.
    with container.engine.begin() as connection:
        connection.execute(insert(event_relay), {**row, "id": first + 1, "payload": ["second"]})
    assert relay.tick() == 1
    assert [event.payload for event in events] == [("first",), ("third",), ("second",)]


def test_old_events_are_pruned(container: Container, other: Container) -> None:
    old = {"origin": "elsewhere", "name": "on_asset_delete", "room": None, "payload": ["x"]}
    with container.engine.begin() as connection:
        connection.execute(insert(event_relay), {**old, "created_at": utcnow() - timedelta(hours=1)})
    emit(container, "on_asset_delete", "user-1", "recent")
    EventRelay(other).tick()
    with container.engine.begin() as connection:
        assert connection.execute(select(event_relay.c.payload)).scalars().all() == [["recent"]]


def test_a_separate_worker_process_reaches_the_servers_listeners(
    container: Container, api: Api, clean_engine: Engine, tmp_path: Path
) -> None:
    """A real `photonest worker` deletes an asset; the server's own relay brings `on_asset_delete` to its bus."""
    owner = api.admin()  # the app is running, with its relay
    asset = make_asset(container, owner)
    events = heard(container)
    media = tmp_path / "worker-media"
    media.mkdir()
    env = os.environ | {
        "DB_URL": clean_engine.url.render_as_string(hide_password=False),
        "IMMICH_MEDIA_LOCATION": str(media),
        "IMMICH_MACHINE_LEARNING_ENABLED": "false",
        "IMMICH_LOG_LEVEL": "warn",
    }
    worker = subprocess.Popen([sys.executable, "-m", "photonest", "worker"], cwd=ROOT, env=env)
    try:
        enqueue(container, JOB_QUEUE[JobName.ASSET_DELETION].value, JobName.ASSET_DELETION.value, {"id": str(asset.id)})
        wait_for(lambda: any(event.name == "on_asset_delete" for event in events), 30, "the worker's event")
        time.sleep(1)  # several relay polls: it must not come twice
    finally:
        worker.terminate()
        worker.wait(15)
    assert [event for event in events if event.name == "on_asset_delete"] == [
        ClientEvent("on_asset_delete", str(owner.id), (str(asset.id),))
    ]


def test_a_failing_poll_is_retried_less_and_less_often(container: Container, monkeypatch: pytest.MonkeyPatch) -> None:
    relay = EventRelay(container)
    waits: list[float] = []

    class Stop:
        def wait(self, delay: float) -> bool:
            waits.append(delay)
            return len(waits) > 6

    def broken() -> int:
        raise OSError("the database is away")

    monkeypatch.setattr(relay, "tick", broken)
    relay.run(Stop(), poll=1.0)  # type: ignore[arg-type]
    assert waits == [1.0, 2.0, 4.0, 5.0, 5.0, 5.0, 5.0]
