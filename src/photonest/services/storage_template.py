"""Moving originals to the admin's storage template (`storage-template.service.ts`, `storage.core.ts` moveFile).

A move is crash-safe: it is recorded in `move_history` and committed before the file moves, and the new path and the
record's removal commit together afterwards. A record found when the asset comes up again is finished (the file is at
the new place) or rolled back (it is still at the old one) before anything else happens.
"""

from __future__ import annotations

import dataclasses
import fcntl
import logging
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from uuid import UUID

from photonest.jobs.names import JobName, JobStatus
from photonest.records import Move, StorageAsset
from photonest.services.base import BaseService
from photonest.services.metadata import NEW_FILE_SOURCES
from photonest.storage.layout import StorageFolder, is_inside
from photonest.storage.moves import Expected, MoveError, matches, relocate, remove_empty_folders
from photonest.storage.template import (
    StorageTemplate,
    TemplateAsset,
    TemplateError,
    compile_template,
    live_photo_motion_filename,
    source_extension,
    substitutions,
    target_extension,
    template_filename,
    template_path,
)

log = logging.getLogger(__name__)

# Upstream's `AssetPathType` values, as stored in `move_history.path_type`.
ORIGINAL, SIDECAR = "original", "sidecar"
# Upstream's JOBS_ASSET_PAGINATION_SIZE.
BATCH_SIZE = 1000
# Serialises moves across threads, processes and machines sharing the media folder (upstream takes a database lock).
LOCK_FILE = ".storage-template.lock"


class StorageTemplateService(BaseService):
    """Renders the template for assets and moves their originals, sidecars and live-photo videos there."""

    def migrate_single(self, asset_id: UUID, source: str | None = None) -> JobStatus:
        """Move one asset (and its live-photo video); thumbnails of new files follow whatever the outcome."""
        status = self._migrate_single(asset_id)
        if source in NEW_FILE_SOURCES:
            # Upstream's onDone for `storage-template-migration-single`.
            self.queue_job(JobName.GENERATE_THUMBNAILS, {"id": str(asset_id), "source": "upload"})
        return status

    def migrate_all(self) -> JobStatus:
        """Move every asset, in batches; skipped while the template is disabled, as upstream."""
        config = self.get_config()["storageTemplate"]
        if not config["enabled"]:
            log.info("Storage template migration disabled, skipping")
            return JobStatus.SKIPPED
        template = self._compile(config["template"])
        if template is None:
            return JobStatus.FAILED
        self.repos.moves.delete_orphans((ORIGINAL, SIDECAR))
        labels = {user.id: user.storage_label for user in self.repos.users.list_all(with_deleted=True)}
        verify = bool(config["hashVerificationEnabled"])
        after: UUID | None = None
        moved = failed = 0
        while batch := self.repos.assets.list_storage_assets(after, BATCH_SIZE):
            for asset in batch:
                name = asset.original_file_name or str(asset.id)
                result = self._move_asset(asset, labels.get(asset.owner_id), name, template, verify)
                moved, failed = moved + (result is True), failed + (result is False)
            after = batch[-1].id
        # Under the move lock, so no folder a move has just made is taken away before the file gets there; and with
        # no database lock, as the walk can take a while.
        self.release_transaction()
        with self._move_lock():
            remove_empty_folders(self.ctx.storage.folder(StorageFolder.LIBRARY))
        log.info("Finished storage template migration: %d moved, %d failed", moved, failed)
        return JobStatus.SUCCESS

    def _migrate_single(self, asset_id: UUID) -> JobStatus:
        config = self.get_config()["storageTemplate"]
        if not config["enabled"]:
            return JobStatus.SKIPPED
        asset = self.repos.assets.get_storage_asset(asset_id)
        if asset is None:
            return JobStatus.FAILED
        template = self._compile(config["template"])
        if template is None:
            return JobStatus.FAILED
        owner = self.repos.users.get(asset.owner_id, with_deleted=True)
        label = owner.storage_label if owner else None
        name = asset.original_file_name or str(asset.id)
        verify = bool(config["hashVerificationEnabled"])
        results = [self._move_asset(asset, label, name, template, verify)]
        if asset.live_photo_video_id:
            video = self.repos.assets.get_storage_asset(asset.live_photo_video_id)
            if video is None:
                return JobStatus.FAILED
            motion_name = live_photo_motion_filename(name, video.original_path)
            results.append(self._move_asset(video, label, motion_name, template, verify))
        if False in results:
            return JobStatus.FAILED
        return JobStatus.SUCCESS if True in results else JobStatus.SKIPPED

    def _compile(self, raw: str) -> StorageTemplate | None:
        try:
            return compile_template(raw)
        except TemplateError as error:
            log.error("Invalid storage template %r: %s", raw, error)
            return None

    # --- one asset ---

    def _move_asset(
        self, asset: StorageAsset, label: str | None, name: str, template: StorageTemplate, verify: bool
    ) -> bool | None:
        """Move the original and sidecar to their template paths: True moved, None nothing to do, False failed."""
        if asset.is_external or self._is_android_motion(asset.original_path):
            # Library files stay where their library has them; motion parts live with the encoded videos.
            return None
        if not asset.file_size_in_byte:
            log.error("Asset %s has no file size in its EXIF row, skipping storage template migration", asset.id)
            return None
        expected = Expected(asset.file_size_in_byte, asset.checksum if verify else None)
        # No database lock is held while waiting for the move lock.
        self.release_transaction()
        with self._move_lock():
            settled = self._settle_pending(asset, expected)
            if settled is None:
                return False
            target = self._target(settled, label, name, template)
            if target is None:
                return False
            moved = False
            if target != settled.original_path:
                if not self._move_file(settled.id, ORIGINAL, settled.original_path, target, expected):
                    return False
                moved = True
            sidecar = settled.sidecar_path
            if sidecar and sidecar != f"{target}.xmp":
                if not self._move_file(settled.id, SIDECAR, sidecar, f"{target}.xmp", None):
                    return False
                moved = True
            return moved or None

    def _target(self, asset: StorageAsset, label: str | None, name: str, template: StorageTemplate) -> str | None:
        """The template path of the original (upstream `getTemplatePath`); None when the template cannot render."""
        stored_extension = source_extension(asset.original_path)
        extension = target_extension(stored_extension)
        album = self.repos.assets.newest_album_name(asset.owner_id, asset.id) if template.needs_album else None
        values = substitutions(
            TemplateAsset(asset.id, asset.type, asset.file_created_at, asset.time_zone),
            filename=template_filename(name, stored_extension, str(asset.id)),
            extension=extension,
            album_name=album,
        )
        try:
            rendered = template.render(values)
        except TemplateError as error:
            log.error("Unable to render the storage template for asset %s: %s", asset.id, error)
            return None
        root = self.ctx.storage.folder(StorageFolder.LIBRARY) / (label or str(asset.owner_id))
        target = template_path(str(root), rendered, extension, asset.original_path, os.path.lexists)
        if target == asset.original_path and not is_inside(Path(target), root):
            log.warning("Storage template for asset %s leads outside %s; the file stays", asset.id, root)
        return target

    def _is_android_motion(self, path: str) -> bool:
        return is_inside(Path(path), self.ctx.storage.folder(StorageFolder.ENCODED_VIDEO))

    # --- moves ---

    def _move_file(self, entity_id: UUID, path_type: str, old: str, new: str, expected: Expected | None) -> bool:
        """Record, move, save: the record is committed before the file moves, the new path with its removal."""
        record = self.repos.moves.create(entity_id, path_type, old, new)
        if record is None:
            log.warning("Not moving %s to %s: another move holds the file or the target", old, new)
            return False
        self.release_transaction()
        try:
            relocate(Path(old), Path(new), expected)
        except (OSError, MoveError) as error:
            log.warning("Unable to move %s to %s: %s", old, new, error)
            self.repos.moves.delete(record.id)
            self.release_transaction()
            return False
        self._save_path(path_type, entity_id, new)
        self.repos.moves.delete(record.id)
        self.release_transaction()
        return True

    def _settle_pending(self, asset: StorageAsset, expected: Expected) -> StorageAsset | None:
        """Finish or roll back moves of this asset interrupted earlier; None when one can do neither."""
        for path_type in (ORIGINAL, SIDECAR):
            record = self.repos.moves.get_by_entity(asset.id, path_type)
            if record is None:
                continue
            log.info("Found an unfinished move: %s => %s", record.old_path, record.new_path)
            # Checking the file may mean hashing it: no database lock meanwhile.
            self.release_transaction()
            outcome = self._settle(record, expected if path_type == ORIGINAL else None)
            if outcome is None:
                return None
            if outcome:
                self._save_path(path_type, asset.id, record.new_path)
                if path_type == ORIGINAL:
                    asset = dataclasses.replace(asset, original_path=record.new_path)
                else:
                    asset = dataclasses.replace(asset, sidecar_path=record.new_path)
            self.repos.moves.delete(record.id)
            self.release_transaction()
        return asset

    @staticmethod
    def _settle(record: Move, expected: Expected | None) -> bool | None:
        """True: the file is at the new path (finish), False: at the old one (roll back), None: neither is safe."""
        old, new = Path(record.old_path), Path(record.new_path)
        old_exists, new_exists = old.is_file(), new.is_file()
        if old_exists and new_exists and os.path.samefile(old, new):
            # Stopped between linking the new name and removing the old one.
            old.unlink()
            return True
        if new_exists and matches(new, expected, old if old_exists else None):
            if old_exists:
                # A verified copy from another file system whose source was not removed yet.
                old.unlink()
            return True
        if old_exists:
            return False
        if new_exists:
            log.critical("Not finishing the move to %s: the old file is missing and the new one differs", new)
        else:
            log.warning("Unable to finish the move of %s: the file is at neither place", old)
        return None

    def _save_path(self, path_type: str, asset_id: UUID, path: str) -> None:
        field = "original_path" if path_type == ORIGINAL else "sidecar_path"
        self.repos.assets.update(asset_id, {field: path})

    @contextmanager
    def _move_lock(self) -> Iterator[None]:
        path = self.ctx.storage.root / LOCK_FILE
        with path.open("a") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)
