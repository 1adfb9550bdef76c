"""The object graph, built once per process: engine, event bus, storage layout."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Engine

from photonest import IMMICH_API_VERSION
from photonest.config.env import Settings
from photonest.db import migrate
from photonest.db.engine import create_db_engine
from photonest.db.unit_of_work import UnitOfWork
from photonest.events.bus import EventBus
from photonest.media.toolkit import MediaToolkit, local_toolkit
from photonest.ml.protocols import MachineLearning
from photonest.ml.toolkit import local_machine_learning
from photonest.repositories import Repositories
from photonest.services.base import ServiceContext
from photonest.services.system_config import SystemConfigService
from photonest.storage.layout import StorageLayout


@dataclass
class Container:
    """Long-lived collaborators shared by every request and job."""

    settings: Settings
    engine: Engine
    bus: EventBus = field(default_factory=EventBus)
    storage: StorageLayout = field(init=False)
    file_config: dict[str, Any] | None = field(init=False, default=None)
    media: MediaToolkit | None = None
    ml: MachineLearning | None = None

    def __post_init__(self) -> None:
        self.storage = StorageLayout(self.settings.media_location)
        if self.settings.config_file is not None:
            self.file_config = json.loads(self.settings.config_file.read_text())

    def unit_of_work(self) -> UnitOfWork:
        return UnitOfWork(self.engine)

    def context(self, uow: UnitOfWork, *, with_media: bool = False) -> ServiceContext:
        """The services' world for one unit of work; jobs get the media tools too."""
        return ServiceContext(
            repos=Repositories(uow),
            settings=self.settings,
            bus=self.bus,
            storage=self.storage,
            file_config=self.file_config,
            media=self.media_toolkit() if with_media else self.media,
            ml=self.machine_learning(),
        )

    def media_toolkit(self) -> MediaToolkit:
        """The media tools, made on first use: workers call this before running jobs; the API never needs them."""
        if self.media is None:
            self.media = local_toolkit()
        return self.media

    def machine_learning(self) -> MachineLearning:
        """The ML adapters; models load on first use, so building them is cheap."""
        if self.ml is None:
            self.ml = local_machine_learning(self.settings)
        return self.ml

    def start(self, *, run_migrations: bool = True) -> None:
        """Prepare folders and schema and record the running version."""
        self.storage.ensure_folders()
        if run_migrations:
            migrate.upgrade(self.engine)
        with self.unit_of_work() as uow:
            # An invalid IMMICH_CONFIG_FILE stops the start, as upstream does.
            SystemConfigService(self.context(uow)).check_config_file()
            history = Repositories(uow).version_history
            latest = history.latest()
            if latest is None or latest.version != IMMICH_API_VERSION:
                history.add(IMMICH_API_VERSION)

    def close(self) -> None:
        self.engine.dispose()


def build_container(settings: Settings, engine: Engine | None = None) -> Container:
    return Container(settings=settings, engine=engine or create_db_engine(settings.database_url))
