"""Server information: version, features, public config, storage, statistics, license (`server.service.ts`)."""

from __future__ import annotations

import shutil
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

from photonest import IMMICH_API_VERSION
from photonest.db.types import utcnow
from photonest.errors import BadRequest, NotFound
from photonest.licenses import INVALID_LICENSE, SERVER_PUBLIC_KEY, is_valid_license
from photonest.media import mime_types
from photonest.media.tool_versions import tool_versions
from photonest.repositories.system_metadata import SystemMetadataKey
from photonest.schemas import generated as g
from photonest.schemas import requests as r
from photonest.schemas.types import to_iso
from photonest.services.base import BaseService
from photonest.services.smart_info import SmartInfoService, duplicate_detection_enabled
from photonest.services.system_config import SystemConfigService
from photonest.services.system_metadata import SystemMetadataService
from photonest.storage.layout import StorageFolder

SERVER_LICENSE_PUBLIC_KEY = SERVER_PUBLIC_KEY
SERVER_LICENSE_PREFIX = "IMSV-"
RELEASES_URL = "https://github.com/immich-app/immich/releases/tag/"
_UNITS = ("B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB")


def js_fixed(value: float, digits: int) -> Decimal:
    """`Number.prototype.toFixed`: the exact binary value rounded half away from zero."""
    return Decimal(value).quantize(Decimal(1).scaleb(-digits), rounding=ROUND_HALF_UP)


def as_human_readable(size: int, precision: int = 1) -> str:
    """Bytes as upstream's `asHumanReadable` writes them, e.g. "41.3 GiB" or "512 B"."""
    magnitude, remainder = 0, float(size)
    while remainder >= 1024 and magnitude + 1 < len(_UNITS):
        magnitude += 1
        remainder /= 1024
    return f"{js_fixed(remainder, 0 if magnitude == 0 else precision)} {_UNITS[magnitude]}"


class ServerService(BaseService):
    """What the server tells clients about itself."""

    def ping(self) -> g.ServerPingResponse:
        return g.ServerPingResponse(res="pong")

    def get_version(self) -> g.ServerVersionResponseDto:
        major, minor, patch = (int(part) for part in IMMICH_API_VERSION.split("."))
        return g.ServerVersionResponseDto(major=major, minor=minor, patch=patch)

    def get_version_history(self) -> list[g.ServerVersionHistoryResponseDto]:
        return [
            g.ServerVersionHistoryResponseDto(id=str(row.id), created_at=row.created_at, version=row.version)
            for row in self.repos.version_history.list_all()
        ]

    def get_features(self) -> g.ServerFeaturesDto:
        config = self.get_config()
        smart_info = SmartInfoService(self.ctx)
        return g.ServerFeaturesDto(
            # Smart search and duplicates only when the CLIP model is in the model folder or an ML URL answers.
            smart_search=smart_info.is_available(config),
            facial_recognition=bool(
                config["machineLearning"]["enabled"] and config["machineLearning"]["facialRecognition"]["enabled"]
            ),
            duplicate_detection=duplicate_detection_enabled(config) and smart_info.is_available(config),
            map=config["map"]["enabled"],
            reverse_geocoding=config["reverseGeocoding"]["enabled"],
            import_faces=config["metadata"]["faces"]["import"],
            sidecar=True,
            search=True,
            trash=config["trash"]["enabled"],
            # OAuth login is not implemented: advertising it would show a login button that cannot work.
            oauth=False,
            oauth_auto_launch=False,
            password_login=config["passwordLogin"]["enabled"],
            config_file=self.ctx.file_config is not None,
            email=config["notifications"]["smtp"]["enabled"],
        )

    def get_server_config(self) -> g.ServerConfigDto:
        config = SystemConfigService(self.ctx).get_system_config()
        return g.ServerConfigDto(
            login_page_message=config["server"]["loginPageMessage"],
            trash_days=config["trash"]["days"],
            user_delete_delay=config["user"]["deleteDelay"],
            oauth_button_text=config["oauth"]["buttonText"],
            is_initialized=self.repos.users.has_admin(),
            is_onboarded=SystemMetadataService(self.ctx).is_onboarded(),
            external_domain=config["server"]["externalDomain"],
            public_users=config["server"]["publicUsers"],
            map_dark_style_url=config["map"]["darkStyle"],
            map_light_style_url=config["map"]["lightStyle"],
        )

    def get_theme(self) -> g.ServerThemeDto:
        return g.ServerThemeDto(custom_css=self.get_config()["theme"]["customCss"])

    def get_media_types(self) -> g.ServerMediaTypesResponseDto:
        return g.ServerMediaTypesResponseDto(
            video=list(mime_types.VIDEO), image=list(mime_types.IMAGE), sidecar=list(mime_types.SIDECAR)
        )

    def get_about(self) -> g.ServerAboutResponseDto:
        version = f"v{IMMICH_API_VERSION}"
        licensed = self.repos.system_metadata.get(SystemMetadataKey.LICENSE) is not None
        return g.ServerAboutResponseDto.model_validate(
            {
                "version": version,
                "versionUrl": RELEASES_URL + version,
                "licensed": licensed,
                **self.settings.build_metadata,
                **tool_versions(),
            }
        )

    def get_storage(self) -> g.ServerStorageResponseDto:
        usage = shutil.disk_usage(self._library_folder())
        # shutil's `free` is what an unprivileged writer may use (statfs bavail); `used` counts reserved blocks too.
        percentage = float(js_fixed(usage.used / usage.total * 100, 2)) if usage.total else 0.0
        return g.ServerStorageResponseDto(
            disk_available=as_human_readable(usage.free),
            disk_size=as_human_readable(usage.total),
            disk_use=as_human_readable(usage.used),
            disk_available_raw=usage.free,
            disk_size_raw=usage.total,
            disk_use_raw=usage.used,
            disk_usage_percentage=percentage,
        )

    def get_statistics(self) -> g.ServerStatsResponseDto:
        usage = self.repos.assets.usage_by_user()
        rows = []
        for user in self.repos.users.list_all():
            stats = usage.get(user.id)
            photos, videos = (stats.photos, stats.videos) if stats else (0, 0)
            usage_photos, usage_videos = (stats.usage_photos, stats.usage_videos) if stats else (0, 0)
            rows.append(
                g.UsageByUserDto(
                    user_id=str(user.id),
                    user_name=user.name,
                    photos=photos,
                    videos=videos,
                    usage=usage_photos + usage_videos,
                    usage_photos=usage_photos,
                    usage_videos=usage_videos,
                    quota_size_in_bytes=user.quota_size_in_bytes,
                )
            )
        return g.ServerStatsResponseDto(
            photos=sum(row.photos for row in rows),
            videos=sum(row.videos for row in rows),
            usage=sum(row.usage for row in rows),
            usage_photos=sum(row.usage_photos for row in rows),
            usage_videos=sum(row.usage_videos for row in rows),
            usage_by_user=rows,
        )

    def get_version_check(self) -> g.VersionCheckStateResponseDto:
        return SystemMetadataService(self.ctx).get_version_check_state()

    def get_license(self) -> r.LicenseResponseDto:
        stored = self.repos.system_metadata.get(SystemMetadataKey.LICENSE)
        if not stored:
            raise NotFound()
        return r.LicenseResponseDto.model_validate(stored)

    def set_license(self, dto: r.LicenseKeyDto) -> r.LicenseResponseDto:
        if not dto.license_key.startswith(SERVER_LICENSE_PREFIX):
            raise BadRequest(INVALID_LICENSE)
        if not is_valid_license(dto.license_key, dto.activation_key, [SERVER_LICENSE_PUBLIC_KEY]):
            raise BadRequest(INVALID_LICENSE)
        stored = {"licenseKey": dto.license_key, "activationKey": dto.activation_key, "activatedAt": to_iso(utcnow())}
        self.repos.system_metadata.set(SystemMetadataKey.LICENSE, stored)
        return r.LicenseResponseDto.model_validate(stored)

    def delete_license(self) -> None:
        self.repos.system_metadata.delete(SystemMetadataKey.LICENSE)

    def _library_folder(self) -> Path:
        # Upstream measures the library folder: the disk that holds the originals it organises.
        folder = self.ctx.storage.folder(StorageFolder.LIBRARY)
        return folder if folder.is_dir() else self.ctx.storage.root
