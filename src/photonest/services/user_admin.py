"""Users as the admin manages them: create, update, delete, restore, statistics (`user-admin.service.ts`)."""

from __future__ import annotations

import logging
import re
from datetime import timedelta
from pathlib import Path
from typing import Any
from uuid import UUID

from photonest.crypto import hash_password
from photonest.db.types import utcnow
from photonest.errors import BadRequest, Forbidden
from photonest.records import User
from photonest.schemas import generated as g
from photonest.schemas import requests as r
from photonest.services.user import PreferencesMixin, user_admin_view
from photonest.storage.files import remove_tree
from photonest.storage.layout import StorageFolder

log = logging.getLogger(__name__)

# The folders upstream's user deletion removes (`user.service.ts` `handleUserDelete`), besides the library folder.
USER_FOLDERS = (StorageFolder.UPLOAD, StorageFolder.PROFILE, StorageFolder.THUMBNAILS, StorageFolder.ENCODED_VIDEO)

# The npm `sanitize-filename` rules upstream applies to storage labels, which become folder names.
_ILLEGAL = re.compile(r'[/?<>\\:*|"\x00-\x1f\x80-\x9f]')
_RESERVED = re.compile(r"^\.+$")
_WINDOWS_RESERVED = re.compile(r"^(con|prn|aux|nul|com\d|lpt\d)(\..*)?$", re.IGNORECASE)
_WINDOWS_TRAILING = re.compile(r"[. ]+$")


def sanitize_storage_label(label: str) -> str | None:
    """Upstream's `sanitize(label.replaceAll('.', ''))`; an empty result means no label."""
    cleaned = label.replace(".", "")
    for pattern in (_ILLEGAL, _RESERVED, _WINDOWS_RESERVED, _WINDOWS_TRAILING):
        cleaned = pattern.sub("", cleaned)
    cleaned = cleaned.encode()[:255].decode(errors="ignore")
    return cleaned or None


class UserAdminService(PreferencesMixin):
    """Admin-only user management."""

    def search(self, user_id: UUID | None, with_deleted: bool | None) -> list[g.UserAdminResponseDto]:
        ids = [user_id] if user_id else None
        users = self.repos.users.list_all(with_deleted=bool(with_deleted), ids=ids)
        return [user_admin_view(self.repos, user) for user in users]

    def create(self, dto: r.UserAdminCreateDto) -> g.UserAdminResponseDto:
        if self.repos.users.get_by_email(dto.email, with_deleted=True):
            raise BadRequest("User exists")
        if not self.repos.users.has_admin():
            raise BadRequest("The first registered account must the administrator.")
        label = sanitize_storage_label(dto.storage_label) if dto.storage_label else None
        self._check_storage_label(label, None)
        values: dict[str, Any] = {
            "email": dto.email,
            "name": dto.name,
            "password": hash_password(dto.password),
            "storage_label": label,
            "quota_size_in_bytes": dto.quota_size_in_bytes,
            "avatar_color": dto.avatar_color.value if dto.avatar_color else None,
        }
        if dto.should_change_password is not None:
            values["should_change_password"] = dto.should_change_password
        return user_admin_view(self.repos, self.repos.users.create(values))

    def get(self, user_id: UUID) -> g.UserAdminResponseDto:
        return user_admin_view(self.repos, self._find(user_id, with_deleted=True))

    def update(self, user_id: UUID, dto: r.UserAdminUpdateDto) -> g.UserAdminResponseDto:
        user = self._find(user_id)
        given = dto.model_fields_set
        if dto.quota_size_in_bytes and dto.quota_size_in_bytes != user.quota_size_in_bytes:
            self.repos.users.sync_usage(user_id)
        if dto.email:
            duplicate = self.repos.users.get_by_email(dto.email, with_deleted=True)
            if duplicate and duplicate.id != user_id:
                raise BadRequest("Email already in use by another account")
        label = sanitize_storage_label(dto.storage_label) if dto.storage_label else None
        self._check_storage_label(label, user_id)
        changes: dict[str, Any] = {"updated_at": utcnow()}
        for name in ("email", "name", "should_change_password"):
            if getattr(dto, name) is not None:
                changes[name] = getattr(dto, name)
        if dto.password:
            changes["password"] = hash_password(dto.password)
        if "pin_code" in given:
            changes["pin_code"] = hash_password(dto.pin_code) if dto.pin_code else None
        if "storage_label" in given:
            changes["storage_label"] = label
        if "quota_size_in_bytes" in given:
            changes["quota_size_in_bytes"] = dto.quota_size_in_bytes
        if "avatar_color" in given:
            changes["avatar_color"] = dto.avatar_color.value if dto.avatar_color else None
        return user_admin_view(self.repos, self.repos.users.update(user_id, changes))

    def delete(self, user_id: UUID, dto: g.UserAdminDeleteDto) -> g.UserAdminResponseDto:
        if self._find(user_id).is_admin:
            raise Forbidden("Cannot delete admin user")
        status = g.UserStatus.REMOVING if dto.force else g.UserStatus.DELETED
        user = self.repos.users.update(user_id, {"status": status.value, "deleted_at": utcnow()})
        answer = user_admin_view(self.repos, user)
        if dto.force:
            self._remove_user(user)
        return answer

    def restore(self, user_id: UUID) -> g.UserAdminResponseDto:
        self._find(user_id, with_deleted=True)
        user = self.repos.users.update(
            user_id, {"deleted_at": None, "status": g.UserStatus.ACTIVE.value, "updated_at": utcnow()}
        )
        return user_admin_view(self.repos, user)

    def get_statistics(
        self, user_id: UUID, is_favorite: bool | None, is_trashed: bool | None, visibility: g.AssetVisibility | None
    ) -> g.AssetStatsResponseDto:
        counts = self.repos.assets.statistics(
            user_id, is_favorite=is_favorite, is_trashed=is_trashed, visibility=visibility.value if visibility else None
        )
        return g.AssetStatsResponseDto(images=counts.images, videos=counts.videos, total=counts.images + counts.videos)

    def get_preferences(self, user_id: UUID) -> g.UserPreferencesResponseDto:
        self._find(user_id, with_deleted=True)
        return self.read_preferences(user_id)

    def update_preferences(self, user_id: UUID, dto: g.UserPreferencesUpdateDto) -> g.UserPreferencesResponseDto:
        self._find(user_id)
        return self.write_preferences(user_id, dto)

    def purge_deleted_users(self) -> None:
        """Remove the users deleted longer ago than `user.deleteDelay` days, with their files."""
        delay = self.get_config()["user"]["deleteDelay"]
        for user in self.repos.users.list_deleted_before(utcnow() - timedelta(days=delay)):
            self._remove_user(user)

    def _remove_user(self, user: User) -> None:
        """Delete the row now and the user's folders once that is committed, then tell the clients."""
        log.warning("Removing user %s", user.id)
        self.repos.users.delete(user.id)
        folders = self._folders_of(user)
        root = self.ctx.storage.root
        self.after_commit(lambda: [remove_tree(folder, root) for folder in folders])
        # Upstream broadcasts this to every client once the deletion job has run.
        self.emit("on_user_delete", None, str(user.id))

    def _folders_of(self, user: User) -> list[Path]:
        storage = self.ctx.storage
        library = storage.user_folder(StorageFolder.LIBRARY, user.storage_label or user.id)
        return [library, *(storage.user_folder(folder, user.id) for folder in USER_FOLDERS)]

    def _check_storage_label(self, label: str | None, user_id: UUID | None) -> None:
        if not label:
            return
        duplicate = self.repos.users.get_by_storage_label(label)
        if duplicate and duplicate.id != user_id:
            raise BadRequest("Storage label already in use by another account")

    def _find(self, user_id: UUID, *, with_deleted: bool = False) -> User:
        user = self.repos.users.get(user_id, with_deleted=with_deleted)
        if user is None:
            raise BadRequest("User not found")
        return user
