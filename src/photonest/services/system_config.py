"""The admin-editable configuration: read, defaults, update, storage-template options (`system-config.service.ts`)."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from pydantic import ValidationError

from photonest.config.env import ConfigFileError
from photonest.config.system_config import (
    STORAGE_PRESETS,
    STORAGE_TOKENS,
    ConfigDict,
    build_config,
    config_errors,
    default_config,
    diff,
    is_valid_cron,
    merge,
    storage_template_error,
)
from photonest.errors import BadRequest
from photonest.repositories.system_metadata import SystemMetadataKey
from photonest.schemas import generated as g
from photonest.schemas import requests as r
from photonest.schemas.types import js_numbers
from photonest.services.base import BaseService

log = logging.getLogger(__name__)

CONFIG_FILE_IN_USE = "Cannot update configuration while IMMICH_CONFIG_FILE is in use"
CONFIG_UPDATE_EVENT = "on_config_update"


class SystemConfigService(BaseService):
    """Reads and changes the configuration stored as overrides of upstream's defaults."""

    def get_system_config(self) -> ConfigDict:
        """The effective configuration: defaults, then the config file or the stored overrides."""
        return js_numbers(build_config(self.settings, self._overrides()))  # type: ignore[no-any-return]

    def get_defaults(self) -> ConfigDict:
        return default_config(self.settings)

    def update_system_config(self, dto: r.SystemConfigDto) -> ConfigDict:
        """`PUT /system-config`: the whole document, validated as upstream's DTO, then stored as overrides."""
        new_config = config_from_dto(dto)
        errors = config_errors(new_config)
        if errors:
            raise BadRequest(errors)
        return self.update_config(new_config)

    def update_config(self, new_config: ConfigDict) -> ConfigDict:
        """Store a complete configuration (as its difference from the defaults) and tell the clients.

        Other services (the admin commands, for one) change settings through here so that the same checks
        run and the same event goes out.
        """
        if self.ctx.file_config is not None:
            raise BadRequest(CONFIG_FILE_IN_USE)
        problem = config_problem(new_config)
        if problem:
            log.warning("Unable to save system config due to a validation error: %s", problem)
            raise BadRequest(problem)
        self.repos.system_metadata.set(SystemMetadataKey.SYSTEM_CONFIG, diff(self.get_defaults(), new_config))
        self.emit(CONFIG_UPDATE_EVENT, None)
        return self.get_system_config()

    def patch_config(self, changes: Mapping[str, Any]) -> ConfigDict:
        """Change some settings, e.g. `{"passwordLogin": {"enabled": False}}`, keeping the others."""
        return self.update_config(merge(self.get_system_config(), dict(changes)))

    def get_storage_template_options(self) -> g.SystemConfigTemplateStorageOptionDto:
        return g.SystemConfigTemplateStorageOptionDto.model_validate(
            {**STORAGE_TOKENS, "presetOptions": STORAGE_PRESETS}
        )

    def check_config_file(self) -> None:
        """Raise ConfigFileError when the config file gives an invalid configuration (upstream refuses to start)."""
        if self.ctx.file_config is None:
            return
        config = build_config(self.settings, self.ctx.file_config)
        try:
            errors = config_errors(config_from_dto(r.SystemConfigDto.model_validate(config)))
        except ValidationError as error:
            errors = [f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in error.errors()]
        if errors:
            raise ConfigFileError(f"Invalid value(s) in file: {'; '.join(errors)}")

    def _overrides(self) -> ConfigDict | None:
        if self.ctx.file_config is not None:
            return self.ctx.file_config
        stored = self.repos.system_metadata.get(SystemMetadataKey.SYSTEM_CONFIG)
        return stored if isinstance(stored, dict) else None


def config_from_dto(dto: r.SystemConfigDto) -> ConfigDict:
    """The request body as a plain config document, with numbers as JavaScript would hold them."""
    config: ConfigDict = js_numbers(dto.model_dump(mode="json", by_alias=True))
    ml = config["machineLearning"]
    # Upstream maps the deprecated single `url` onto `urls` and never stores it (`@Exclude()` + `@Transform`).
    url = ml.pop("url", None)
    if url:
        ml["urls"] = [url]
    return config


def config_problem(config: ConfigDict) -> str | None:
    """What the services listening to upstream's `config.validate` event would refuse, as their message."""
    scan = config["library"]["scan"]["cronExpression"]
    if not is_valid_cron(scan):
        return f"Invalid cron expression {scan}"
    template_error = storage_template_error(config["storageTemplate"]["template"])
    if template_error:
        return f"Invalid storage template: {template_error}"
    return None
