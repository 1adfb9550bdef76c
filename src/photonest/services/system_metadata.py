"""Admin onboarding and the reverse-geocoding and version-check states (`system-metadata.service.ts`)."""

from __future__ import annotations

from typing import Any

from photonest.repositories.system_metadata import SystemMetadataKey
from photonest.schemas import generated as g
from photonest.services.base import BaseService


class SystemMetadataService(BaseService):
    """Small server-wide state records kept in `system_metadata`."""

    def get_admin_onboarding(self) -> g.AdminOnboardingUpdateDto:
        return g.AdminOnboardingUpdateDto(is_onboarded=self.is_onboarded())

    def update_admin_onboarding(self, dto: g.AdminOnboardingUpdateDto) -> None:
        self.repos.system_metadata.set(SystemMetadataKey.ADMIN_ONBOARDING, {"isOnboarded": dto.is_onboarded})

    def get_reverse_geocoding_state(self) -> g.ReverseGeocodingStateResponseDto:
        state = self._state(SystemMetadataKey.REVERSE_GEOCODING_STATE)
        return g.ReverseGeocodingStateResponseDto(
            last_update=state.get("lastUpdate"), last_import_file_name=state.get("lastImportFileName")
        )

    def get_version_check_state(self) -> g.VersionCheckStateResponseDto:
        state = self._state(SystemMetadataKey.VERSION_CHECK_STATE)
        return g.VersionCheckStateResponseDto(
            checked_at=state.get("checkedAt"), release_version=state.get("releaseVersion")
        )

    def is_onboarded(self) -> bool:
        # Upstream marks the admin as onboarded at start-up when a config file is in use (`ServerService.onBootstrap`).
        if self.ctx.file_config is not None:
            return True
        return bool(self._state(SystemMetadataKey.ADMIN_ONBOARDING).get("isOnboarded", False))

    def _state(self, key: SystemMetadataKey) -> dict[str, Any]:
        value = self.repos.system_metadata.get(key)
        return value if isinstance(value, dict) else {}
