"""The `photonest` command line, run as a real process against a temporary database."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from photonest.config.env import Settings
from photonest.container import Container, build_container
from photonest.crypto import check_password
from photonest.repositories import Repositories
from tests.conftest import PG_URL


def run(media: Path, *args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "IMMICH_MEDIA_LOCATION": str(media), "IMMICH_LOG_LEVEL": "error"}
    env.pop("DB_URL", None)
    return subprocess.run(
        [sys.executable, "-m", "photonest", *args], capture_output=True, text=True, env=env, input=stdin, timeout=120
    )


@pytest.fixture
def data(tmp_path: Path) -> Path:
    return tmp_path / "data"


def test_version(data: Path) -> None:
    assert run(data, "version").stdout.strip() == "v1.134.0"


def test_openapi_prints_the_document(data: Path) -> None:
    document = json.loads(run(data, "openapi").stdout)
    assert document["paths"]["/server/ping"]["get"]["operationId"] == "pingServer"


def test_invalid_setting_stops_with_a_message(data: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "photonest", "migrate"],
        capture_output=True,
        text=True,
        env={**os.environ, "IMMICH_PORT": "nope", "IMMICH_MEDIA_LOCATION": str(data)},
        timeout=60,
    )
    assert result.returncode == 2 and "IMMICH_PORT must be an integer" in result.stderr


@pytest.mark.skipif(bool(PG_URL), reason="runs on the default SQLite database of a fresh data folder")
def test_admin_commands(data: Path) -> None:
    assert run(data, "migrate").returncode == 0
    assert (data / "photonest.db").is_file() and (data / "upload" / ".immich").is_file()
    assert run(data, "reset-admin-password", "--password", "x").returncode == 1  # no admin yet
    assert json.loads(run(data, "list-users").stdout) == []
    assert run(data, "disable-password-login").stdout.strip() == "Password login has been disabled."
    assert run(data, "enable-oauth-login").stdout.strip() == "OAuth login has been enabled."
    assert run(data, "disable-oauth-login").stdout.strip() == "OAuth login has been disabled."
    assert run(data, "enable-password-login").stdout.strip() == "Password login has been enabled."

    _sign_up_admin(data)
    users = json.loads(run(data, "list-users").stdout)
    assert [(u["email"], u["isAdmin"]) for u in users] == [("admin@immich.cloud", True)]
    assert run(data, "reset-admin-password", "--password", "new-secret").returncode == 0
    with _container(data).unit_of_work() as uow:
        admin = Repositories(uow).users.get_by_email("admin@immich.cloud")
        assert admin is not None and check_password("new-secret", admin.password)


def _container(data: Path) -> Container:
    return build_container(Settings(media_location=data))


def _sign_up_admin(data: Path) -> None:
    with _container(data).unit_of_work() as uow:
        repos = Repositories(uow)
        repos.users.create({"email": "admin@immich.cloud", "name": "Admin", "is_admin": True, "password": ""})


def test_invalid_config_file_stops_with_a_message(data: Path, tmp_path: Path) -> None:
    config = tmp_path / "config.json"
    config.write_text('{"ffmpeg": {"crf": 99}}')
    result = subprocess.run(
        [sys.executable, "-m", "photonest", "migrate"],
        capture_output=True,
        text=True,
        env={**os.environ, "IMMICH_CONFIG_FILE": str(config), "IMMICH_MEDIA_LOCATION": str(data)},
        timeout=60,
    )
    assert result.returncode == 2 and "crf" in result.stderr


def test_access_log_lines_lose_their_query_strings() -> None:
    import logging

    from photonest.__main__ import HideQueryStrings

    args = ("127.0.0.1:5000", "GET", "/api/assets/x/thumbnail?key=secret&password=pw", "1.1", 200)
    record = logging.LogRecord("uvicorn.access", logging.INFO, "", 0, '%s - "%s %s HTTP/%s" %d', args, None)
    assert HideQueryStrings().filter(record)
    assert record.getMessage() == '127.0.0.1:5000 - "GET /api/assets/x/thumbnail HTTP/1.1" 200'
