"""XMP sidecar discovery and re-checks (`metadata.service.ts` handleQueueSidecar / processSidecar)."""

from __future__ import annotations

import logging
from uuid import UUID

from photonest.jobs.names import JobName, JobStatus
from photonest.records import Asset
from photonest.schemas import generated as g
from photonest.services.base import BaseService
from photonest.storage.library_scan import find_sidecar

log = logging.getLogger(__name__)

HIDDEN = g.AssetVisibility.HIDDEN.value


class SidecarService(BaseService):
    """Finds each asset's `<original>.xmp` / `<stem>.xmp` and has its metadata read again when it changed."""

    def queue_all(self, *, force: bool) -> JobStatus:
        """With force a `sidecar-sync` for every asset, else a `sidecar-discovery` for those without a sidecar."""
        name = JobName.SIDECAR_SYNC if force else JobName.SIDECAR_DISCOVERY
        for asset_id in self.repos.assets.ids_for_sidecar(force=force):
            self.queue_job(name, {"id": str(asset_id)})
        return JobStatus.SUCCESS

    def discover(self, asset_id: UUID) -> JobStatus:
        """Store a sidecar found next to an asset that has none yet (external assets are always re-checked)."""
        asset = self.repos.assets.get(asset_id)
        if asset is None:
            # Deleted before its job ran: nothing to do, not a failure.
            return JobStatus.SKIPPED
        if not asset.is_external and (asset.visibility == HIDDEN or asset.sidecar_path):
            return JobStatus.SKIPPED
        return self._check(asset)

    def sync(self, asset_id: UUID) -> JobStatus:
        """Look again for the asset's sidecar: set, changed or cleared, then read the metadata again."""
        asset = self.repos.assets.get(asset_id)
        if asset is None:
            return JobStatus.SKIPPED
        return self._check(asset)

    def _check(self, asset: Asset) -> JobStatus:
        found = find_sidecar(asset.original_path)
        if found is None and not asset.sidecar_path:
            # Upstream reports these as failed; here nothing changed, so there is nothing to re-read either.
            log.debug("No sidecar found for asset %s: %s", asset.id, asset.original_path)
            return JobStatus.SKIPPED
        if found != asset.sidecar_path:
            log.debug("Sidecar of asset %s: %s -> %s", asset.id, asset.sidecar_path, found)
            self.repos.assets.update(asset.id, {"sidecar_path": found})
        # Upstream's `JobService.onDone` queues the extraction with the sidecar job's own data (no source).
        self.queue_job(JobName.METADATA_EXTRACTION, {"id": str(asset.id)})
        return JobStatus.SUCCESS
