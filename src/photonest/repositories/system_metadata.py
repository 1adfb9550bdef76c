"""Server-wide key/value state (config overrides, onboarding, version check, license)."""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from sqlalchemy import delete, select

from photonest.db.tables import system_metadata
from photonest.repositories.base import Repository


class SystemMetadataKey(StrEnum):
    """The keys upstream stores in `system_metadata` (`SystemMetadataKey` in `server/src/enum.ts`)."""

    REVERSE_GEOCODING_STATE = "reverse-geocoding-state"
    FACIAL_RECOGNITION_STATE = "facial-recognition-state"
    MEMORIES_STATE = "memories-state"
    ADMIN_ONBOARDING = "admin-onboarding"
    SYSTEM_CONFIG = "system-config"
    SYSTEM_FLAGS = "system-flags"
    VERSION_CHECK_STATE = "version-check-state"
    LICENSE = "license"


class SystemMetadataRepository(Repository):
    """SQL for the `system_metadata` table."""

    def get(self, key: str) -> Any:
        return self.execute(select(system_metadata.c.value).where(system_metadata.c.key == key)).scalar()

    def set(self, key: str, value: Any) -> None:
        statement = self.upsert(system_metadata).values(key=key, value=value)
        self.execute(statement.on_conflict_do_update(index_elements=["key"], set_={"value": value}))

    def delete(self, key: str) -> None:
        self.execute(delete(system_metadata).where(system_metadata.c.key == key))
