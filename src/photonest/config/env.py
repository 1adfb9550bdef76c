"""Process settings read once from upstream's environment variable names and validated at start."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

LOG_LEVELS = ("verbose", "debug", "log", "warn", "error", "fatal")
WORKER_TYPES = ("api", "microservices")


class SettingsError(ValueError):
    """A setting that cannot be used; the message names the variable and what is wrong."""


class ConfigFileError(ValueError):
    """The IMMICH_CONFIG_FILE document does not describe a valid configuration."""


@dataclass(frozen=True)
class Settings:
    """Everything the process needs to know about its environment."""

    host: str = "0.0.0.0"
    port: int = 2283
    media_location: Path = Path("./data")
    db_url: str = ""
    log_level: str = "log"
    machine_learning_enabled: bool = True
    machine_learning_url: str = "http://immich-machine-learning:3003"
    # Immich-layout model folders (`clip/<name>/…`, `facial-recognition/<name>/…`); default `<media>/models`.
    model_folder: Path | None = None
    config_file: Path | None = None
    workers: tuple[str, ...] = WORKER_TYPES
    # HTTP server processes of `photonest serve`; with more than one, the job workers get a process of their own.
    api_processes: int = 1
    trusted_proxies: tuple[str, ...] = ()
    build_metadata: Mapping[str, str] = field(default_factory=dict)

    @property
    def database_url(self) -> str:
        """The SQLAlchemy URL, with the SQLite default under the media folder."""
        return self.db_url or f"sqlite:///{self.media_location / 'photonest.db'}"

    @property
    def models(self) -> Path:
        """The folder holding the local ML models."""
        return self.model_folder or self.media_location / "models"

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")


_BUILD_VARS = {
    "build": "IMMICH_BUILD",
    "buildUrl": "IMMICH_BUILD_URL",
    "buildImage": "IMMICH_BUILD_IMAGE",
    "buildImageUrl": "IMMICH_BUILD_IMAGE_URL",
    "repository": "IMMICH_REPOSITORY",
    "repositoryUrl": "IMMICH_REPOSITORY_URL",
    "sourceRef": "IMMICH_SOURCE_REF",
    "sourceCommit": "IMMICH_SOURCE_COMMIT",
    "sourceUrl": "IMMICH_SOURCE_URL",
}


def load_settings(environ: Mapping[str, str] | None = None) -> Settings:
    """Read and validate the settings; raise SettingsError naming the variable at fault."""
    env = os.environ if environ is None else environ
    port = _int(env, "IMMICH_PORT", 2283, 1, 65535)
    log_level = env.get("IMMICH_LOG_LEVEL", "log").strip().lower() or "log"
    if log_level not in LOG_LEVELS:
        raise SettingsError(f"IMMICH_LOG_LEVEL must be one of {', '.join(LOG_LEVELS)} (got {log_level!r})")
    media = Path(env.get("IMMICH_MEDIA_LOCATION", "./data") or "./data")
    if media.exists() and not media.is_dir():
        raise SettingsError(f"IMMICH_MEDIA_LOCATION {str(media)!r} exists and is not a directory")
    config_file = env.get("IMMICH_CONFIG_FILE") or None
    if config_file and not Path(config_file).is_file():
        raise SettingsError(f"IMMICH_CONFIG_FILE {config_file!r} is not a readable file")
    return Settings(
        host=env.get("IMMICH_HOST", "0.0.0.0") or "0.0.0.0",
        port=port,
        media_location=media,
        db_url=_database_url(env),
        log_level=log_level,
        machine_learning_enabled=env.get("IMMICH_MACHINE_LEARNING_ENABLED", "true").lower() != "false",
        machine_learning_url=env.get("IMMICH_MACHINE_LEARNING_URL", "http://immich-machine-learning:3003"),
        model_folder=Path(env["PHOTONEST_MODEL_FOLDER"]) if env.get("PHOTONEST_MODEL_FOLDER") else None,
        config_file=Path(config_file) if config_file else None,
        workers=_workers(env),
        api_processes=_int(env, "PHOTONEST_API_PROCESSES", 1, 1, 64),
        trusted_proxies=tuple(p.strip() for p in env.get("IMMICH_TRUSTED_PROXIES", "").split(",") if p.strip()),
        build_metadata={key: env[var] for key, var in _BUILD_VARS.items() if env.get(var)},
    )


def _int(env: Mapping[str, str], name: str, default: int, low: int, high: int) -> int:
    raw = env.get(name, "")
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise SettingsError(f"{name} must be an integer (got {raw!r})") from None
    if not low <= value <= high:
        raise SettingsError(f"{name} must be between {low} and {high} (got {value})")
    return value


def _database_url(env: Mapping[str, str]) -> str:
    url = env.get("DB_URL", "").strip()
    if url:
        if url.startswith(("postgres://", "postgresql://")):
            return "postgresql+psycopg://" + url.split("://", 1)[1]
        if url.startswith(("sqlite:", "postgresql+")):
            return url
        raise SettingsError(f"DB_URL must start with sqlite:/// or postgresql:// (got {url.split(':', 1)[0]!r}:...)")
    host = env.get("DB_HOSTNAME", "").strip()
    if not host:
        return ""
    port = _int(env, "DB_PORT", 5432, 1, 65535)
    user = quote(env.get("DB_USERNAME", "postgres"), safe="")
    password = quote(env.get("DB_PASSWORD", "postgres"), safe="")
    name = env.get("DB_DATABASE_NAME", "immich")
    return f"postgresql+psycopg://{user}:{password}@{host}:{port}/{name}"


def _workers(env: Mapping[str, str]) -> tuple[str, ...]:
    include = [w.strip() for w in env.get("IMMICH_WORKERS_INCLUDE", "").split(",") if w.strip()]
    exclude = {w.strip() for w in env.get("IMMICH_WORKERS_EXCLUDE", "").split(",") if w.strip()}
    for name in [*include, *exclude]:
        if name not in WORKER_TYPES:
            raise SettingsError(f"IMMICH_WORKERS_INCLUDE/EXCLUDE: unknown worker {name!r} (use api, microservices)")
    return tuple(w for w in (include or WORKER_TYPES) if w not in exclude)
