"""What every service shares: repositories, settings, configuration and events."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from photonest.config.env import Settings
from photonest.config.system_config import ConfigDict, build_config
from photonest.events.bus import ClientEvent, EventBus
from photonest.jobs.names import JOB_QUEUE, JobName
from photonest.media.toolkit import MediaToolkit
from photonest.ml.protocols import MachineLearning
from photonest.repositories import Repositories
from photonest.storage.layout import StorageLayout

SYSTEM_CONFIG_KEY = "system-config"


@dataclass(frozen=True)
class ServiceContext:
    """The per-request (or per-job) world a service works in."""

    repos: Repositories
    settings: Settings
    bus: EventBus
    storage: StorageLayout
    file_config: ConfigDict | None = None
    media: MediaToolkit | None = None
    ml: MachineLearning | None = None


class BaseService:
    """Base class: gives services their context and the shared helpers."""

    def __init__(self, ctx: ServiceContext) -> None:
        self.ctx = ctx
        self.repos = ctx.repos
        self.settings = ctx.settings

    def get_config(self) -> ConfigDict:
        """The effective system config: defaults, then the config file or the admin's overrides."""
        overrides = self.ctx.file_config
        if overrides is None:
            overrides = self.repos.system_metadata.get(SYSTEM_CONFIG_KEY) or {}
        return build_config(self.settings, overrides if isinstance(overrides, dict) else None)

    def emit(self, name: str, room: str | None, *payload: Any) -> None:
        """Send a client event once the current transaction has committed."""
        event = ClientEvent(name, room, payload)
        # Kept in the same transaction for the other processes (job workers, more servers) to deliver as well.
        self.repos.event_relay.append(self.ctx.bus.origin, event)
        self.repos.uow.after_commit(lambda: self.ctx.bus.publish(event))

    def queue_job(self, name: JobName, data: dict[str, Any] | None = None, **options: Any) -> None:
        """Queue a job in the current transaction: it exists only if the transaction commits."""
        self.repos.jobs.enqueue(JOB_QUEUE[name].value, name.value, data or {}, **options)
        self.repos.uow.after_commit(self.ctx.bus.jobs_queued)

    @property
    def media(self) -> MediaToolkit:
        """The media tools; only workers have them."""
        if self.ctx.media is None:
            raise RuntimeError("Media tools are not available in this context")
        return self.ctx.media

    @property
    def ml(self) -> MachineLearning:
        """The machine-learning adapters."""
        if self.ctx.ml is None:
            raise RuntimeError("Machine learning is not available in this context")
        return self.ctx.ml

    def release_transaction(self) -> None:
        """End the reads before slow file work so no database lock is held during it (see UnitOfWork.release)."""
        self.repos.uow.release()

    def after_commit(self, action: Any) -> None:
        self.repos.uow.after_commit(action)
