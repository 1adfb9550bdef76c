"""Asset information and changes: get, update, delete, asset jobs (`asset.service.ts`)."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import UUID

from photonest.db.types import utcnow
from photonest.errors import BadRequest, Unauthorized
from photonest.jobs.names import JobName, JobStatus
from photonest.records import Asset, Auth
from photonest.schemas import generated as g
from photonest.schemas.asset import map_asset
from photonest.schemas.person import people_with_faces
from photonest.schemas.tag import map_tag
from photonest.services.access import require_access
from photonest.services.asset_media import hide_motion_part
from photonest.services.base import BaseService
from photonest.storage.files import remove_file

P = g.Permission
ASSET_JOBS = {
    g.AssetJobName.REFRESH_FACES: JobName.FACE_DETECTION,
    g.AssetJobName.REFRESH_METADATA: JobName.METADATA_EXTRACTION,
    g.AssetJobName.REGENERATE_THUMBNAIL: JobName.GENERATE_THUMBNAILS,
    g.AssetJobName.TRANSCODE_VIDEO: JobName.VIDEO_CONVERSION,
}
TRASHED, DELETED = "trashed", "deleted"


class AssetService(BaseService):
    """Reads and changes assets the caller may touch."""

    def get(self, auth: Auth, asset_id: UUID) -> g.AssetResponseDto:
        require_access(self.repos, auth, P.ASSET_READ, [asset_id])
        asset = self._find(asset_id)
        if auth.hides_metadata:
            return map_asset(asset, auth_user_id=auth.user_id, strip_metadata=True)
        return self._map(auth, asset)

    def update(self, auth: Auth, asset_id: UUID, dto: g.UpdateAssetDto) -> g.AssetResponseDto:
        require_access(self.repos, auth, P.ASSET_UPDATE, [asset_id])
        asset = self._find(asset_id)
        given = dto.model_fields_set
        if dto.visibility == g.AssetVisibility.LOCKED:
            self._require_elevated(auth)
        if "live_photo_video_id" in given:
            self._link_motion_part(auth, asset, dto.live_photo_video_id)
        self._update_metadata(asset_id, dto)
        changes: dict[str, Any] = {}
        if dto.is_favorite is not None:
            changes["is_favorite"] = dto.is_favorite
        if dto.visibility is not None:
            changes["visibility"] = dto.visibility.value
        if "live_photo_video_id" in given:
            changes["live_photo_video_id"] = dto.live_photo_video_id
        asset = self.repos.assets.update(asset_id, changes) if changes else asset
        return self._map(auth, asset)

    def update_all(self, auth: Auth, dto: g.AssetBulkUpdateDto) -> None:
        require_access(self.repos, auth, P.ASSET_UPDATE, dto.ids)
        if dto.visibility == g.AssetVisibility.LOCKED:
            self._require_elevated(auth)
        for asset_id in dto.ids:
            self._update_metadata(asset_id, dto)
        changes: dict[str, Any] = {}
        if dto.is_favorite is not None:
            changes["is_favorite"] = dto.is_favorite
        if dto.visibility is not None:
            changes["visibility"] = dto.visibility.value
        if "duplicate_id" in dto.model_fields_set:
            changes["duplicate_id"] = UUID(dto.duplicate_id) if dto.duplicate_id else None
        if changes:
            self.repos.assets.update_many(dto.ids, changes)

    def delete_all(self, auth: Auth, dto: g.AssetBulkDeleteDto) -> None:
        """Trash the assets, or mark them for deletion with `force`."""
        require_access(self.repos, auth, P.ASSET_DELETE, dto.ids)
        status = DELETED if dto.force else TRASHED
        self.repos.assets.update_many(dto.ids, {"status": status, "deleted_at": utcnow()})
        if dto.force:
            self.queue_job(JobName.QUEUE_TRASH_EMPTY)
        else:
            self.emit("on_asset_trash", str(auth.user_id), [str(i) for i in dto.ids])

    def run_jobs(self, auth: Auth, dto: g.AssetJobsDto) -> None:
        require_access(self.repos, auth, P.ASSET_UPDATE, dto.asset_ids)
        name = ASSET_JOBS[dto.name]
        for asset_id in dto.asset_ids:
            self.queue_job(name, {"id": str(asset_id)})

    def _update_metadata(self, asset_id: UUID, dto: g.UpdateAssetDto | g.AssetBulkUpdateDto) -> None:
        """Store changed descriptive fields in EXIF and have the sidecar rewritten, as upstream."""
        writes: dict[str, Any] = {}
        for name in ("description", "latitude", "longitude", "rating"):
            if name in dto.model_fields_set and getattr(dto, name) is not None:
                writes[name] = getattr(dto, name)
        if dto.date_time_original is not None:
            writes["date_time_original"] = _parse_date(dto.date_time_original)
        if not writes:
            return
        if "rating" in writes:
            writes["rating"] = int(writes["rating"])
        self.repos.assets.upsert_exif(asset_id, writes)
        sidecar = {_camel(k): (v.isoformat() if isinstance(v, datetime) else v) for k, v in writes.items()}
        if dto.date_time_original is not None:
            sidecar["dateTimeOriginal"] = dto.date_time_original
        self.queue_job(JobName.SIDECAR_WRITE, {"id": str(asset_id), **sidecar})

    def _link_motion_part(self, auth: Auth, asset: Asset, motion_id: UUID | None) -> None:
        if motion_id is None:
            if asset.live_photo_video_id:
                self.repos.assets.update(asset.live_photo_video_id, {"visibility": g.AssetVisibility.TIMELINE.value})
                self.emit("on_asset_show", str(asset.owner_id), str(asset.live_photo_video_id))
            return
        require_access(self.repos, auth, P.ASSET_UPDATE, [motion_id])
        hide_motion_part(self, motion_id, asset.owner_id)

    def _map(self, auth: Auth, asset: Asset) -> g.AssetResponseDto:
        # Upstream leaves the owner out for shared-link viewers.
        owner = None if auth.shared_link else self.repos.users.get(asset.owner_id, with_deleted=True)
        exif = self.repos.assets.get_exif(asset.id) or {}
        response = map_asset(asset, auth_user_id=auth.user_id, exif=exif, owner=owner)
        response.tags = [map_tag(found) for found in self.repos.tags.list_by_asset(asset.id)]
        # Upstream shows an asset's people to its owner only, never through a shared link.
        hidden = auth.shared_link or asset.owner_id != auth.user_id
        faces = [] if hidden else self.repos.people.faces_with_people([asset.id])
        response.people, response.unassigned_faces = people_with_faces((f.face, f.person) for f in faces)
        return response

    def _find(self, asset_id: UUID) -> Asset:
        asset = self.repos.assets.get(asset_id)
        if asset is None:
            raise BadRequest("Asset not found")
        return asset

    @staticmethod
    def _require_elevated(auth: Auth) -> None:
        if not auth.has_elevated_permission:
            raise Unauthorized("Elevated permission is required")


def _parse_date(value: str) -> datetime:
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        raise BadRequest(["dateTimeOriginal must be a valid ISO 8601 date string"]) from None


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)


class AssetJobService(BaseService):
    """Asset jobs outside the media steps: permanent deletion, trash expiry, file removal, queue-all."""

    def delete(self, asset_id: UUID, *, delete_on_disk: bool = True) -> JobStatus:
        asset = self.repos.assets.get(asset_id)
        if asset is None:
            # Deleted before its job ran: nothing to do, not a failure.
            return JobStatus.SKIPPED
        files = [f.path for f in self.repos.assets.get_files(asset.id)]
        files += [p for p in (asset.encoded_video_path, asset.sidecar_path) if p]
        if not asset.is_external:
            files.append(asset.original_path)
        motion_id = asset.live_photo_video_id
        self._leave_stack(asset)
        albums = self.repos.albums.ids_containing(asset.id)
        self.repos.assets.delete(asset.id)
        if albums:
            self.repos.albums.update_thumbnails(albums)
        if motion_id is not None and not self.repos.asset_jobs.ids_referencing_motion(motion_id):
            self.queue_job(JobName.ASSET_DELETION, {"id": str(motion_id), "deleteOnDisk": delete_on_disk})
        self.repos.users.sync_usage(asset.owner_id)
        self.emit("on_asset_delete", str(asset.owner_id), str(asset.id))
        if delete_on_disk:
            self.queue_job(JobName.DELETE_FILES, {"files": files})
        return JobStatus.SUCCESS

    def _leave_stack(self, asset: Asset) -> None:
        """Hand the primary role to another member, or dissolve a stack that would keep fewer than two assets."""
        if asset.stack_id is None:
            return
        stack = self.repos.stacks.get(asset.stack_id)
        if stack is None or stack.primary_asset_id != asset.id:
            return
        others = [i for i in self.repos.stacks.all_member_ids(stack.id) if i != asset.id]
        if len(others) >= 2:
            self.repos.stacks.set_primary(stack.id, others[0])
        else:
            self.repos.stacks.delete_many([stack.id])

    def delete_expired_trash(self) -> JobStatus:
        """Queue the deletion of assets trashed longer ago than `trash.days` (nightly)."""
        trash = self.get_config()["trash"]
        cutoff = utcnow() - timedelta(days=trash["days"])
        for asset_id in self.repos.trash.ids_trashed_before(cutoff):
            self.queue_job(JobName.ASSET_DELETION, {"id": str(asset_id), "deleteOnDisk": True})
        return JobStatus.SUCCESS

    def delete_files(self, files: list[str]) -> JobStatus:
        """Remove files, never anything outside the media folder."""
        root = self.ctx.storage.root
        for path in files:
            remove_file(Path(path), root)
        return JobStatus.SUCCESS

    def queue_all(self, name: JobName, *, force: bool) -> JobStatus:
        """Queue the per-asset job for every asset that needs it (or all of them with force)."""
        finders = {
            JobName.GENERATE_THUMBNAILS: self.repos.asset_jobs.ids_for_thumbnails,
            JobName.METADATA_EXTRACTION: self.repos.asset_jobs.ids_for_metadata,
            JobName.VIDEO_CONVERSION: self.repos.asset_jobs.ids_for_video_conversion,
        }
        for asset_id in finders[name](force=force):
            self.queue_job(name, {"id": str(asset_id)})
        return JobStatus.SUCCESS
