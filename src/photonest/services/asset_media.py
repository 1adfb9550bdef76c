"""Asset media: uploads and replacements, upload checks, originals, thumbnails and video playback.

Upstream: `server/src/services/asset-media.service.ts`, plus `getStatistics`, `getRandom` and
`getUserAssetsByDeviceId` of `asset.service.ts`, whose routes share the media controller's fixed paths here.
"""

from __future__ import annotations

import base64
import binascii
import re
import uuid
from dataclasses import dataclass
from pathlib import Path, PurePath
from typing import Any
from uuid import UUID

from photonest.db.types import utcnow
from photonest.errors import BadRequest, NotFound, Unauthorized
from photonest.jobs.names import JobName
from photonest.media import mime_types
from photonest.records import Asset, Auth
from photonest.schemas import generated as g
from photonest.schemas import requests as r
from photonest.schemas.asset import map_asset
from photonest.services.access import require_access
from photonest.services.base import BaseService
from photonest.storage.files import ServedFile, StoredFile, remove_file, set_modified_time
from photonest.storage.layout import StorageFolder

P = g.Permission
ASSET_FIELD = "assetData"
SIDECAR_FIELD = "sidecarData"
# Upstream's CacheControl.PRIVATE_WITH_CACHE.
PRIVATE_WITH_CACHE = "private, max-age=86400, no-transform"
# What a client that leaves out the device fields (CLI 3.x) gets, as the v1.134-era CLI sent them.
DEFAULT_DEVICE_ID = "CLI"
ORIGINAL = "original"
_WHITESPACE = re.compile(r"\s+")


@dataclass(frozen=True)
class ReceivedUpload:
    """A multipart upload as received: validated text fields and the file parts already stored on disk."""

    fields: r.AssetMediaCreateDto | r.AssetMediaReplaceDto
    file: StoredFile
    sidecar: StoredFile | None = None


@dataclass(frozen=True)
class MediaRedirect:
    """Answer with a redirect: to the original file, or to the same route with another size."""

    target_size: str


def decode_checksum(value: str) -> bytes | None:
    """A SHA-1 sent as 28 base64 characters or as hex (upstream `fromChecksum`); None when it cannot be read."""
    try:
        return base64.b64decode(value, validate=True) if len(value) == 28 else bytes.fromhex(value)
    except (binascii.Error, ValueError):
        return None


def _created(asset_id: UUID) -> g.AssetMediaResponseDto:
    return g.AssetMediaResponseDto(id=str(asset_id), status=g.AssetMediaStatus.CREATED)


def _duplicate(asset_id: UUID) -> g.AssetMediaResponseDto:
    return g.AssetMediaResponseDto(id=str(asset_id), status=g.AssetMediaStatus.DUPLICATE)


def hide_motion_part(svc: BaseService, motion_id: UUID, owner_id: UUID) -> None:
    """Upstream `onBeforeLink`: the motion part must be the owner's video, and it leaves the timeline."""
    motion = svc.repos.assets.get(motion_id)
    if motion is None:
        raise BadRequest("Live photo video not found")
    if motion.type != g.AssetTypeEnum.VIDEO.value:
        raise BadRequest("Live photo video must be a video")
    if motion.owner_id != owner_id:
        raise BadRequest("Live photo video does not belong to the user")
    if motion.visibility == g.AssetVisibility.TIMELINE.value:
        svc.repos.assets.update(motion.id, {"visibility": g.AssetVisibility.HIDDEN.value})
        svc.emit("on_asset_hidden", str(owner_id), str(motion.id))


class AssetMediaService(BaseService):
    """Stores uploaded originals, answers upload checks and serves an asset's files."""

    # --- uploads ---

    def find_upload_duplicate(self, auth: Auth, checksum: str | None) -> g.AssetMediaResponseDto | None:
        """The duplicate answer for an `x-immich-checksum` the caller already uploaded, before any body is read."""
        # A link that may not upload must not learn which files its owner has either.
        self._require_upload_access(auth)
        digest = decode_checksum(checksum) if checksum else None
        if not digest:
            return None
        found = self.repos.assets.get_upload_id_by_checksum(auth.user_id, digest)
        return _duplicate(found) if found else None

    def upload_target(self, auth: Auth, upload_id: UUID, field: str, filename: str) -> Path | None:
        """Where a file part goes (None: not a part the upload takes); 400 for a file type upstream refuses."""
        self._require_upload_access(auth)
        if field == ASSET_FIELD:
            if not mime_types.is_asset(filename):
                raise BadRequest(f"Unsupported file type {filename}")
            name = f"{upload_id}{PurePath(filename).suffix}"
        elif field == SIDECAR_FIELD:
            if not mime_types.is_sidecar(filename):
                raise BadRequest(f"Unsupported file type {filename}")
            name = f"{upload_id}.xmp"
        else:
            return None
        return self.ctx.storage.nested_path(StorageFolder.UPLOAD, auth.user_id, name)

    def upload_asset(self, auth: Auth, upload: ReceivedUpload) -> g.AssetMediaResponseDto:
        """Create an asset from an upload; the same owner and checksum give the existing asset as a duplicate."""
        require_access(self.repos, auth, P.ASSET_UPLOAD, [auth.user_id])
        dto, file = upload.fields, upload.file
        assert isinstance(dto, r.AssetMediaCreateDto)
        self._require_quota(auth, file.size)
        if dto.live_photo_video_id is not None:
            # Linking changes the motion part, so a duplicate must be found first; otherwise the insert finds it.
            existing = self.repos.assets.get_upload_id_by_checksum(auth.user_id, file.sha1)
            if existing is not None:
                return self._discard(upload, existing)
            hide_motion_part(self, dto.live_photo_video_id, auth.user_id)
        asset_id = self.repos.assets.create_upload(
            {
                "owner_id": auth.user_id,
                "library_id": None,
                "checksum": file.sha1,
                "original_path": str(file.path),
                "original_file_name": dto.filename or file.original_name,
                **self._device_fields(dto, file),
                "file_created_at": dto.file_created_at,
                "file_modified_at": dto.file_modified_at,
                "local_date_time": dto.file_created_at,
                "type": mime_types.asset_type(file.path.name).value,
                "is_favorite": bool(dto.is_favorite),
                "duration": dto.duration or None,
                "visibility": (dto.visibility or g.AssetVisibility.TIMELINE).value,
                "live_photo_video_id": dto.live_photo_video_id,
                "sidecar_path": str(upload.sidecar.path) if upload.sidecar else None,
                "status": "active",
            }
        )
        if asset_id is None:
            # The owner has this file already (the unique index on owner and checksum decided, as upstream).
            existing = self.repos.assets.get_upload_id_by_checksum(auth.user_id, file.sha1)
            if existing is None:
                raise RuntimeError("Error locating duplicate for checksum constraint")
            return self._discard(upload, existing)
        self._store_file_data(auth.user_id, asset_id, upload)
        if auth.shared_link is not None:
            # What is uploaded through a link becomes part of it, so its holder may then add it to the link's album.
            self.repos.shared_links.add_assets(auth.shared_link.id, [asset_id])
        return _created(asset_id)

    def replace_asset(self, auth: Auth, asset_id: UUID, upload: ReceivedUpload) -> g.AssetMediaResponseDto:
        """Put a new file under the asset's id and keep the old file as a trashed copy, as upstream."""
        require_access(self.repos, auth, P.ASSET_UPDATE, [asset_id])
        asset = self._find(asset_id)
        dto, file = upload.fields, upload.file
        self._require_quota(auth, file.size)
        existing = self.repos.assets.get_by_checksum(asset.owner_id, file.sha1, asset.library_id)
        if existing is not None:
            return self._discard(upload, existing.id)
        self.repos.assets.update(
            asset_id,
            {
                "checksum": file.sha1,
                "original_path": str(file.path),
                "type": mime_types.asset_type(file.path.name).value,
                "original_file_name": dto.filename or file.original_name,
                **self._device_fields(dto, file),
                "file_created_at": dto.file_created_at,
                "file_modified_at": dto.file_modified_at,
                "local_date_time": dto.file_created_at,
                "duration": dto.duration or None,
                "live_photo_video_id": None,
                "sidecar_path": str(upload.sidecar.path) if upload.sidecar else None,
            },
        )
        self._store_file_data(auth.user_id, asset_id, upload)
        copy = self._trashed_copy(asset)
        return g.AssetMediaResponseDto(id=str(copy.id), status=g.AssetMediaStatus.REPLACED)

    def check_existing_assets(self, auth: Auth, dto: g.CheckExistingAssetsDto) -> g.CheckExistingAssetsResponseDto:
        found = self.repos.assets.get_existing_device_asset_ids(auth.user_id, dto.device_id, dto.device_asset_ids)
        return g.CheckExistingAssetsResponseDto(existing_ids=found)

    def bulk_upload_check(self, auth: Auth, dto: g.AssetBulkUploadCheckDto) -> g.AssetBulkUploadCheckResponseDto:
        """Accept or reject (duplicate) each checksum; the client's ids are echoed as sent."""
        digests = [decode_checksum(item.checksum) for item in dto.assets]
        known = self.repos.assets.get_by_checksums(auth.user_id, {d for d in digests if d})
        by_checksum = {a.checksum: a for a in known}
        results = []
        for item, digest in zip(dto.assets, digests, strict=True):
            duplicate = by_checksum.get(digest) if digest else None
            if duplicate is None:
                results.append(g.AssetBulkUploadCheckResult(id=item.id, action=g.Action.ACCEPT))
            else:
                results.append(
                    g.AssetBulkUploadCheckResult(
                        id=item.id,
                        action=g.Action.REJECT,
                        reason=g.Reason.DUPLICATE,
                        asset_id=str(duplicate.id),
                        is_trashed=duplicate.deleted_at is not None,
                    )
                )
        return g.AssetBulkUploadCheckResponseDto(results=results)

    # --- the caller's assets ---

    def get_device_asset_ids(self, auth: Auth, device_id: str) -> list[str]:
        return self.repos.assets.list_device_asset_ids(auth.user_id, device_id)

    def get_statistics(
        self, auth: Auth, is_favorite: bool | None, is_trashed: bool | None, visibility: g.AssetVisibility | None
    ) -> g.AssetStatsResponseDto:
        if visibility == g.AssetVisibility.LOCKED and not auth.has_elevated_permission:
            raise Unauthorized("Elevated permission is required")
        counts = self.repos.assets.statistics(
            auth.user_id,
            is_favorite=is_favorite,
            is_trashed=is_trashed,
            visibility=visibility.value if visibility else None,
        )
        return g.AssetStatsResponseDto(images=counts.images, videos=counts.videos, total=counts.total)

    def get_random(self, auth: Auth, count: int) -> list[g.AssetResponseDto]:
        """Random assets of the caller and of the partners shown in their timeline."""
        partners = [p.shared_by_id for p, _ in self.repos.partners.list_shared_with(auth.user_id) if p.in_timeline]
        found = self.repos.assets.random([auth.user_id, *partners], count)
        return [map_asset(asset, auth_user_id=auth.user_id, exif=exif) for asset, exif in found]

    # --- serving ---

    def download_original(self, auth: Auth, asset_id: UUID) -> ServedFile:
        require_access(self.repos, auth, P.ASSET_DOWNLOAD, [asset_id])
        asset = self._find_or_404(asset_id)
        name = asset.original_file_name
        if auth.hides_metadata:
            # A link that hides metadata hides the file name too (upstream sends it).
            name = f"{asset_id}{PurePath(name).suffix}"
        return self._served(asset.original_path, file_name=name)

    def view_thumbnail(self, auth: Auth, asset_id: UUID, size: g.AssetMediaSize | None) -> ServedFile | MediaRedirect:
        """The generated image of a size; fullsize of a browser-readable original is the original itself."""
        require_access(self.repos, auth, P.ASSET_VIEW, [asset_id])
        asset = self._find_or_404(asset_id)
        size = size or g.AssetMediaSize.THUMBNAIL
        files = {f.type: f.path for f in self.repos.assets.get_files(asset_id)}
        path = files.get(g.AssetMediaSize.PREVIEW.value)
        if size == g.AssetMediaSize.THUMBNAIL and g.AssetMediaSize.THUMBNAIL.value in files:
            path = files[g.AssetMediaSize.THUMBNAIL.value]
        elif size == g.AssetMediaSize.FULLSIZE:
            if mime_types.is_web_supported_image(asset.original_path):
                return MediaRedirect(ORIGINAL)
            if g.AssetMediaSize.FULLSIZE.value not in files:
                # Not generated (disabled, or not yet): the preview stands in, as upstream.
                return MediaRedirect(g.AssetMediaSize.PREVIEW.value)
            path = files[g.AssetMediaSize.FULLSIZE.value]
        if not path:
            raise NotFound("Asset media not found")
        stem = str(asset_id) if auth.hides_metadata else PurePath(asset.original_file_name).stem
        return self._served(path, file_name=f"{stem}_{size.value}{PurePath(path).suffix}")

    def play_video(self, auth: Auth, asset_id: UUID) -> ServedFile:
        require_access(self.repos, auth, P.ASSET_VIEW, [asset_id])
        asset = self._find_or_404(asset_id)
        if asset.type != g.AssetTypeEnum.VIDEO.value:
            raise BadRequest("Asset is not a video")
        return self._served(asset.encoded_video_path or asset.original_path)

    # --- helpers ---

    @staticmethod
    def _require_upload_access(auth: Auth) -> None:
        # Upstream's requireUploadAccess: a shared link must allow uploads.
        if auth.shared_link is not None and not auth.shared_link.allow_upload:
            raise Unauthorized()

    def _require_quota(self, auth: Auth, size: int) -> None:
        if not auth.user.quota_size_in_bytes:
            # No quota when the request was authenticated (upstream checks that snapshot only): nothing to re-read.
            return
        # The usage now, not when the request began: concurrent uploads of the same user count.
        user = self.repos.users.get(auth.user_id) or auth.user
        # A quota of 0 counts as none, as upstream's truthiness test does.
        if user.quota_size_in_bytes and user.quota_size_in_bytes < user.quota_usage_in_bytes + size:
            raise BadRequest("Quota has been exceeded!")

    @staticmethod
    def _device_fields(dto: r.AssetMediaCreateDto | r.AssetMediaReplaceDto, file: StoredFile) -> dict[str, Any]:
        device_asset_id = dto.device_asset_id or f"{_WHITESPACE.sub('', file.original_name)}-{file.size}"
        return {"device_asset_id": device_asset_id, "device_id": dto.device_id or DEFAULT_DEVICE_ID}

    def _store_file_data(self, user_id: UUID, asset_id: UUID, upload: ReceivedUpload) -> None:
        """What follows a stored original: file times, size in EXIF, quota usage, metadata extraction."""
        modified = upload.fields.file_modified_at
        set_modified_time(upload.file.path, modified)
        if upload.sidecar is not None:
            set_modified_time(upload.sidecar.path, modified)
        self.repos.assets.upsert_exif(asset_id, {"file_size_in_byte": upload.file.size})
        self.repos.assets.add_usage(user_id, upload.file.size)
        self.queue_job(JobName.METADATA_EXTRACTION, {"id": str(asset_id), "source": "upload"})

    def _trashed_copy(self, asset: Asset) -> Asset:
        """A new trashed asset holding the replaced file (upstream `createCopy`, then trashed)."""
        copy = self.repos.assets.create(
            {
                "id": uuid.uuid4(),
                "owner_id": asset.owner_id,
                "original_path": asset.original_path,
                "original_file_name": asset.original_file_name,
                "library_id": asset.library_id,
                "device_asset_id": asset.device_asset_id,
                "device_id": asset.device_id,
                "type": asset.type,
                "checksum": asset.checksum,
                "file_created_at": asset.file_created_at,
                "local_date_time": asset.local_date_time,
                "file_modified_at": asset.file_modified_at,
                "live_photo_video_id": asset.live_photo_video_id,
                "sidecar_path": asset.sidecar_path,
                "deleted_at": utcnow(),
                "status": "trashed",
            }
        )
        try:
            size: int | None = Path(asset.original_path).stat().st_size
        except OSError:
            size = None
        self.repos.assets.upsert_exif(copy.id, {"file_size_in_byte": size})
        self.queue_job(JobName.METADATA_EXTRACTION, {"id": str(copy.id), "source": "copy"})
        self.emit("on_asset_trash", str(asset.owner_id), [str(copy.id)])
        return copy

    def _discard(self, upload: ReceivedUpload, duplicate_of: UUID) -> g.AssetMediaResponseDto:
        """Drop the files of an upload that turned out to be a duplicate."""
        root = self.ctx.storage.root
        for stored in (upload.file, upload.sidecar):
            if stored is not None:
                remove_file(stored.path, root)
        return _duplicate(duplicate_of)

    def _served(self, path: str, *, file_name: str | None = None) -> ServedFile:
        return ServedFile(
            path=Path(path),
            content_type=mime_types.lookup(path),
            cache_control=PRIVATE_WITH_CACHE,
            file_name=file_name,
        )

    def _find(self, asset_id: UUID) -> Asset:
        asset = self.repos.assets.get(asset_id)
        if asset is None:
            raise BadRequest("Asset not found")
        return asset

    def _find_or_404(self, asset_id: UUID) -> Asset:
        asset = self.repos.assets.get(asset_id)
        if asset is None:
            raise NotFound("Asset not found")
        return asset
