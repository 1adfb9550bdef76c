"""Metadata extraction and sidecar writing (`metadata.service.ts`)."""

from __future__ import annotations

import hashlib
import uuid
from pathlib import Path, PurePath
from typing import Any
from uuid import UUID

from photonest.db.types import utcnow
from photonest.jobs.names import JobName, JobStatus, job_key
from photonest.media.metadata import ExtractedMetadata, FileStats, SidecarTags, VideoTags
from photonest.records import Asset
from photonest.schemas import generated as g
from photonest.services.base import BaseService
from photonest.services.map import reverse_geocode
from photonest.storage.files import FileSink
from photonest.storage.layout import StorageFolder

IMAGE, VIDEO = g.AssetTypeEnum.IMAGE.value, g.AssetTypeEnum.VIDEO.value
HIDDEN = g.AssetVisibility.HIDDEN.value
# Sources after which thumbnails follow the storage template (upstream chains them for new files only).
NEW_FILE_SOURCES = {"upload", "copy", "motion"}


class MetadataService(BaseService):
    """Reads an asset's file (and sidecar) into its EXIF row, dates, tags and live-photo links."""

    def extract(self, asset_id: UUID, source: str | None = None) -> JobStatus:
        asset = self.repos.assets.get(asset_id)
        if asset is None:
            # Deleted before its job ran: nothing to do, not a failure.
            return JobStatus.SKIPPED
        original = Path(asset.original_path)
        self.release_transaction()
        video = self._video_tags(original) if asset.type == VIDEO else None
        metadata = self.media.metadata.read(
            original,
            is_video=asset.type == VIDEO,
            sidecar_path=Path(asset.sidecar_path) if asset.sidecar_path else None,
            stats=FileStats.from_path(original),
            video=video,
        )
        self.repos.assets.upsert_exif(asset.id, {**metadata.exif_row(), **self._places(metadata)})
        self.repos.assets.update(asset.id, self._asset_changes(asset, metadata))
        self._apply_tags(asset, metadata.tags)
        if asset.type == IMAGE and metadata.motion_photo is not None:
            self._extract_motion_part(asset, original, metadata)
        elif metadata.live_photo_cid:
            self._link_live_photo(asset, metadata.live_photo_cid)
        self.repos.assets.upsert_job_status(asset.id, {"metadata_extracted_at": utcnow()})
        # Upstream's onDone: the storage template comes next, and it queues the thumbnails of new files.
        data = {"id": str(asset.id)} if source is None else {"id": str(asset.id), "source": source}
        single = JobName.STORAGE_TEMPLATE_MIGRATION_SINGLE
        self.queue_job(single, data, job_key=job_key(single, data))
        return JobStatus.SUCCESS

    def write_sidecar(self, data: dict[str, Any]) -> JobStatus:
        """Write edited values to `<original>.xmp`, then read the asset again (upstream's sidecar-write)."""
        asset = self.repos.assets.get(UUID(data["id"]))
        if asset is None:
            # Deleted before its job ran: nothing to do, not a failure.
            return JobStatus.SKIPPED
        tags = SidecarTags(
            description=data.get("description"),
            date_time_original=data.get("dateTimeOriginal"),
            latitude=data.get("latitude"),
            longitude=data.get("longitude"),
            rating=data.get("rating"),
            tags=[found.value for found in self.repos.tags.list_by_asset(asset.id)] if data.get("tags") else None,
        )
        sidecar = Path(asset.sidecar_path or f"{asset.original_path}.xmp")
        if not self.media.sidecars.write_sidecar(sidecar, tags):
            return JobStatus.SKIPPED
        if asset.sidecar_path is None:
            self.repos.assets.update(asset.id, {"sidecar_path": str(sidecar)})
        self.queue_job(JobName.METADATA_EXTRACTION, {"id": str(asset.id), "source": "sidecar-write"})
        return JobStatus.SUCCESS

    def _places(self, metadata: ExtractedMetadata) -> dict[str, str | None]:
        """City, state and country at the asset's GPS position when reverse geocoding is on (upstream `getGeo`)."""
        lat, lon = metadata.latitude, metadata.longitude
        if not (self.get_config()["reverseGeocoding"]["enabled"] and lat and lon):
            return {"city": None, "state": None, "country": None}
        place = reverse_geocode(self.repos, lat, lon)
        return {"city": place.city, "state": place.state, "country": place.country}

    def _video_tags(self, original: Path) -> VideoTags:
        info = self.media.video.probe(original)
        stream = info.main_video_stream
        return VideoTags(duration_seconds=info.format.duration, rotation=stream.rotation if stream else None)

    @staticmethod
    def _asset_changes(asset: Asset, metadata: ExtractedMetadata) -> dict[str, Any]:
        changes: dict[str, Any] = {}
        for name in ("local_date_time", "file_created_at", "file_modified_at"):
            value = getattr(metadata, name)
            if value is not None:
                changes[name] = value
        if asset.type == VIDEO and metadata.duration:
            changes["duration"] = metadata.duration
        return changes

    def _apply_tags(self, asset: Asset, values: tuple[str, ...]) -> None:
        """Keywords become (hierarchical) tags of the owner, as upstream's tag import does."""
        if not values:
            return
        self.repos.tags.add_asset_tags(asset.id, [self._upsert_tag_path(asset.owner_id, v) for v in values])

    def _upsert_tag_path(self, user_id: UUID, value: str) -> UUID:
        parent: UUID | None = None
        parts = [p for p in value.split("/") if p]
        for depth in range(1, len(parts) + 1):
            path = "/".join(parts[:depth])
            found = self.repos.tags.get_id(user_id, path)
            parent = found if found is not None else self.repos.tags.create(user_id, path, parent)
        assert parent is not None
        return parent

    def _extract_motion_part(self, asset: Asset, original: Path, metadata: ExtractedMetadata) -> None:
        """Store the video embedded in a motion photo as a hidden video asset linked to the photo."""
        assert metadata.motion_photo is not None
        data = self.media.metadata.extract_motion_video(original, metadata.motion_photo)
        if not data:
            return
        checksum = hashlib.sha1(data).digest()
        motion = self.repos.assets.get_by_checksum(asset.owner_id, checksum)
        if motion is None:
            motion_id = uuid.uuid4()
            path = self.ctx.storage.nested_path(StorageFolder.ENCODED_VIDEO, asset.owner_id, f"{motion_id}-MP.mp4")
            sink = FileSink(path, asset.original_file_name)
            try:
                sink.write(data)
                sink.commit()
            except BaseException:
                sink.abort()
                raise
            motion = self.repos.assets.create(
                {
                    "id": motion_id,
                    "owner_id": asset.owner_id,
                    "device_asset_id": "NONE",
                    "device_id": "NONE",
                    "type": VIDEO,
                    "original_path": str(path),
                    "original_file_name": f"{PurePath(asset.original_file_name).stem}.mp4",
                    "file_created_at": asset.file_created_at,
                    "file_modified_at": asset.file_modified_at,
                    "local_date_time": asset.local_date_time,
                    "checksum": checksum,
                    "visibility": HIDDEN,
                }
            )
            self.repos.assets.upsert_exif(motion.id, {"file_size_in_byte": len(data)})
            self.queue_job(JobName.METADATA_EXTRACTION, {"id": str(motion.id), "source": "motion"})
        elif motion.visibility != HIDDEN:
            self.repos.assets.update(motion.id, {"visibility": HIDDEN})
        if asset.live_photo_video_id != motion.id:
            self.repos.assets.update(asset.id, {"live_photo_video_id": motion.id})

    def _link_live_photo(self, asset: Asset, cid: str) -> None:
        """Pair an iPhone live photo's image and video by their content identifier."""
        other_type = VIDEO if asset.type == IMAGE else IMAGE
        partner = self.repos.asset_jobs.live_photo_partner(asset.owner_id, cid, other_type, asset.id)
        if partner is None:
            return
        photo, video = (asset, partner) if asset.type == IMAGE else (partner, asset)
        self.repos.assets.update(photo.id, {"live_photo_video_id": video.id})
        self.repos.assets.update(video.id, {"visibility": HIDDEN})
        self.emit("on_asset_hidden", str(video.owner_id), str(video.id))
