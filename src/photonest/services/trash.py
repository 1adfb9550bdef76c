"""Trash: restore and empty (`trash.service.ts`)."""

from __future__ import annotations

from uuid import UUID

from photonest.jobs.names import JobName
from photonest.records import Auth
from photonest.schemas import generated as g
from photonest.services.access import require_access
from photonest.services.base import BaseService


class TrashService(BaseService):
    """Moves assets out of the trash or on to deletion."""

    def restore_assets(self, auth: Auth, ids: list[UUID]) -> g.TrashResponseDto:
        require_access(self.repos, auth, g.Permission.ASSET_DELETE, ids)
        return self._restored(auth, self.repos.trash.restore(ids))

    def restore(self, auth: Auth) -> g.TrashResponseDto:
        return self._restored(auth, self.repos.trash.restore_all(auth.user_id))

    def empty(self, auth: Auth) -> g.TrashResponseDto:
        count = self.repos.trash.empty(auth.user_id)
        if count:
            self.queue_job(JobName.QUEUE_TRASH_EMPTY)
        return g.TrashResponseDto(count=count)

    def queue_deletions(self) -> None:
        """Queue the deletion of every asset marked deleted (the `queue-trash-empty` job)."""
        for asset_id in self.repos.trash.ids_to_delete():
            self.queue_job(JobName.ASSET_DELETION, {"id": str(asset_id), "deleteOnDisk": True})

    def _restored(self, auth: Auth, ids: list[UUID]) -> g.TrashResponseDto:
        if ids:
            self.emit("on_asset_restore", str(auth.user_id), [str(i) for i in ids])
        return g.TrashResponseDto(count=len(ids))
