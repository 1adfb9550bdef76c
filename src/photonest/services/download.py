"""Downloads: how to split a selection into archives, and the ZIP archive itself (`download.service.ts`)."""

from __future__ import annotations

import logging
import os
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from zipstream import ZIP_STORED, ZipStream

from photonest.errors import BadRequest
from photonest.records import Auth
from photonest.repositories.download import DownloadSize
from photonest.schemas import generated as g
from photonest.services.access import require_access
from photonest.services.user import PreferencesMixin
from photonest.storage.layout import StorageFolder

log = logging.getLogger(__name__)
P = g.Permission

MAX_NAME_BYTES = 255
# Control characters and what Windows refuses in file names; '/' and '\' are handled as path separators.
_UNSAFE_CHARACTERS = re.compile(r'[\x00-\x1f\x7f-\x9f<>:"|?*]')
_WINDOWS_RESERVED = re.compile(r"^(con|prn|aux|nul|com\d|lpt\d)(\..*)?$", re.IGNORECASE)
UNNAMED = "unnamed"


@dataclass(frozen=True)
class ZipArchive:
    """A ZIP archive produced while it is read, and its exact size."""

    chunks: Iterable[bytes]
    size: int


def safe_entry_name(original_file_name: str) -> str:
    """A plain file name for an archive entry: the last path part, without control or reserved characters.

    The stored original file name comes from the uploading client, so it may hold '../' or an absolute path
    (upstream's GHSA-jrp5-g662-hq92); nothing of it may reach the entry name as a path.
    """
    name = re.split(r"[/\\]", original_file_name)[-1]
    name = _UNSAFE_CHARACTERS.sub("", name).strip().rstrip(". ")
    if not name.strip(".") or _WINDOWS_RESERVED.match(name):
        return UNNAMED
    return _fit(*os.path.splitext(name))


def _fit(stem: str, rest: str) -> str:
    """stem + rest, the stem shortened until the name fits in MAX_NAME_BYTES of UTF-8."""
    while stem and len((stem + rest).encode()) > MAX_NAME_BYTES:
        stem = stem[:-1]
    return stem + rest if stem else (UNNAMED + rest)[:MAX_NAME_BYTES]


def unique_entry_name(name: str, used: set[str]) -> str:
    """`name`, or `stem+1.ext`, `stem+2.ext`, ... (upstream's suffix) when taken; compared without case."""
    stem, ext = os.path.splitext(name)
    candidate, count = name, 0
    # Case-insensitive, because the archive is often unpacked on a case-insensitive file system.
    while candidate.casefold() in used:
        count += 1
        candidate = _fit(stem, f"+{count}{ext}")
    used.add(candidate.casefold())
    return candidate


class DownloadService(PreferencesMixin):
    """Download planning and archives of the assets the caller may download."""

    def get_download_info(self, auth: Auth, dto: g.DownloadInfoDto) -> g.DownloadResponseDto:
        """The selection split into archives of about `archiveSize` bytes, live-photo videos included."""
        if dto.asset_ids is not None:
            require_access(self.repos, auth, P.ASSET_DOWNLOAD, dto.asset_ids)
            assets = self.repos.downloads.sizes_of(dto.asset_ids)
        elif dto.album_id is not None:
            require_access(self.repos, auth, P.ALBUM_DOWNLOAD, [dto.album_id])
            assets = self.repos.downloads.sizes_in_album(dto.album_id)
        elif dto.user_id is not None:
            require_access(self.repos, auth, P.TIMELINE_DOWNLOAD, [dto.user_id])
            assets = self.repos.downloads.sizes_of_owner(dto.user_id)
        else:
            raise BadRequest("assetIds, albumId, or userId is required")

        preferences = self.read_preferences(auth.user_id).download
        target = dto.archive_size or preferences.archive_size
        archives: list[g.DownloadArchiveInfo] = []
        current = g.DownloadArchiveInfo(asset_ids=[], size=0)
        for item in [*assets, *self._motion_parts(assets, preferences.include_embedded_videos)]:
            current.asset_ids.append(str(item.id))
            current.size += item.size
            if current.size > target:
                archives.append(current)
                current = g.DownloadArchiveInfo(asset_ids=[], size=0)
        if current.asset_ids:
            archives.append(current)
        return g.DownloadResponseDto(archives=archives, total_size=sum(a.size for a in archives))

    def _motion_parts(self, assets: list[DownloadSize], include_embedded: bool) -> list[DownloadSize]:
        """The videos of the live photos among the assets, unless already selected."""
        selected = {a.id for a in assets}
        wanted = [a.live_photo_video_id for a in assets if a.live_photo_video_id]
        wanted = [i for i in wanted if i not in selected]
        if not wanted:
            return []
        # Videos extracted from Android motion photos live under encoded-video/ and count as embedded.
        embedded = str(self.ctx.storage.folder(StorageFolder.ENCODED_VIDEO)) + os.sep
        return [
            part
            for part in self.repos.downloads.sizes_of(wanted)
            if include_embedded or not part.original_path.startswith(embedded)
        ]

    def download_archive(self, auth: Auth, dto: g.AssetIdsDto) -> ZipArchive:
        """A stored (uncompressed) ZIP of the originals, entries named after the sanitised original file names."""
        require_access(self.repos, auth, P.ASSET_DOWNLOAD, dto.asset_ids)
        originals = {o.id: o for o in self.repos.downloads.originals(dto.asset_ids)}
        archive = ZipStream(compress_type=ZIP_STORED, sized=True)
        used: set[str] = set()
        for asset_id in dict.fromkeys(dto.asset_ids):
            original = originals.get(asset_id)
            if original is None:
                continue
            path = Path(original.original_path)
            if not path.is_file():
                # Upstream's archiver fails the whole stream half-way; leaving the file out keeps the archive valid.
                log.warning("Original of asset %s is missing, left out of the archive: %s", asset_id, path)
                continue
            name = unique_entry_name(safe_entry_name(original.original_file_name), used)
            archive.add_path(str(path), name, recurse=False)
        return ZipArchive(archive, len(archive))
