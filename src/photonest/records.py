"""Rows as frozen dataclasses: what repositories return and services work with."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Self
from uuid import UUID

from sqlalchemy import Row


class Record:
    """Base for records built from rows whose column names match the fields."""

    @classmethod
    def from_row(cls, row: Row[Any]) -> Self:
        mapping = row._mapping
        names = {f.name for f in dataclasses.fields(cls)}  # type: ignore[arg-type]
        return cls(**{k: v for k, v in mapping.items() if k in names})


@dataclass(frozen=True)
class User(Record):
    id: UUID
    email: str
    name: str
    password: str
    pin_code: str | None
    is_admin: bool
    should_change_password: bool
    avatar_color: str | None
    profile_image_path: str
    profile_changed_at: datetime
    storage_label: str | None
    oauth_id: str
    quota_size_in_bytes: int | None
    quota_usage_in_bytes: int
    status: str
    created_at: datetime
    updated_at: datetime
    deleted_at: datetime | None


@dataclass(frozen=True)
class Session(Record):
    id: UUID
    user_id: UUID
    parent_id: UUID | None
    device_type: str
    device_os: str
    created_at: datetime
    updated_at: datetime
    expires_at: datetime | None
    pin_expires_at: datetime | None


@dataclass(frozen=True)
class ApiKey(Record):
    id: UUID
    name: str
    user_id: UUID
    permissions: list[str]
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True)
class Notification(Record):
    id: UUID
    user_id: UUID | None
    level: str
    type: str
    title: str
    description: str | None
    data: Any
    read_at: datetime | None
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True)
class Partner(Record):
    shared_by_id: UUID
    shared_with_id: UUID
    in_timeline: bool
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True)
class VersionHistory(Record):
    id: UUID
    version: str
    created_at: datetime


@dataclass(frozen=True)
class AuthSharedLink:
    """The shared link a request was authenticated with."""

    id: UUID
    user_id: UUID
    album_id: UUID | None
    allow_upload: bool
    allow_download: bool
    show_exif: bool


@dataclass(frozen=True)
class Auth:
    """Who is calling and through which credential."""

    user: User
    session: Session | None = None
    api_key: ApiKey | None = None
    shared_link: AuthSharedLink | None = None

    @property
    def user_id(self) -> UUID:
        return self.user.id

    @property
    def hides_metadata(self) -> bool:
        """The caller holds a shared link that hides names, paths, dates and EXIF (`showMetadata: false`)."""
        return self.shared_link is not None and not self.shared_link.show_exif

    @property
    def has_elevated_permission(self) -> bool:
        """A session unlocked with the PIN code and not yet expired."""
        from photonest.db.types import utcnow

        pin = self.session.pin_expires_at if self.session else None
        return pin is not None and pin > utcnow()


@dataclass(frozen=True)
class Asset(Record):
    id: UUID
    owner_id: UUID
    device_asset_id: str
    device_id: str
    type: str
    original_path: str
    original_file_name: str
    file_created_at: datetime
    file_modified_at: datetime
    local_date_time: datetime
    is_favorite: bool
    duration: str | None
    encoded_video_path: str | None
    checksum: bytes
    live_photo_video_id: UUID | None
    sidecar_path: str | None
    thumbhash: bytes | None
    is_offline: bool
    library_id: UUID | None
    is_external: bool
    deleted_at: datetime | None
    stack_id: UUID | None
    duplicate_id: UUID | None
    status: str
    visibility: str
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True)
class AssetFile(Record):
    id: UUID
    asset_id: UUID
    type: str
    path: str


@dataclass(frozen=True)
class Job(Record):
    id: int
    queue: str
    name: str
    data: dict[str, Any]
    status: str
    priority: int
    attempts: int
    max_attempts: int
    run_at: datetime
    job_key: str | None
    created_at: datetime


@dataclass(frozen=True)
class Album(Record):
    id: UUID
    owner_id: UUID
    album_name: str
    description: str
    album_thumbnail_asset_id: UUID | None
    is_activity_enabled: bool
    order: str
    created_at: datetime
    updated_at: datetime
    deleted_at: datetime | None


@dataclass(frozen=True)
class AlbumUser(Record):
    album_id: UUID
    user_id: UUID
    role: str
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True)
class SharedLink(Record):
    id: UUID
    user_id: UUID
    key: bytes
    type: str
    description: str | None
    password: str | None
    album_id: UUID | None
    expires_at: datetime | None
    allow_upload: bool
    allow_download: bool
    show_exif: bool
    created_at: datetime


@dataclass(frozen=True)
class Activity(Record):
    id: UUID
    album_id: UUID
    user_id: UUID
    asset_id: UUID | None
    comment: str | None
    is_liked: bool
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True)
class Memory(Record):
    id: UUID
    owner_id: UUID
    type: str
    data: dict[str, Any]
    is_saved: bool
    memory_at: datetime
    seen_at: datetime | None
    show_at: datetime | None
    hide_at: datetime | None
    created_at: datetime
    updated_at: datetime
    deleted_at: datetime | None


@dataclass(frozen=True)
class Person(Record):
    id: UUID
    owner_id: UUID
    name: str
    thumbnail_path: str
    is_hidden: bool
    birth_date: date | None
    face_asset_id: UUID | None
    is_favorite: bool
    color: str | None
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True)
class AssetFace(Record):
    id: UUID
    asset_id: UUID
    person_id: UUID | None
    image_width: int
    image_height: int
    bounding_box_x1: int
    bounding_box_y1: int
    bounding_box_x2: int
    bounding_box_y2: int
    source_type: str
    deleted_at: datetime | None


@dataclass(frozen=True)
class Library(Record):
    id: UUID
    name: str
    owner_id: UUID
    import_paths: list[str]
    exclusion_patterns: list[str]
    created_at: datetime
    updated_at: datetime
    deleted_at: datetime | None
    refreshed_at: datetime | None


@dataclass(frozen=True)
class Move(Record):
    """A file move in progress (upstream `move_history`)."""

    id: UUID
    entity_id: UUID
    path_type: str
    old_path: str
    new_path: str


@dataclass(frozen=True)
class StorageAsset(Record):
    """What the storage template reads of an asset (upstream `StorageAsset`): paths, name, date, zone, size."""

    id: UUID
    owner_id: UUID
    type: str
    checksum: bytes
    original_path: str
    is_external: bool
    sidecar_path: str | None
    original_file_name: str
    live_photo_video_id: UUID | None
    file_created_at: datetime
    time_zone: str | None
    file_size_in_byte: int | None
