"""Fixtures: a migrated database (SQLite, or PostgreSQL when PHOTONEST_TEST_PG_URL is set) and an ASGI client."""

from __future__ import annotations

import os
import socket
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import uvicorn
from fastapi.testclient import TestClient
from sqlalchemy import Engine, create_engine, text

from photonest import crypto
from photonest.app import create_app
from photonest.config.env import Settings
from photonest.container import Container, build_container
from photonest.db import migrate
from photonest.db.engine import create_db_engine
from photonest.db.tables import metadata
from tests.factories import Api

PG_URL = os.environ.get("PHOTONEST_TEST_PG_URL", "")

# Real bcrypt, fewer rounds: the suite hashes hundreds of passwords.
crypto.BCRYPT_ROUNDS = 4


def pytest_report_header() -> str:
    return f"photonest database: {'postgresql ' + PG_URL if PG_URL else 'sqlite'}"


@pytest.fixture(scope="session")
def engine(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    """One migrated database per test run, emptied between tests."""
    if PG_URL:
        name = f"photonest_test_{uuid.uuid4().hex[:10]}"
        admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        url = admin.url.set(database=name).render_as_string(hide_password=False)
        db = create_db_engine(url)
        migrate.upgrade(db)
        yield db
        db.dispose()
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
        admin.dispose()
    else:
        db = create_db_engine(f"sqlite:///{tmp_path_factory.mktemp('db') / 'photonest.db'}")
        migrate.upgrade(db)
        yield db
        db.dispose()


@pytest.fixture
def clean_engine(engine: Engine) -> Engine:
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            names = ", ".join(f'"{t.name}"' for t in metadata.sorted_tables)
            conn.execute(text(f"TRUNCATE {names} CASCADE"))
        else:
            for table in reversed(metadata.sorted_tables):
                conn.execute(table.delete())
    return engine


@pytest.fixture
def media(tmp_path: Path) -> Path:
    path = tmp_path / "media"
    path.mkdir()
    return path


@pytest.fixture
def settings(media: Path) -> Settings:
    return Settings(media_location=media, machine_learning_enabled=False)


@pytest.fixture
def container(settings: Settings, clean_engine: Engine) -> Container:
    return build_container(settings, clean_engine)


@pytest.fixture
def client(container: Container) -> Iterator[TestClient]:
    app = create_app(container.settings, container, run_migrations=False)
    with TestClient(app, raise_server_exceptions=False) as test_client:
        yield test_client


@pytest.fixture
def api(client: TestClient) -> Api:
    return Api(client)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def live_server(container: Container) -> Iterator[str]:
    """The whole app served by uvicorn on a free local port; yields its origin, e.g. http://127.0.0.1:41234."""
    port = _free_port()
    app = create_app(container.settings, container, run_migrations=False)
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        assert thread.is_alive() and time.monotonic() < deadline, "server did not start"
        time.sleep(0.02)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(10)
