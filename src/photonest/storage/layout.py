"""Upstream's media folder layout (`server/src/cores/storage.core.ts`), as pure path rules."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from uuid import UUID


class StorageFolder(StrEnum):
    ENCODED_VIDEO = "encoded-video"
    LIBRARY = "library"
    UPLOAD = "upload"
    PROFILE = "profile"
    THUMBNAILS = "thumbs"
    BACKUPS = "backups"


@dataclass(frozen=True)
class StorageLayout:
    """Paths under the media location."""

    root: Path

    def folder(self, folder: StorageFolder) -> Path:
        return self.root / folder.value

    def user_folder(self, folder: StorageFolder, user_id: UUID | str) -> Path:
        return self.folder(folder) / str(user_id)

    def nested_path(self, folder: StorageFolder, owner_id: UUID | str, filename: str) -> Path:
        """`<root>/<folder>/<owner>/<name[0:2]>/<name[2:4]>/<name>`."""
        return self.user_folder(folder, owner_id) / filename[0:2] / filename[2:4] / filename

    def profile_image_path(self, user_id: UUID | str, name: str) -> Path:
        return self.user_folder(StorageFolder.PROFILE, user_id) / name

    def ensure_folders(self) -> None:
        """Create the media folders and their `.immich` markers."""
        for folder in StorageFolder:
            path = self.folder(folder)
            path.mkdir(parents=True, exist_ok=True)
            (path / ".immich").touch(exist_ok=True)

    def contains(self, path: Path) -> bool:
        """True when path resolves to somewhere inside the media location."""
        return is_inside(path, self.root)


def is_inside(path: Path, folder: Path) -> bool:
    """True when path resolves to `folder` or somewhere inside it."""
    try:
        path.resolve().relative_to(folder.resolve())
    except ValueError:
        return False
    return True
