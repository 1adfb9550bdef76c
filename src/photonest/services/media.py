"""Thumbnails and video conversion for assets (`media.service.ts`)."""

from __future__ import annotations

import logging
from pathlib import Path
from uuid import UUID

from photonest.db.types import utcnow
from photonest.jobs.names import JobName, JobStatus
from photonest.media.images import ImageOptions, ImageTargets
from photonest.media.video_protocols import UnusableVideoError, VideoError
from photonest.records import Asset
from photonest.schemas import generated as g
from photonest.schemas.asset import map_asset
from photonest.services.base import BaseService
from photonest.storage.files import remove_file
from photonest.storage.layout import StorageFolder

log = logging.getLogger(__name__)

IMAGE, VIDEO = g.AssetTypeEnum.IMAGE.value, g.AssetTypeEnum.VIDEO.value
FILE_TYPES = ("preview", "thumbnail", "fullsize")


class MediaService(BaseService):
    """Makes the derived files of an asset."""

    def generate_thumbnails(self, asset_id: UUID, source: str | None = None) -> JobStatus:
        """Preview, thumbnail, optional full-size copy and thumbhash; announces a finished upload."""
        asset = self.repos.assets.get(asset_id)
        if asset is None:
            # Deleted before its job ran: nothing to do, not a failure.
            return JobStatus.SKIPPED
        if asset.visibility == g.AssetVisibility.HIDDEN.value:
            # Live-photo video parts are never shown on their own (upstream skips them too).
            return JobStatus.SKIPPED
        if asset.type not in (IMAGE, VIDEO):
            return JobStatus.SKIPPED
        config = self.get_config()
        options = ImageOptions.from_config(config)
        targets = self._targets(asset, options)
        original = Path(asset.original_path)
        exif = self.repos.assets.get_exif(asset_id) or {}
        self.release_transaction()
        if asset.type == VIDEO:
            info = self.media.video.probe(original)
            frame = self.media.video.poster_frame(original, tonemap=config["ffmpeg"]["tonemap"], info=info)
            result = self.media.images.generate_from_image(frame, targets, options)
        else:
            orientation = _orientation(exif.get("orientation"))
            result = self.media.images.generate(original, targets, options, orientation=orientation)
        self._store_files(asset, targets)
        self.repos.assets.update(asset_id, {"thumbhash": result.thumbhash})
        now = utcnow()
        self.repos.assets.upsert_job_status(asset_id, {"preview_at": now, "thumbnail_at": now})
        if source == "upload":
            self._announce_upload(asset_id)
            self.queue_job(JobName.SMART_SEARCH, {"id": str(asset_id), "source": "upload"})
            self.queue_job(JobName.FACE_DETECTION, {"id": str(asset_id)})
            if asset.type == VIDEO:
                self.queue_job(JobName.VIDEO_CONVERSION, {"id": str(asset_id)})
        return JobStatus.SUCCESS

    def convert_video(self, asset_id: UUID) -> JobStatus:
        """Transcode a video when the ffmpeg policy asks for it, into encoded-video/."""
        asset = self.repos.assets.get(asset_id)
        if asset is None or asset.type != VIDEO:
            return JobStatus.SKIPPED
        config = self.get_config()
        original = Path(asset.original_path)
        try:
            info = self.media.video.probe(original)
            plan = self.media.video.plan(config, info)
        except UnusableVideoError:
            return JobStatus.FAILED
        if not plan.required:
            if asset.encoded_video_path:
                self._remove_after_commit(asset.encoded_video_path)
                self.repos.assets.update(asset_id, {"encoded_video_path": None})
            return JobStatus.SKIPPED
        target = self.ctx.storage.nested_path(StorageFolder.ENCODED_VIDEO, asset.owner_id, f"{asset.id}.mp4")
        target.parent.mkdir(parents=True, exist_ok=True)
        self.release_transaction()
        try:
            self.media.video.transcode(original, target, config, info)
        except VideoError:
            log.exception("Video conversion of %s failed", asset_id)
            raise
        self.repos.assets.update(asset_id, {"encoded_video_path": str(target)})
        return JobStatus.SUCCESS

    def _targets(self, asset: Asset, options: ImageOptions) -> ImageTargets:
        def path(kind: str, fmt: str) -> Path:
            target = self.ctx.storage.nested_path(StorageFolder.THUMBNAILS, asset.owner_id, f"{asset.id}-{kind}.{fmt}")
            target.parent.mkdir(parents=True, exist_ok=True)
            return target

        fullsize = None
        if asset.type == IMAGE and options.wants_fullsize(asset.original_file_name):
            fullsize = path("fullsize", options.fullsize.format.value)
        return ImageTargets(
            preview_path=path("preview", options.preview.format.value),
            thumbnail_path=path("thumbnail", options.thumbnail.format.value),
            fullsize_path=fullsize,
        )

    def _store_files(self, asset: Asset, targets: ImageTargets) -> None:
        wanted = {
            "preview": targets.preview_path,
            "thumbnail": targets.thumbnail_path,
            "fullsize": targets.fullsize_path,
        }
        existing = {f.type: f.path for f in self.repos.assets.get_files(asset.id)}
        for kind, target in wanted.items():
            old = existing.get(kind)
            if target is not None:
                self.repos.assets.upsert_file(asset.id, kind, str(target))
            if old and (target is None or old != str(target)):
                self._remove_after_commit(old)
        if targets.fullsize_path is None and "fullsize" in existing:
            self.repos.assets.delete_file(asset.id, "fullsize")

    def _announce_upload(self, asset_id: UUID) -> None:
        asset = self.repos.assets.get(asset_id)
        if asset is None:
            return
        owner = self.repos.users.get(asset.owner_id, with_deleted=True)
        response = map_asset(asset, exif=self.repos.assets.get_exif(asset_id) or {}, owner=owner)
        self.emit("on_upload_success", str(asset.owner_id), response.model_dump(mode="json", by_alias=True))

    def _remove_after_commit(self, path: str) -> None:
        root = self.ctx.storage.root
        self.after_commit(lambda: remove_file(Path(path), root))


def _orientation(value: object) -> int | None:
    try:
        return int(str(value)) if value not in (None, "") else None
    except ValueError:
        return None
