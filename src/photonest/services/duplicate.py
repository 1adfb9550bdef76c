"""Duplicate detection over CLIP embeddings and the duplicate groups of a user (`duplicate.service.ts`)."""

from __future__ import annotations

import uuid
from uuid import UUID

from photonest.db.types import utcnow
from photonest.jobs.names import JobName, JobStatus
from photonest.records import Auth
from photonest.schemas import generated as g
from photonest.schemas.asset import map_asset
from photonest.services.base import BaseService
from photonest.services.smart_info import duplicate_detection_enabled


class DuplicateService(BaseService):
    """Finds near-identical assets and lists the groups."""

    def get_duplicates(self, auth: Auth) -> list[g.DuplicateResponseDto]:
        """The caller's groups of two or more assets."""
        groups = self.repos.duplicates.groups(auth.user_id)
        return [
            g.DuplicateResponseDto(
                duplicate_id=str(duplicate_id),
                assets=[map_asset(a, auth_user_id=auth.user_id, exif=exif) for a, exif in members],
            )
            for duplicate_id, members in groups.items()
        ]

    def queue_detect_all(self, force: bool) -> JobStatus:
        """`queue-duplicate-detection`: one job per asset with an embedding not checked yet (all with force)."""
        if not duplicate_detection_enabled(self.get_config()):
            return JobStatus.SKIPPED
        for asset_id in self.repos.smart_search.ids_to_deduplicate(force=force):
            self.queue_job(JobName.DUPLICATE_DETECTION, {"id": str(asset_id)})
        return JobStatus.SUCCESS

    def detect(self, asset_id: UUID) -> JobStatus:
        """`duplicate-detection`: join the asset to the group of its near-identical assets (merging groups)."""
        config = self.get_config()
        if not duplicate_detection_enabled(config):
            return JobStatus.SKIPPED
        asset = self.repos.assets.get(asset_id)
        if asset is None:
            return JobStatus.FAILED
        if asset.stack_id is not None or asset.visibility == g.AssetVisibility.HIDDEN.value:
            return JobStatus.SKIPPED
        embedding = self.repos.smart_search.get_embedding(asset_id)
        if embedding is None:
            return JobStatus.FAILED
        max_distance = float(config["machineLearning"]["duplicateDetection"]["maxDistance"])
        matches = self.repos.smart_search.duplicate_candidates(
            asset_id, embedding, asset.owner_id, asset.type, max_distance
        )
        checked = [asset_id]
        if matches:
            existing = [m.duplicate_id for m in matches if m.duplicate_id is not None]
            target = asset.duplicate_id or (existing[0] if existing else uuid.uuid4())
            sources = {d for d in [asset.duplicate_id, *existing] if d is not None and d != target}
            members = [m.asset_id for m in matches if m.duplicate_id != target]
            self.repos.duplicates.merge(target, [*members, asset_id], sources)
            checked += [m.asset_id for m in matches]
        elif asset.duplicate_id is not None:
            self.repos.duplicates.remove(asset_id)
        now = utcnow()
        for checked_id in checked:
            self.repos.assets.upsert_job_status(checked_id, {"duplicates_detected_at": now})
        return JobStatus.SUCCESS
