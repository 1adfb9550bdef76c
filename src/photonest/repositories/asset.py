"""Asset queries: rows, EXIF, derived files, job bookkeeping, uploads, access and statistics."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache, lru_cache
from typing import Any
from uuid import UUID

from sqlalchemy import Executable, bindparam, case, delete, func, insert, or_, select, update

from photonest.db.tables import (
    album,
    album_asset,
    album_user,
    asset,
    asset_exif,
    asset_file,
    asset_job_status,
    partner,
    user,
)
from photonest.records import Asset, AssetFile, StorageAsset
from photonest.repositories.base import Repository, prefixed, unprefixed, upsert_for

# What upstream's `withDefaultVisibility` shows: hidden (live-photo video parts) and locked assets are left out.
DEFAULT_VISIBILITIES = ("archive", "timeline")


@dataclass(frozen=True)
class UsageByUser:
    """Photo and video counts and bytes of one user's assets."""

    user_id: UUID
    photos: int
    videos: int
    usage_photos: int
    usage_videos: int


@dataclass(frozen=True)
class AssetCounts:
    images: int
    videos: int
    # Audio and other types: upstream's `total` counts every type.
    others: int = 0

    @property
    def total(self) -> int:
        return self.images + self.videos + self.others


class AssetRepository(Repository):
    """SQL for assets, their EXIF rows, derived files and job bookkeeping."""

    def create(self, values: dict[str, Any]) -> Asset:
        return Asset.from_row(self.execute(insert(asset).values(**values).returning(asset)).one())

    def get(self, asset_id: UUID) -> Asset | None:
        row = self.execute(select(asset).where(asset.c.id == asset_id)).first()
        return Asset.from_row(row) if row else None

    def get_many(self, ids: Iterable[UUID]) -> list[Asset]:
        return [Asset.from_row(r) for r in self.execute(select(asset).where(asset.c.id.in_(list(ids))))]

    def get_by_checksum(self, owner_id: UUID, checksum: bytes, library_id: UUID | None = None) -> Asset | None:
        query = select(asset).where(asset.c.owner_id == owner_id, asset.c.checksum == checksum)
        query = query.where(asset.c.library_id.is_(None) if library_id is None else asset.c.library_id == library_id)
        row = self.execute(query).first()
        return Asset.from_row(row) if row else None

    def get_by_checksums(self, owner_id: UUID, checksums: Iterable[bytes]) -> list[Asset]:
        query = select(asset).where(
            asset.c.owner_id == owner_id, asset.c.library_id.is_(None), asset.c.checksum.in_(list(checksums))
        )
        return [Asset.from_row(r) for r in self.execute(query)]

    def update(self, asset_id: UUID, values: dict[str, Any]) -> Asset:
        statement = update(asset).where(asset.c.id == asset_id).values(**values).returning(asset)
        return Asset.from_row(self.execute(statement).one())

    def update_many(self, ids: Iterable[UUID], values: dict[str, Any]) -> None:
        self.execute(update(asset).where(asset.c.id.in_(list(ids))).values(**values))

    def delete(self, asset_id: UUID) -> None:
        self.execute(delete(asset).where(asset.c.id == asset_id))

    def ids_for_sidecar(self, *, force: bool) -> list[UUID]:
        """Assets to look for sidecars for (upstream `streamForSidecar`): all but hidden ones, or those without one."""
        query = select(asset.c.id).where(asset.c.visibility != "hidden")
        if not force:
            query = query.where(or_(asset.c.sidecar_path.is_(None), asset.c.sidecar_path == ""))
        return list(self.execute(query.order_by(asset.c.created_at)).scalars())

    def ids_for_migration(self) -> list[UUID]:
        """Assets whose derived files the migration queue checks (upstream `streamForMigrationJob`): not trashed."""
        query = select(asset.c.id).where(asset.c.deleted_at.is_(None)).order_by(asset.c.created_at)
        return list(self.execute(query).scalars())

    def get_exif(self, asset_id: UUID) -> dict[str, Any] | None:
        row = self.execute(select(asset_exif).where(asset_exif.c.asset_id == asset_id)).first()
        return dict(row._mapping) if row else None

    def upsert_exif(self, asset_id: UUID, values: dict[str, Any]) -> None:
        """Insert or update the asset's EXIF row with the given columns."""
        self.execute(_upsert_exif(self.dialect, tuple(sorted(values))), {**values, "asset_id": asset_id})

    def get_files(self, asset_id: UUID) -> list[AssetFile]:
        query = select(asset_file).where(asset_file.c.asset_id == asset_id)
        return [AssetFile.from_row(r) for r in self.execute(query)]

    def upsert_file(self, asset_id: UUID, type_: str, path: str) -> None:
        statement = self.upsert(asset_file).values(asset_id=asset_id, type=type_, path=path)
        self.execute(statement.on_conflict_do_update(index_elements=["asset_id", "type"], set_={"path": path}))

    def delete_file(self, asset_id: UUID, type_: str) -> None:
        self.execute(delete(asset_file).where(asset_file.c.asset_id == asset_id, asset_file.c.type == type_))

    def upsert_job_status(self, asset_id: UUID, values: dict[str, Any]) -> None:
        statement = self.upsert(asset_job_status).values(asset_id=asset_id, **values)
        self.execute(statement.on_conflict_do_update(index_elements=["asset_id"], set_=values))

    def usage_by_user(self) -> dict[UUID, UsageByUser]:
        size = func.coalesce(asset_exif.c.file_size_in_byte, 0)
        query = (
            select(
                asset.c.owner_id,
                func.count().filter(asset.c.type == "IMAGE").label("photos"),
                func.count().filter(asset.c.type == "VIDEO").label("videos"),
                func.coalesce(func.sum(case((asset.c.type == "IMAGE", size), else_=0)), 0).label("usage_photos"),
                func.coalesce(func.sum(case((asset.c.type == "VIDEO", size), else_=0)), 0).label("usage_videos"),
            )
            .select_from(asset.outerjoin(asset_exif, asset_exif.c.asset_id == asset.c.id))
            .where(asset.c.deleted_at.is_(None))
            .group_by(asset.c.owner_id)
        )
        return {
            r.owner_id: UsageByUser(r.owner_id, r.photos, r.videos, int(r.usage_photos), int(r.usage_videos))
            for r in self.execute(query)
        }

    def statistics(
        self, owner_id: UUID, *, is_favorite: bool | None, is_trashed: bool | None, visibility: str | None
    ) -> AssetCounts:
        """Image and video counts as upstream's `getStatistics`: archive + timeline and not trashed by default."""
        query = select(
            func.count().filter(asset.c.type == "IMAGE").label("images"),
            func.count().filter(asset.c.type == "VIDEO").label("videos"),
            func.count().filter(asset.c.type.not_in(("IMAGE", "VIDEO"))).label("others"),
        ).where(asset.c.owner_id == owner_id)
        if visibility is None:
            query = query.where(asset.c.visibility.in_(DEFAULT_VISIBILITIES))
        else:
            query = query.where(asset.c.visibility == visibility)
        if is_favorite is not None:
            query = query.where(asset.c.is_favorite.is_(is_favorite))
        if is_trashed:
            query = query.where(asset.c.status != "deleted", asset.c.deleted_at.is_not(None))
        else:
            query = query.where(asset.c.deleted_at.is_(None))
        row = self.execute(query).one()
        return AssetCounts(int(row.images), int(row.videos), int(row.others))

    def owned_file_paths(self, owner_id: UUID) -> list[str]:
        query = select(asset.c.original_path, asset.c.sidecar_path, asset.c.encoded_video_path)
        paths: list[str] = []
        for row in self.execute(query.where(asset.c.owner_id == owner_id, asset.c.is_external.is_(False))):
            paths.extend(p for p in row if p)
        return paths

    # --- uploads ---

    def create_upload(self, values: dict[str, Any]) -> UUID | None:
        """Insert an uploaded asset and give its id; None when the owner already has an upload with this checksum."""
        created: UUID | None = self.execute(_insert_upload(self.dialect), values).scalar()
        return created

    def get_upload_id_by_checksum(self, owner_id: UUID, checksum: bytes) -> UUID | None:
        """The owner's uploaded (not library) asset with this checksum, trashed ones included."""
        query = (
            select(asset.c.id)
            .where(asset.c.owner_id == owner_id, asset.c.checksum == checksum, asset.c.library_id.is_(None))
            .limit(1)
        )
        found: UUID | None = self.execute(query).scalar()
        return found

    def add_usage(self, user_id: UUID, delta: int) -> None:
        """Add bytes to the user's quota usage (upstream's `userRepository.updateUsage`)."""
        self.execute(_ADD_USAGE, {"user_id": user_id, "delta": delta})

    def get_existing_device_asset_ids(
        self, owner_id: UUID, device_id: str, device_asset_ids: Iterable[str]
    ) -> list[str]:
        """Which of these device asset ids the owner already uploaded from the device, trashed ones included."""
        query = select(asset.c.device_asset_id).where(
            asset.c.owner_id == owner_id,
            asset.c.device_id == device_id,
            asset.c.device_asset_id.in_(list(device_asset_ids)),
        )
        return list(self.execute(query).scalars())

    def list_device_asset_ids(self, owner_id: UUID, device_id: str) -> list[str]:
        """The device asset ids of the owner's visible, untrashed assets from one device."""
        query = select(asset.c.device_asset_id).where(
            asset.c.owner_id == owner_id,
            asset.c.device_id == device_id,
            asset.c.visibility != "hidden",
            asset.c.deleted_at.is_(None),
        )
        return list(self.execute(query.order_by(asset.c.created_at, asset.c.id)).scalars())

    def random(self, owner_ids: Iterable[UUID], count: int) -> list[tuple[Asset, dict[str, Any] | None]]:
        """Up to `count` random archive/timeline, untrashed assets of these owners, each with its EXIF row."""
        query = (
            select(asset, *prefixed(asset_exif, "exif__"))
            .select_from(asset.outerjoin(asset_exif, asset_exif.c.asset_id == asset.c.id))
            .where(
                asset.c.owner_id.in_(list(owner_ids)),
                asset.c.visibility.in_(DEFAULT_VISIBILITIES),
                asset.c.deleted_at.is_(None),
            )
            .order_by(func.random())
            .limit(count)
        )
        found: list[tuple[Asset, dict[str, Any] | None]] = []
        for row in self.execute(query):
            exif = unprefixed(row, "exif__")
            found.append((Asset.from_row(row), exif if exif["asset_id"] is not None else None))
        return found

    def get_file(self, asset_id: UUID, type_: str) -> AssetFile | None:
        query = select(asset_file).where(asset_file.c.asset_id == asset_id, asset_file.c.type == type_)
        row = self.execute(query).first()
        return AssetFile.from_row(row) if row else None

    # --- access (upstream `access.repository.ts`) ---

    def owned_ids(self, owner_id: UUID, ids: Iterable[UUID], *, with_locked: bool) -> set[UUID]:
        """Which of the ids are the owner's assets; locked ones only with an elevated session."""
        query = select(asset.c.id).where(asset.c.id.in_(list(ids)), asset.c.owner_id == owner_id)
        if not with_locked:
            query = query.where(asset.c.visibility != "locked")
        return set(self.execute(query).scalars())

    def partner_ids(self, user_id: UUID, ids: Iterable[UUID]) -> set[UUID]:
        """Which of the ids are untrashed timeline or hidden assets of active users sharing with the user."""
        query = (
            select(asset.c.id)
            .select_from(
                partner.join(user, user.c.id == partner.c.shared_by_id).join(asset, asset.c.owner_id == user.c.id)
            )
            .where(
                partner.c.shared_with_id == user_id,
                user.c.deleted_at.is_(None),
                asset.c.deleted_at.is_(None),
                or_(asset.c.visibility == "timeline", asset.c.visibility == "hidden"),
                asset.c.id.in_(list(ids)),
            )
        )
        return set(self.execute(query).scalars())

    # --- storage template (upstream `getStorageTemplateAsset`, `streamStorageTemplateAssets`) ---

    def get_storage_asset(self, asset_id: UUID) -> StorageAsset | None:
        """The untrashed asset with its EXIF size and time zone; None without an EXIF row, as upstream's inner join."""
        row = self.execute(_storage_assets().where(asset.c.id == asset_id)).first()
        return StorageAsset.from_row(row) if row else None

    def list_storage_assets(self, after: UUID | None, limit: int) -> list[StorageAsset]:
        """The next batch of untrashed assets with an EXIF row, in id order after `after`."""
        query = _storage_assets().order_by(asset.c.id).limit(limit)
        if after is not None:
            query = query.where(asset.c.id > after)
        return [StorageAsset.from_row(row) for row in self.execute(query)]

    def newest_album_name(self, user_id: UUID, asset_id: UUID) -> str | None:
        """The name of the most recently created album holding the asset that the user owns or is a member of.

        Upstream's `albumRepository.getByAssetId` orders by `createdAt` descending and the template takes the first.
        """
        member = select(album_user.c.album_id).where(
            album_user.c.album_id == album.c.id, album_user.c.user_id == user_id
        )
        query = (
            select(album.c.album_name)
            .join(album_asset, album_asset.c.album_id == album.c.id)
            .where(
                album_asset.c.asset_id == asset_id,
                album.c.deleted_at.is_(None),
                or_(album.c.owner_id == user_id, member.exists()),
            )
            .order_by(album.c.created_at.desc(), album.c.id)
            .limit(1)
        )
        name: str | None = self.execute(query).scalar()
        return name


def _storage_assets() -> Any:
    return (
        select(
            asset.c.id,
            asset.c.owner_id,
            asset.c.type,
            asset.c.checksum,
            asset.c.original_path,
            asset.c.is_external,
            asset.c.sidecar_path,
            asset.c.original_file_name,
            asset.c.live_photo_video_id,
            asset.c.file_created_at,
            asset_exif.c.time_zone,
            asset_exif.c.file_size_in_byte,
        )
        .join(asset_exif, asset_exif.c.asset_id == asset.c.id)
        .where(asset.c.deleted_at.is_(None))
    )


# The statements of an upload are built once per database: building one costs more than running it.


@cache
def _insert_upload(dialect: str) -> Executable:
    # The values come as execute parameters; the compiled form is cached per set of parameter names.
    statement: Executable = (
        upsert_for(dialect, asset)
        .on_conflict_do_nothing(
            index_elements=[asset.c.owner_id, asset.c.checksum], index_where=asset.c.library_id.is_(None)
        )
        .returning(asset.c.id)
    )
    return statement


@lru_cache(maxsize=256)
def _upsert_exif(dialect: str, columns: tuple[str, ...]) -> Executable:
    statement = upsert_for(dialect, asset_exif)
    if not columns:
        return statement.on_conflict_do_nothing(index_elements=["asset_id"])  # type: ignore[no-any-return]
    changes = {name: getattr(statement.excluded, name) for name in columns}
    return statement.on_conflict_do_update(index_elements=["asset_id"], set_=changes)  # type: ignore[no-any-return]


_ADD_USAGE = (
    update(user)
    .where(user.c.id == bindparam("user_id"))
    .values(quota_usage_in_bytes=user.c.quota_usage_in_bytes + bindparam("delta"))
)
