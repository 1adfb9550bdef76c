"""Process settings from upstream's environment variable names."""

from __future__ import annotations

from pathlib import Path

import pytest

from photonest.config.env import SettingsError, load_settings


def test_defaults_use_sqlite_under_the_media_folder() -> None:
    settings = load_settings({})
    assert settings.port == 2283 and settings.media_location == Path("./data")
    assert settings.database_url == "sqlite:///data/photonest.db" and settings.is_sqlite
    assert settings.workers == ("api", "microservices")


def test_database_from_db_url_or_parts() -> None:
    assert load_settings({"DB_URL": "postgres://u:p@h:5433/d"}).database_url == "postgresql+psycopg://u:p@h:5433/d"
    parts = load_settings(
        {"DB_HOSTNAME": "db", "DB_USERNAME": "immich", "DB_PASSWORD": "p@ss", "DB_DATABASE_NAME": "x"}
    )
    assert parts.database_url == "postgresql+psycopg://immich:p%40ss@db:5432/x"


@pytest.mark.parametrize(
    ("environ", "message"),
    [
        ({"IMMICH_PORT": "http"}, "IMMICH_PORT must be an integer"),
        ({"IMMICH_PORT": "70000"}, "IMMICH_PORT must be between 1 and 65535"),
        ({"IMMICH_LOG_LEVEL": "loud"}, "IMMICH_LOG_LEVEL must be one of"),
        ({"DB_URL": "mysql://x"}, "DB_URL must start with"),
        ({"IMMICH_WORKERS_INCLUDE": "gpu"}, "unknown worker 'gpu'"),
        ({"IMMICH_CONFIG_FILE": "/nonexistent.json"}, "IMMICH_CONFIG_FILE"),
    ],
)
def test_invalid_values_are_named(environ: dict[str, str], message: str) -> None:
    with pytest.raises(SettingsError, match=message):
        load_settings(environ)


def test_workers_include_and_exclude() -> None:
    assert load_settings({"IMMICH_WORKERS_EXCLUDE": "microservices"}).workers == ("api",)
    assert load_settings({"IMMICH_WORKERS_INCLUDE": "microservices"}).workers == ("microservices",)
