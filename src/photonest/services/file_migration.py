"""The migration queue: derived files moved to the current layout (`media.service.ts`, `storage.core.ts` moveFile)."""

from __future__ import annotations

import logging
from pathlib import Path
from uuid import UUID

from photonest.db.types import utcnow
from photonest.jobs.names import JobName, JobStatus, QueueName
from photonest.services.base import BaseService
from photonest.storage.layout import StorageFolder
from photonest.storage.moves import MoveError, relocate, remove_empty_folders

log = logging.getLogger(__name__)

# The generated images of an asset, each `<assetId>-<type>.<ext>` under thumbs/.
IMAGE_FILE_TYPES = ("fullsize", "preview", "thumbnail")


class FileMigrationService(BaseService):
    """Queues and runs the `migration` queue: thumbnails, previews, encoded videos and face crops."""

    def queue_all(self) -> JobStatus:
        """A `migrate-asset` job per asset and a `migrate-person` job per person."""
        state = self.repos.jobs.queue_states(utcnow()).get(QueueName.MIGRATION.value)
        # Only when this is the queue's sole job, so no move of another job is under way in those folders.
        if state is not None and state.active == 1 and state.waiting == 0:
            # Walking the folders can take a while: no database lock meanwhile.
            self.release_transaction()
            for folder in (StorageFolder.THUMBNAILS, StorageFolder.ENCODED_VIDEO):
                remove_empty_folders(self.ctx.storage.folder(folder))
        for asset_id in self.repos.assets.ids_for_migration():
            self.queue_job(JobName.MIGRATE_ASSET, {"id": str(asset_id)})
        for person_id in self.repos.people.all_ids():
            self.queue_job(JobName.MIGRATE_PERSON, {"id": str(person_id)})
        return JobStatus.SUCCESS

    def migrate_asset(self, asset_id: UUID) -> JobStatus:
        """Move the asset's previews, thumbnail and encoded video to where the layout puts them now."""
        asset = self.repos.assets.get(asset_id)
        if asset is None:
            # Deleted before its job ran: nothing to do, not a failure.
            return JobStatus.SKIPPED
        storage = self.ctx.storage
        moves: list[tuple[str, str, Path]] = []
        for file in self.repos.assets.get_files(asset.id):
            if file.type not in IMAGE_FILE_TYPES:
                continue
            # The file keeps its own extension: upstream renames to the configured format's, which would mislabel
            # a file made before the format was changed.
            suffix = Path(file.path).suffix or f".{self.get_config()['image'][file.type]['format']}"
            target = storage.nested_path(StorageFolder.THUMBNAILS, asset.owner_id, f"{asset.id}-{file.type}{suffix}")
            moves.append((file.type, file.path, target))
        if asset.encoded_video_path:
            target = storage.nested_path(StorageFolder.ENCODED_VIDEO, asset.owner_id, f"{asset.id}.mp4")
            moves.append(("encoded_video", asset.encoded_video_path, target))
        for kind, old, target in moves:
            # A move may be a copy across file systems: no database lock is held during it, each path commits alone.
            self.release_transaction()
            if not move_file(old, target):
                continue
            if kind == "encoded_video":
                self.repos.assets.update(asset.id, {"encoded_video_path": str(target)})
            else:
                self.repos.assets.upsert_file(asset.id, kind, str(target))
        return JobStatus.SUCCESS

    def migrate_person(self, person_id: UUID) -> JobStatus:
        """Move the person's face crop to `thumbs/<owner>/…/<personId>.jpeg`."""
        person = self.repos.people.get(person_id)
        if person is None:
            return JobStatus.SKIPPED
        if person.thumbnail_path:
            target = self.ctx.storage.nested_path(StorageFolder.THUMBNAILS, person.owner_id, f"{person.id}.jpeg")
            self.release_transaction()
            if move_file(person.thumbnail_path, target):
                self.repos.people.update(person.id, {"thumbnail_path": str(target)})
        return JobStatus.SUCCESS


def move_file(old: str, target: Path) -> bool:
    """Move a file to `target`, never replacing one there; True when the database should now point at `target`.

    Upstream keeps a `move_history` row to finish an interrupted move; here a file found only at the target
    (renamed, but the path update never committed) is taken as moved.
    """
    if old == str(target):
        return False
    source = Path(old)
    if not source.is_file():
        if target.is_file():
            log.info("Found %s already moved to %s", old, target)
            return True
        log.warning("Unable to move %s: the file is missing", old)
        return False
    try:
        relocate(source, target, None)
    except (OSError, MoveError) as error:
        log.warning("Unable to move %s to %s: %s", old, target, error)
        return False
    log.debug("Moved %s to %s", old, target)
    return True
