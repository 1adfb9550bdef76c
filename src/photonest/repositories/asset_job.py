"""Which assets a queue-all job should (re)process: all of them, or those still missing the step."""

from __future__ import annotations

from uuid import UUID

from sqlalchemy import exists, or_, select

from photonest.db.tables import asset, asset_exif, asset_file, asset_job_status
from photonest.records import Asset
from photonest.repositories.base import Repository


class AssetJobRepository(Repository):
    """Id lists for the queue-all jobs, using `asset_job_status` bookkeeping."""

    def ids_for_thumbnails(self, *, force: bool) -> list[UUID]:
        query = select(asset.c.id).where(asset.c.deleted_at.is_(None), asset.c.visibility != "hidden")
        if not force:
            has_preview = exists().where(asset_file.c.asset_id == asset.c.id, asset_file.c.type == "preview")
            has_thumbnail = exists().where(asset_file.c.asset_id == asset.c.id, asset_file.c.type == "thumbnail")
            query = query.where(or_(~has_preview, ~has_thumbnail, asset.c.thumbhash.is_(None)))
        return list(self.execute(query.order_by(asset.c.created_at)).scalars())

    def ids_for_metadata(self, *, force: bool) -> list[UUID]:
        query = select(asset.c.id).where(asset.c.deleted_at.is_(None))
        if not force:
            done = exists().where(
                asset_job_status.c.asset_id == asset.c.id, asset_job_status.c.metadata_extracted_at.is_not(None)
            )
            query = query.where(~done)
        return list(self.execute(query.order_by(asset.c.created_at)).scalars())

    def ids_for_video_conversion(self, *, force: bool) -> list[UUID]:
        query = select(asset.c.id).where(asset.c.deleted_at.is_(None), asset.c.type == "VIDEO")
        if not force:
            query = query.where(or_(asset.c.encoded_video_path.is_(None), asset.c.encoded_video_path == ""))
        return list(self.execute(query.order_by(asset.c.created_at)).scalars())

    def ids_referencing_motion(self, motion_id: UUID) -> list[UUID]:
        """The photos whose live-photo video is this asset."""
        return list(self.execute(select(asset.c.id).where(asset.c.live_photo_video_id == motion_id)).scalars())

    def live_photo_partner(self, owner_id: UUID, cid: str, type_: str, exclude: UUID) -> Asset | None:
        """The owner's other asset of the given type with the same live-photo content identifier."""
        query = (
            select(asset)
            .join(asset_exif, asset_exif.c.asset_id == asset.c.id)
            .where(
                asset.c.owner_id == owner_id,
                asset.c.type == type_,
                asset.c.id != exclude,
                asset_exif.c.live_photo_cid == cid,
                asset.c.deleted_at.is_(None),
            )
            .limit(1)
        )
        row = self.execute(query).first()
        return Asset.from_row(row) if row else None
