"""The schema: one Table per entity, singular snake_case names."""

from __future__ import annotations

import uuid

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    Uuid,
    text,
)

from photonest.db.types import Embedding, Json, UtcDateTime, utcnow

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)


def _id() -> Column[uuid.UUID]:
    return Column("id", Uuid, primary_key=True, default=uuid.uuid4)


def _created() -> Column[object]:
    return Column("created_at", UtcDateTime, nullable=False, default=utcnow)


def _updated() -> Column[object]:
    return Column("updated_at", UtcDateTime, nullable=False, default=utcnow, onupdate=utcnow)


def _user_fk(name: str = "user_id", nullable: bool = False) -> Column[uuid.UUID]:
    return Column(name, Uuid, ForeignKey("user.id", ondelete="CASCADE"), nullable=nullable, index=True)


user = Table(
    "user",
    metadata,
    _id(),
    Column("email", String, nullable=False, unique=True),
    Column("password", String, nullable=False, default=""),
    Column("pin_code", String, nullable=True),
    _created(),
    _updated(),
    Column("profile_image_path", String, nullable=False, default=""),
    Column("is_admin", Boolean, nullable=False, default=False),
    Column("should_change_password", Boolean, nullable=False, default=True),
    Column("avatar_color", String, nullable=True),
    Column("deleted_at", UtcDateTime, nullable=True),
    Column("oauth_id", String, nullable=False, default=""),
    Column("storage_label", String, nullable=True, unique=True),
    Column("name", String, nullable=False, default=""),
    Column("quota_size_in_bytes", BigInteger, nullable=True),
    Column("quota_usage_in_bytes", BigInteger, nullable=False, default=0),
    Column("status", String, nullable=False, default="active"),
    Column("profile_changed_at", UtcDateTime, nullable=False, default=utcnow),
)

session = Table(
    "session",
    metadata,
    _id(),
    Column("token", String, nullable=False, unique=True),
    _created(),
    _updated(),
    Column("expires_at", UtcDateTime, nullable=True),
    _user_fk(),
    Column("parent_id", Uuid, ForeignKey("session.id", ondelete="CASCADE"), nullable=True, index=True),
    Column("device_type", String, nullable=False, default=""),
    Column("device_os", String, nullable=False, default=""),
    Column("pin_expires_at", UtcDateTime, nullable=True),
)

api_key = Table(
    "api_key",
    metadata,
    _id(),
    Column("name", String, nullable=False),
    Column("key", String, nullable=False, unique=True),
    _user_fk(),
    _created(),
    _updated(),
    Column("permissions", Json, nullable=False),
)

system_metadata = Table(
    "system_metadata",
    metadata,
    Column("key", String, primary_key=True),
    Column("value", Json, nullable=False),
)

user_metadata = Table(
    "user_metadata",
    metadata,
    Column("user_id", Uuid, ForeignKey("user.id", ondelete="CASCADE"), primary_key=True),
    Column("key", String, primary_key=True),
    Column("value", Json, nullable=False),
)

notification = Table(
    "notification",
    metadata,
    _id(),
    _created(),
    _updated(),
    Column("deleted_at", UtcDateTime, nullable=True),
    _user_fk(nullable=True),
    Column("level", String, nullable=False, default="info"),
    Column("type", String, nullable=False, default="Custom"),
    Column("data", Json, nullable=True),
    Column("title", String, nullable=False),
    Column("description", Text, nullable=True),
    Column("read_at", UtcDateTime, nullable=True),
)

partner = Table(
    "partner",
    metadata,
    Column("shared_by_id", Uuid, ForeignKey("user.id", ondelete="CASCADE"), primary_key=True),
    Column("shared_with_id", Uuid, ForeignKey("user.id", ondelete="CASCADE"), primary_key=True, index=True),
    _created(),
    _updated(),
    Column("in_timeline", Boolean, nullable=False, default=False),
)

version_history = Table(
    "version_history",
    metadata,
    _id(),
    _created(),
    Column("version", String, nullable=False),
)

asset = Table(
    "asset",
    metadata,
    _id(),
    Column("device_asset_id", String, nullable=False),
    Column("owner_id", Uuid, ForeignKey("user.id", ondelete="CASCADE"), nullable=False),
    Column("device_id", String, nullable=False),
    Column("type", String, nullable=False),
    Column("original_path", String, nullable=False),
    Column("file_created_at", UtcDateTime, nullable=False),
    Column("file_modified_at", UtcDateTime, nullable=False),
    Column("local_date_time", UtcDateTime, nullable=False),
    Column("is_favorite", Boolean, nullable=False, default=False),
    Column("duration", String, nullable=True),
    Column("encoded_video_path", String, nullable=True, default=""),
    Column("checksum", LargeBinary, nullable=False),
    Column("live_photo_video_id", Uuid, ForeignKey("asset.id", ondelete="SET NULL"), nullable=True),
    _created(),
    _updated(),
    Column("original_file_name", String, nullable=False),
    Column("sidecar_path", String, nullable=True),
    Column("thumbhash", LargeBinary, nullable=True),
    Column("is_offline", Boolean, nullable=False, default=False),
    Column("library_id", Uuid, nullable=True),
    Column("is_external", Boolean, nullable=False, default=False),
    Column("deleted_at", UtcDateTime, nullable=True),
    Column("stack_id", Uuid, nullable=True),
    Column("duplicate_id", Uuid, nullable=True),
    Column("status", String, nullable=False, default="active"),
    Column("visibility", String, nullable=False, default="timeline"),
    UniqueConstraint("owner_id", "library_id", "checksum"),
    Index("ix_asset_owner_id_local_date_time", "owner_id", "local_date_time"),
    Index("ix_asset_owner_id_checksum", "owner_id", "checksum"),
    # NULL never conflicts in the constraint above, so uploads (no library) get their own unique index.
    Index(
        "uq_asset_owner_id_checksum",
        "owner_id",
        "checksum",
        unique=True,
        sqlite_where=text("library_id IS NULL"),
        postgresql_where=text("library_id IS NULL"),
    ),
    # Timeline filters; the per-dialect month expression indexes are created in migration 0004.
    Index("ix_asset_owner_id_duplicate_id", "owner_id", "duplicate_id"),
    # Search results come newest first by date taken.
    Index("ix_asset_owner_id_file_created_at", "owner_id", "file_created_at"),
    Index("ix_asset_library_id_original_path", "library_id", "original_path"),
    Index(
        "ix_asset_owner_id_visibility_deleted_at_local_date_time",
        "owner_id",
        "visibility",
        "deleted_at",
        "local_date_time",
    ),
)

asset_exif = Table(
    "asset_exif",
    metadata,
    Column("asset_id", Uuid, ForeignKey("asset.id", ondelete="CASCADE"), primary_key=True),
    Column("make", String, nullable=True),
    Column("model", String, nullable=True),
    Column("exif_image_width", Integer, nullable=True),
    Column("exif_image_height", Integer, nullable=True),
    Column("file_size_in_byte", BigInteger, nullable=True),
    Column("orientation", String, nullable=True),
    Column("date_time_original", UtcDateTime, nullable=True),
    Column("modify_date", UtcDateTime, nullable=True),
    Column("lens_model", String, nullable=True),
    Column("f_number", Float, nullable=True),
    Column("focal_length", Float, nullable=True),
    Column("iso", Integer, nullable=True),
    Column("latitude", Float, nullable=True),
    Column("longitude", Float, nullable=True),
    Column("city", String, nullable=True),
    Column("state", String, nullable=True),
    Column("country", String, nullable=True),
    Column("description", Text, nullable=False, default=""),
    Column("fps", Float, nullable=True),
    Column("exposure_time", String, nullable=True),
    Column("live_photo_cid", String, nullable=True),
    Column("time_zone", String, nullable=True),
    Column("projection_type", String, nullable=True),
    Column("profile_description", String, nullable=True),
    Column("colorspace", String, nullable=True),
    Column("bits_per_sample", Integer, nullable=True),
    Column("auto_stack_id", String, nullable=True),
    Column("rating", Integer, nullable=True),
    _updated(),
)

asset_file = Table(
    "asset_file",
    metadata,
    _id(),
    Column("asset_id", Uuid, ForeignKey("asset.id", ondelete="CASCADE"), nullable=False),
    Column("type", String, nullable=False),
    Column("path", String, nullable=False),
    _created(),
    _updated(),
    UniqueConstraint("asset_id", "type"),
)

asset_job_status = Table(
    "asset_job_status",
    metadata,
    Column("asset_id", Uuid, ForeignKey("asset.id", ondelete="CASCADE"), primary_key=True),
    Column("metadata_extracted_at", UtcDateTime, nullable=True),
    Column("preview_at", UtcDateTime, nullable=True),
    Column("thumbnail_at", UtcDateTime, nullable=True),
    Column("duplicates_detected_at", UtcDateTime, nullable=True),
    Column("faces_recognized_at", UtcDateTime, nullable=True),
)

# asset.stack_id refers to stack.id; the constraint is left out to avoid a cycle between the two tables.
stack = Table(
    "stack",
    metadata,
    _id(),
    Column("primary_asset_id", Uuid, ForeignKey("asset.id", ondelete="CASCADE"), nullable=False, unique=True),
    Column("owner_id", Uuid, ForeignKey("user.id", ondelete="CASCADE"), nullable=False, index=True),
    _created(),
    _updated(),
)

tag = Table(
    "tag",
    metadata,
    _id(),
    _user_fk(),
    Column("value", String, nullable=False),
    Column("color", String, nullable=True),
    Column("parent_id", Uuid, ForeignKey("tag.id", ondelete="CASCADE"), nullable=True, index=True),
    _created(),
    _updated(),
    UniqueConstraint("user_id", "value"),
)

tag_asset = Table(
    "tag_asset",
    metadata,
    Column("asset_id", Uuid, ForeignKey("asset.id", ondelete="CASCADE"), primary_key=True),
    Column("tag_id", Uuid, ForeignKey("tag.id", ondelete="CASCADE"), primary_key=True, index=True),
)

tag_closure = Table(
    "tag_closure",
    metadata,
    Column("ancestor_id", Uuid, ForeignKey("tag.id", ondelete="CASCADE"), primary_key=True),
    Column("descendant_id", Uuid, ForeignKey("tag.id", ondelete="CASCADE"), primary_key=True, index=True),
)

job = Table(
    "job",
    metadata,
    Column("id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True),
    Column("queue", String, nullable=False),
    Column("name", String, nullable=False),
    Column("data", Json, nullable=False),
    Column("status", String, nullable=False, default="waiting"),
    Column("priority", Integer, nullable=False, default=0),
    Column("attempts", Integer, nullable=False, default=0),
    Column("max_attempts", Integer, nullable=False, default=3),
    Column("run_at", UtcDateTime, nullable=False, default=utcnow),
    # Deduplicates jobs that must exist only once (upstream's BullMQ `jobId`); NULL for ordinary jobs.
    Column("job_key", String, nullable=True, unique=True),
    Column("locked_by", String, nullable=True),
    Column("locked_until", UtcDateTime, nullable=True),
    Column("error", Text, nullable=True),
    _created(),
    Column("started_at", UtcDateTime, nullable=True),
    Index("ix_job_claim", "queue", "status", "run_at"),
)

job_queue = Table(
    "job_queue",
    metadata,
    Column("name", String, primary_key=True),
    Column("is_paused", Boolean, nullable=False, default=False),
    Column("completed", BigInteger, nullable=False, default=0),
)

album = Table(
    "album",
    metadata,
    _id(),
    Column("owner_id", Uuid, ForeignKey("user.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("album_name", String, nullable=False, default="Untitled Album"),
    Column("description", Text, nullable=False, default=""),
    Column("album_thumbnail_asset_id", Uuid, ForeignKey("asset.id", ondelete="SET NULL"), nullable=True, index=True),
    Column("is_activity_enabled", Boolean, nullable=False, default=True),
    Column("order", String, nullable=False, default="desc"),
    _created(),
    _updated(),
    Column("deleted_at", UtcDateTime, nullable=True),
)

album_asset = Table(
    "album_asset",
    metadata,
    Column("album_id", Uuid, ForeignKey("album.id", ondelete="CASCADE"), primary_key=True),
    Column("asset_id", Uuid, ForeignKey("asset.id", ondelete="CASCADE"), primary_key=True, index=True),
    _created(),
)

album_user = Table(
    "album_user",
    metadata,
    Column("album_id", Uuid, ForeignKey("album.id", ondelete="CASCADE"), primary_key=True),
    Column("user_id", Uuid, ForeignKey("user.id", ondelete="CASCADE"), primary_key=True, index=True),
    Column("role", String, nullable=False, default="editor"),
    _created(),
    _updated(),
)

shared_link = Table(
    "shared_link",
    metadata,
    _id(),
    _user_fk(),
    Column("key", LargeBinary, nullable=False, unique=True),
    Column("type", String, nullable=False),
    Column("description", String, nullable=True),
    Column("password", String, nullable=True),
    Column("album_id", Uuid, ForeignKey("album.id", ondelete="CASCADE"), nullable=True, index=True),
    Column("expires_at", UtcDateTime, nullable=True),
    Column("allow_upload", Boolean, nullable=False, default=False),
    Column("allow_download", Boolean, nullable=False, default=True),
    Column("show_exif", Boolean, nullable=False, default=True),
    _created(),
)

shared_link_asset = Table(
    "shared_link_asset",
    metadata,
    Column("shared_link_id", Uuid, ForeignKey("shared_link.id", ondelete="CASCADE"), primary_key=True),
    Column("asset_id", Uuid, ForeignKey("asset.id", ondelete="CASCADE"), primary_key=True, index=True),
)

activity = Table(
    "activity",
    metadata,
    _id(),
    Column("album_id", Uuid, ForeignKey("album.id", ondelete="CASCADE"), nullable=False, index=True),
    _user_fk(),
    Column("asset_id", Uuid, ForeignKey("asset.id", ondelete="CASCADE"), nullable=True, index=True),
    Column("comment", Text, nullable=True),
    Column("is_liked", Boolean, nullable=False, default=False),
    _created(),
    _updated(),
    # One like per user, album and asset (upstream `IDX_activity_like`).
    Index(
        "uq_activity_like",
        "album_id",
        "user_id",
        "asset_id",
        unique=True,
        sqlite_where=text("is_liked"),
        postgresql_where=text("is_liked"),
    ),
)

memory = Table(
    "memory",
    metadata,
    _id(),
    Column("owner_id", Uuid, ForeignKey("user.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("type", String, nullable=False),
    Column("data", Json, nullable=False),
    Column("is_saved", Boolean, nullable=False, default=False),
    Column("memory_at", UtcDateTime, nullable=False),
    Column("seen_at", UtcDateTime, nullable=True),
    Column("show_at", UtcDateTime, nullable=True),
    Column("hide_at", UtcDateTime, nullable=True),
    _created(),
    _updated(),
    Column("deleted_at", UtcDateTime, nullable=True),
)

memory_asset = Table(
    "memory_asset",
    metadata,
    Column("memory_id", Uuid, ForeignKey("memory.id", ondelete="CASCADE"), primary_key=True),
    Column("asset_id", Uuid, ForeignKey("asset.id", ondelete="CASCADE"), primary_key=True, index=True),
)

# The CLIP embedding of each asset's preview; the PostgreSQL column is resized when the CLIP model changes.
smart_search = Table(
    "smart_search",
    metadata,
    Column("asset_id", Uuid, ForeignKey("asset.id", ondelete="CASCADE"), primary_key=True),
    Column("embedding", Embedding(512), nullable=False),
)

person = Table(
    "person",
    metadata,
    _id(),
    _created(),
    _updated(),
    Column("owner_id", Uuid, ForeignKey("user.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("name", String, nullable=False, default=""),
    Column("thumbnail_path", String, nullable=False, default=""),
    Column("is_hidden", Boolean, nullable=False, default=False),
    Column("birth_date", Date, nullable=True),
    # person and asset_face refer to each other; this side is added after both tables exist.
    Column(
        "face_asset_id",
        Uuid,
        ForeignKey("asset_face.id", ondelete="SET NULL", use_alter=True, name="fk_person_face_asset_id_asset_face"),
        nullable=True,
    ),
    Column("is_favorite", Boolean, nullable=False, default=False),
    Column("color", String, nullable=True),
)

asset_face = Table(
    "asset_face",
    metadata,
    _id(),
    Column("asset_id", Uuid, ForeignKey("asset.id", ondelete="CASCADE"), nullable=False),
    Column("person_id", Uuid, ForeignKey("person.id", ondelete="SET NULL"), nullable=True),
    Column("image_width", Integer, nullable=False, default=0),
    Column("image_height", Integer, nullable=False, default=0),
    Column("bounding_box_x1", Integer, nullable=False, default=0),
    Column("bounding_box_y1", Integer, nullable=False, default=0),
    Column("bounding_box_x2", Integer, nullable=False, default=0),
    Column("bounding_box_y2", Integer, nullable=False, default=0),
    Column("source_type", String, nullable=False, default="machine-learning"),
    Column("deleted_at", UtcDateTime, nullable=True),
    Index("ix_asset_face_asset_id_person_id", "asset_id", "person_id"),
    Index("ix_asset_face_person_id_asset_id", "person_id", "asset_id"),
)

face_search = Table(
    "face_search",
    metadata,
    Column("face_id", Uuid, ForeignKey("asset_face.id", ondelete="CASCADE"), primary_key=True),
    Column("embedding", Embedding(512), nullable=False),
)

library = Table(
    "library",
    metadata,
    _id(),
    Column("name", String, nullable=False),
    Column("owner_id", Uuid, ForeignKey("user.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("import_paths", Json, nullable=False, default=list),
    Column("exclusion_patterns", Json, nullable=False, default=list),
    _created(),
    _updated(),
    Column("deleted_at", UtcDateTime, nullable=True),
    Column("refreshed_at", UtcDateTime, nullable=True),
)

# Moves in progress (upstream `move_history`): one per file and per target path, so a move is never done twice.
move_history = Table(
    "move_history",
    metadata,
    _id(),
    Column("entity_id", Uuid, nullable=False),
    Column("path_type", String, nullable=False),
    Column("old_path", String, nullable=False),
    Column("new_path", String, nullable=False, unique=True),
    UniqueConstraint("entity_id", "path_type"),
)

# Client events as emitted, for the other processes (serve, workers) to deliver to their own clients and listeners.
event_relay = Table(
    "event_relay",
    metadata,
    Column("id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True),
    Column("origin", String, nullable=False),
    Column("name", String, nullable=False),
    Column("room", String, nullable=True),
    Column("payload", Json, nullable=False),
    Column("created_at", UtcDateTime, nullable=False, default=utcnow, index=True),
)
