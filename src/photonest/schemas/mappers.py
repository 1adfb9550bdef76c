"""Records to response models, as upstream's map* functions do."""

from __future__ import annotations

from typing import Any

from photonest.records import ApiKey, User
from photonest.schemas import generated as g

AVATAR_COLORS = [c for c in g.UserAvatarColor]


def avatar_color(user: User) -> g.UserAvatarColor:
    """The user's chosen colour, or one derived from the email as upstream does."""
    if user.avatar_color:
        return g.UserAvatarColor(user.avatar_color)
    return AVATAR_COLORS[sum(ord(c) for c in user.email) % len(AVATAR_COLORS)]


def map_user(user: User) -> g.UserResponseDto:
    return g.UserResponseDto(
        id=str(user.id),
        email=user.email,
        name=user.name,
        profile_image_path=user.profile_image_path,
        avatar_color=avatar_color(user),
        profile_changed_at=user.profile_changed_at,
    )


def map_user_admin(user: User, license: dict[str, Any] | None = None) -> g.UserAdminResponseDto:
    return g.UserAdminResponseDto(
        **map_user(user).model_dump(),
        storage_label=user.storage_label,
        should_change_password=user.should_change_password,
        is_admin=user.is_admin,
        created_at=user.created_at,
        deleted_at=user.deleted_at,
        updated_at=user.updated_at,
        oauth_id=user.oauth_id,
        quota_size_in_bytes=user.quota_size_in_bytes,
        quota_usage_in_bytes=user.quota_usage_in_bytes,
        status=g.UserStatus(user.status),
        license=g.UserLicense.model_validate(license) if license else None,
    )


def map_api_key(key: ApiKey) -> g.APIKeyResponseDto:
    return g.APIKeyResponseDto(
        id=str(key.id),
        name=key.name,
        created_at=key.created_at,
        updated_at=key.updated_at,
        permissions=[g.Permission(p) for p in key.permissions],
    )
