"""Users: listing, the caller's own account, preferences, license and profile image (`user.service.ts`)."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any
from uuid import UUID

from photonest.config.system_config import merge
from photonest.crypto import hash_password
from photonest.db.types import utcnow
from photonest.errors import BadRequest, NotFound
from photonest.jobs.names import JobStatus
from photonest.licenses import CLIENT_PUBLIC_KEY, SERVER_PUBLIC_KEY, is_valid_license
from photonest.records import Auth, User
from photonest.repositories import Repositories
from photonest.schemas import generated as g
from photonest.schemas import requests as r
from photonest.schemas.mappers import map_user, map_user_admin
from photonest.services.base import BaseService
from photonest.storage.files import ServedFile, StoredFile, remove_file

PREFERENCES_KEY = "preferences"
LICENSE_KEY = "license"

LICENSE_PUBLIC_KEYS = (CLIENT_PUBLIC_KEY, SERVER_PUBLIC_KEY)

# The extensions upstream accepts for profile images (`mime-types.ts` `profile`), with the type they are served as.
PROFILE_IMAGE_TYPES = {
    ".avif": "image/avif",
    ".dng": "image/x-adobe-dng",
    ".heic": "image/heic",
    ".heif": "image/heif",
    ".jpeg": "image/jpeg",
    ".jpg": "image/jpeg",
    ".png": "image/png",
    ".svg": "image/svg+xml",
    ".webp": "image/webp",
}
# Express's `sendFile` default, which upstream's `CacheControl.None` leaves in place.
PROFILE_IMAGE_CACHE_CONTROL = "public, max-age=0"
# An SVG opened directly must not run scripts in the server's origin.
_SVG_HEADERS = {"Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; sandbox"}


def default_preferences() -> dict[str, Any]:
    """Upstream's defaults (`utils/preferences.ts`), in wire form."""
    return {
        "folders": {"enabled": False, "sidebarWeb": False},
        "memories": {"enabled": True},
        "people": {"enabled": True, "sidebarWeb": False},
        "sharedLinks": {"enabled": True, "sidebarWeb": False},
        "ratings": {"enabled": False},
        "tags": {"enabled": False, "sidebarWeb": False},
        "emailNotifications": {"enabled": True, "albumInvite": True, "albumUpdate": True},
        "download": {"archiveSize": 4 * 1024**3, "includeEmbeddedVideos": False},
        # `new Date(2022, 1, 12)` on a server running in UTC.
        "purchase": {"showSupportBadge": True, "hideBuyButtonUntil": "2022-02-12T00:00:00.000Z"},
    }


def preferences_partial(preferences: dict[str, Any], defaults: dict[str, Any] | None = None) -> dict[str, Any]:
    """What differs from the defaults: the part that is stored (known keys only, empty values dropped)."""
    defaults = default_preferences() if defaults is None else defaults
    partial: dict[str, Any] = {}
    for key, default in defaults.items():
        value = preferences.get(key)
        if isinstance(default, dict):
            nested = preferences_partial(value if isinstance(value, dict) else {}, default)
            if nested:
                partial[key] = nested
        elif value not in (None, "") and value != default:
            partial[key] = value
    return partial


def user_admin_view(repos: Repositories, user: User) -> g.UserAdminResponseDto:
    """The admin view of a user, with their license."""
    return map_user_admin(user, repos.users.get_metadata(user.id, LICENSE_KEY))


class PreferencesMixin(BaseService):
    """Reading and writing a user's preferences, stored as a diff against the defaults."""

    def read_preferences(self, user_id: UUID) -> g.UserPreferencesResponseDto:
        stored = self.repos.users.get_metadata(user_id, PREFERENCES_KEY) or {}
        return g.UserPreferencesResponseDto.model_validate(merge(default_preferences(), stored))

    def write_preferences(self, user_id: UUID, dto: g.UserPreferencesUpdateDto) -> g.UserPreferencesResponseDto:
        stored = self.repos.users.get_metadata(user_id, PREFERENCES_KEY) or {}
        # `avatar` is still accepted but the colour now lives on the user (PUT /users/me).
        changes = dto.model_dump(by_alias=True, exclude_unset=True, exclude_none=True, exclude={"avatar"})
        updated = merge(merge(default_preferences(), stored), changes)
        self.repos.users.set_metadata(user_id, PREFERENCES_KEY, preferences_partial(updated))
        return g.UserPreferencesResponseDto.model_validate(updated)


class UserService(PreferencesMixin):
    """What any signed-in user may do with users and with their own account."""

    def search(self, auth: Auth) -> list[g.UserResponseDto]:
        if auth.user.is_admin or self.get_config()["server"]["publicUsers"]:
            return [map_user(user) for user in self.repos.users.list_all()]
        me = self.repos.users.get(auth.user_id)
        return [map_user(me)] if me else []

    def get(self, user_id: UUID) -> g.UserResponseDto:
        return map_user(self._find(user_id))

    def get_me(self, auth: Auth) -> g.UserAdminResponseDto:
        return user_admin_view(self.repos, self._find(auth.user_id))

    def update_me(self, auth: Auth, dto: r.UserUpdateMeDto) -> g.UserAdminResponseDto:
        if dto.email:
            duplicate = self.repos.users.get_by_email(dto.email, with_deleted=True)
            if duplicate and duplicate.id != auth.user_id:
                raise BadRequest("Email already in use by another account")
        changes: dict[str, Any] = {"updated_at": utcnow()}
        if dto.email is not None:
            changes["email"] = dto.email
        if dto.name is not None:
            changes["name"] = dto.name
        if "avatar_color" in dto.model_fields_set:
            changes["avatar_color"] = dto.avatar_color.value if dto.avatar_color else None
        if dto.password:
            changes["password"] = hash_password(dto.password)
            changes["should_change_password"] = False
        return user_admin_view(self.repos, self.repos.users.update(auth.user_id, changes))

    def get_my_preferences(self, auth: Auth) -> g.UserPreferencesResponseDto:
        return self.read_preferences(auth.user_id)

    def update_my_preferences(self, auth: Auth, dto: g.UserPreferencesUpdateDto) -> g.UserPreferencesResponseDto:
        return self.write_preferences(auth.user_id, dto)

    def get_license(self, auth: Auth) -> r.LicenseResponseDto:
        stored = self.repos.users.get_metadata(auth.user_id, LICENSE_KEY)
        if not stored:
            raise NotFound()
        return r.LicenseResponseDto.model_validate(stored)

    def set_license(self, auth: Auth, dto: r.LicenseKeyDto) -> r.LicenseResponseDto:
        if not dto.license_key.startswith(("IMCL-", "IMSV-")):
            raise BadRequest("Invalid license key")
        if not is_valid_license(dto.license_key, dto.activation_key, LICENSE_PUBLIC_KEYS):
            raise BadRequest("Invalid license key")
        activated = r.LicenseResponseDto(
            license_key=dto.license_key, activation_key=dto.activation_key, activated_at=utcnow()
        )
        self.repos.users.set_metadata(auth.user_id, LICENSE_KEY, activated.model_dump(mode="json", by_alias=True))
        return activated

    def delete_license(self, auth: Auth) -> None:
        self.repos.users.delete_metadata(auth.user_id, LICENSE_KEY)

    def profile_image_target(self, auth: Auth, filename: str) -> Path:
        """Where an uploaded profile image goes; 400 unless its extension is one upstream accepts."""
        extension = Path(filename).suffix.lower()
        if extension not in PROFILE_IMAGE_TYPES:
            raise BadRequest(f"Unsupported file type {filename}")
        return self.ctx.storage.profile_image_path(auth.user_id, f"{uuid.uuid4()}{extension}")

    def create_profile_image(self, auth: Auth, file: StoredFile) -> g.CreateProfileImageResponseDto:
        old_path = self._find(auth.user_id).profile_image_path
        user = self.repos.users.update(
            auth.user_id, {"profile_image_path": str(file.path), "profile_changed_at": utcnow()}
        )
        if old_path:
            self._remove_after_commit(old_path)
        return g.CreateProfileImageResponseDto(
            user_id=str(user.id), profile_image_path=user.profile_image_path, profile_changed_at=user.profile_changed_at
        )

    def delete_profile_image(self, auth: Auth) -> None:
        user = self._find(auth.user_id)
        if not user.profile_image_path:
            raise BadRequest("Can't delete a missing profile Image")
        self.repos.users.update(user.id, {"profile_image_path": "", "profile_changed_at": utcnow()})
        self._remove_after_commit(user.profile_image_path)

    def get_profile_image(self, user_id: UUID) -> ServedFile:
        user = self._find(user_id)
        path = Path(user.profile_image_path)
        if not user.profile_image_path or not path.is_file():
            raise NotFound("User does not have a profile image")
        extension = path.suffix.lower()
        return ServedFile(
            path=path,
            content_type=PROFILE_IMAGE_TYPES.get(extension, "image/jpeg"),
            cache_control=PROFILE_IMAGE_CACHE_CONTROL,
            headers=_SVG_HEADERS if extension == ".svg" else {},
        )

    def sync_usage(self) -> JobStatus:
        """Recount every user's quota usage from their assets (the nightly `user-sync-usage` job)."""
        self.repos.users.sync_usage_all()
        return JobStatus.SUCCESS

    def _remove_after_commit(self, path: str) -> None:
        root = self.ctx.storage.root
        self.after_commit(lambda: remove_file(path, root))

    def _find(self, user_id: UUID) -> User:
        user = self.repos.users.get(user_id)
        if user is None:
            raise BadRequest("User not found")
        return user
