"""Upstream's queue and job names (`QueueName`, `JobName` in `server/src/enum.ts`) and which queue runs which job."""

from __future__ import annotations

from enum import StrEnum
from typing import Any


class QueueName(StrEnum):
    THUMBNAIL_GENERATION = "thumbnailGeneration"
    METADATA_EXTRACTION = "metadataExtraction"
    VIDEO_CONVERSION = "videoConversion"
    FACE_DETECTION = "faceDetection"
    FACIAL_RECOGNITION = "facialRecognition"
    SMART_SEARCH = "smartSearch"
    DUPLICATE_DETECTION = "duplicateDetection"
    BACKGROUND_TASK = "backgroundTask"
    STORAGE_TEMPLATE_MIGRATION = "storageTemplateMigration"
    MIGRATION = "migration"
    SEARCH = "search"
    SIDECAR = "sidecar"
    LIBRARY = "library"
    NOTIFICATION = "notifications"
    BACKUP_DATABASE = "backupDatabase"


class JobStatus(StrEnum):
    """What a job handler reports (upstream's `JobStatus`)."""

    SUCCESS = "success"
    FAILED = "failed"
    SKIPPED = "skipped"


class JobName(StrEnum):
    DATABASE_BACKUP = "database-backup"
    QUEUE_VIDEO_CONVERSION = "queue-video-conversion"
    VIDEO_CONVERSION = "video-conversion"
    QUEUE_GENERATE_THUMBNAILS = "queue-generate-thumbnails"
    GENERATE_THUMBNAILS = "generate-thumbnails"
    GENERATE_PERSON_THUMBNAIL = "generate-person-thumbnail"
    QUEUE_METADATA_EXTRACTION = "queue-metadata-extraction"
    METADATA_EXTRACTION = "metadata-extraction"
    USER_DELETION = "user-deletion"
    USER_DELETE_CHECK = "user-delete-check"
    USER_SYNC_USAGE = "user-sync-usage"
    ASSET_DELETION = "asset-deletion"
    ASSET_DELETION_CHECK = "asset-deletion-check"
    STORAGE_TEMPLATE_MIGRATION = "storage-template-migration"
    STORAGE_TEMPLATE_MIGRATION_SINGLE = "storage-template-migration-single"
    TAG_CLEANUP = "tag-cleanup"
    QUEUE_MIGRATION = "queue-migration"
    MIGRATE_ASSET = "migrate-asset"
    MIGRATE_PERSON = "migrate-person"
    PERSON_CLEANUP = "person-cleanup"
    QUEUE_FACE_DETECTION = "queue-face-detection"
    FACE_DETECTION = "face-detection"
    QUEUE_FACIAL_RECOGNITION = "queue-facial-recognition"
    FACIAL_RECOGNITION = "facial-recognition"
    LIBRARY_QUEUE_SYNC_FILES = "library-queue-sync-files"
    LIBRARY_QUEUE_SYNC_ASSETS = "library-queue-sync-assets"
    LIBRARY_SYNC_FILES = "library-sync-files"
    LIBRARY_SYNC_ASSETS = "library-sync-assets"
    LIBRARY_ASSET_REMOVAL = "handle-library-file-deletion"
    LIBRARY_DELETE = "library-delete"
    LIBRARY_QUEUE_SCAN_ALL = "library-queue-scan-all"
    LIBRARY_QUEUE_CLEANUP = "library-queue-cleanup"
    DELETE_FILES = "delete-files"
    CLEAN_OLD_AUDIT_LOGS = "clean-old-audit-logs"
    CLEAN_OLD_SESSION_TOKENS = "clean-old-session-tokens"
    MEMORIES_CLEANUP = "memories-cleanup"
    MEMORIES_CREATE = "memories-create"
    QUEUE_SMART_SEARCH = "queue-smart-search"
    SMART_SEARCH = "smart-search"
    QUEUE_TRASH_EMPTY = "queue-trash-empty"
    QUEUE_DUPLICATE_DETECTION = "queue-duplicate-detection"
    DUPLICATE_DETECTION = "duplicate-detection"
    QUEUE_SIDECAR = "queue-sidecar"
    SIDECAR_DISCOVERY = "sidecar-discovery"
    SIDECAR_SYNC = "sidecar-sync"
    SIDECAR_WRITE = "sidecar-write"
    NOTIFY_SIGNUP = "notify-signup"
    NOTIFY_ALBUM_INVITE = "notify-album-invite"
    NOTIFY_ALBUM_UPDATE = "notify-album-update"
    SEND_EMAIL = "notification-send-email"
    NOTIFICATIONS_CLEANUP = "notifications-cleanup"
    VERSION_CHECK = "version-check"


_Q = QueueName
_J = JobName

JOB_QUEUE: dict[JobName, QueueName] = {
    _J.DATABASE_BACKUP: _Q.BACKUP_DATABASE,
    _J.QUEUE_VIDEO_CONVERSION: _Q.VIDEO_CONVERSION,
    _J.VIDEO_CONVERSION: _Q.VIDEO_CONVERSION,
    _J.QUEUE_GENERATE_THUMBNAILS: _Q.THUMBNAIL_GENERATION,
    _J.GENERATE_THUMBNAILS: _Q.THUMBNAIL_GENERATION,
    _J.GENERATE_PERSON_THUMBNAIL: _Q.THUMBNAIL_GENERATION,
    _J.QUEUE_METADATA_EXTRACTION: _Q.METADATA_EXTRACTION,
    _J.METADATA_EXTRACTION: _Q.METADATA_EXTRACTION,
    _J.USER_DELETION: _Q.BACKGROUND_TASK,
    _J.USER_DELETE_CHECK: _Q.BACKGROUND_TASK,
    _J.USER_SYNC_USAGE: _Q.BACKGROUND_TASK,
    _J.ASSET_DELETION: _Q.BACKGROUND_TASK,
    _J.ASSET_DELETION_CHECK: _Q.BACKGROUND_TASK,
    _J.STORAGE_TEMPLATE_MIGRATION: _Q.STORAGE_TEMPLATE_MIGRATION,
    _J.STORAGE_TEMPLATE_MIGRATION_SINGLE: _Q.STORAGE_TEMPLATE_MIGRATION,
    _J.TAG_CLEANUP: _Q.BACKGROUND_TASK,
    _J.QUEUE_MIGRATION: _Q.MIGRATION,
    _J.MIGRATE_ASSET: _Q.MIGRATION,
    _J.MIGRATE_PERSON: _Q.MIGRATION,
    _J.PERSON_CLEANUP: _Q.BACKGROUND_TASK,
    _J.QUEUE_FACE_DETECTION: _Q.FACE_DETECTION,
    _J.FACE_DETECTION: _Q.FACE_DETECTION,
    _J.QUEUE_FACIAL_RECOGNITION: _Q.FACIAL_RECOGNITION,
    _J.FACIAL_RECOGNITION: _Q.FACIAL_RECOGNITION,
    _J.LIBRARY_QUEUE_SYNC_FILES: _Q.LIBRARY,
    _J.LIBRARY_QUEUE_SYNC_ASSETS: _Q.LIBRARY,
    _J.LIBRARY_SYNC_FILES: _Q.LIBRARY,
    _J.LIBRARY_SYNC_ASSETS: _Q.LIBRARY,
    _J.LIBRARY_ASSET_REMOVAL: _Q.LIBRARY,
    _J.LIBRARY_DELETE: _Q.LIBRARY,
    _J.LIBRARY_QUEUE_SCAN_ALL: _Q.LIBRARY,
    _J.LIBRARY_QUEUE_CLEANUP: _Q.LIBRARY,
    _J.DELETE_FILES: _Q.BACKGROUND_TASK,
    _J.CLEAN_OLD_AUDIT_LOGS: _Q.BACKGROUND_TASK,
    _J.CLEAN_OLD_SESSION_TOKENS: _Q.BACKGROUND_TASK,
    _J.MEMORIES_CLEANUP: _Q.BACKGROUND_TASK,
    _J.MEMORIES_CREATE: _Q.BACKGROUND_TASK,
    _J.QUEUE_SMART_SEARCH: _Q.SMART_SEARCH,
    _J.SMART_SEARCH: _Q.SMART_SEARCH,
    _J.QUEUE_TRASH_EMPTY: _Q.BACKGROUND_TASK,
    _J.QUEUE_DUPLICATE_DETECTION: _Q.DUPLICATE_DETECTION,
    _J.DUPLICATE_DETECTION: _Q.DUPLICATE_DETECTION,
    _J.QUEUE_SIDECAR: _Q.SIDECAR,
    _J.SIDECAR_DISCOVERY: _Q.SIDECAR,
    _J.SIDECAR_SYNC: _Q.SIDECAR,
    _J.SIDECAR_WRITE: _Q.SIDECAR,
    _J.NOTIFY_SIGNUP: _Q.NOTIFICATION,
    _J.NOTIFY_ALBUM_INVITE: _Q.NOTIFICATION,
    _J.NOTIFY_ALBUM_UPDATE: _Q.NOTIFICATION,
    _J.SEND_EMAIL: _Q.NOTIFICATION,
    _J.NOTIFICATIONS_CLEANUP: _Q.BACKGROUND_TASK,
    _J.VERSION_CHECK: _Q.BACKGROUND_TASK,
}

# Queues whose concurrency is fixed at 1 upstream; the others read `job.<queue>.concurrency` from the config.
FIXED_CONCURRENCY = {
    _Q.FACIAL_RECOGNITION,
    _Q.DUPLICATE_DETECTION,
    _Q.STORAGE_TEMPLATE_MIGRATION,
    _Q.BACKUP_DATABASE,
}


def job_key(name: JobName, data: dict[str, Any]) -> str | None:
    """The dedupe key upstream gives a job as its BullMQ `jobId` (`job.repository.ts` getJobOptions), if any."""
    if name == _J.QUEUE_FACIAL_RECOGNITION:
        return name.value
    if name == _J.STORAGE_TEMPLATE_MIGRATION_SINGLE and "id" in data:
        return f"{name.value}:{data['id']}"
    if name == _J.NOTIFY_ALBUM_UPDATE and "id" in data:
        return f"{name.value}:{data['id']}/{data.get('recipientId', '')}"
    return None
