"""External library folders: glob matching, import-path checks and a paged, safe directory walk."""

from __future__ import annotations

import os
import re
import stat
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from photonest.media.mime_types import VIDEO, supported_extensions

# Upstream's `JOBS_LIBRARY_PAGINATION_SIZE`: files per crawl page and per sync job.
PAGE_SIZE = 10_000
# Upstream's defaults for a new library (`library.service.ts` create): NAS metadata and recycle folders.
DEFAULT_EXCLUSION_PATTERNS = ["**/@eaDir/**", "**/._*", "**/#recycle/**", "**/#snapshot/**"]


_MEDIA = frozenset(supported_extensions())
_VIDEO = frozenset(VIDEO)


def is_media_file(path: str) -> bool:
    """Whether the file name has a supported image or video extension (the upload rule, without pathlib)."""
    return os.path.splitext(path)[1].lower() in _MEDIA


def is_video_file(path: str) -> bool:
    return os.path.splitext(path)[1].lower() in _VIDEO


def glob_to_regex(pattern: str) -> str:
    """A picomatch-style glob as a regex over a whole path: `**` spans folders, `*` and `?` stay in one name."""
    out: list[str] = []
    i, n = 0, len(pattern)
    while i < n:
        char = pattern[i]
        if pattern.startswith("**", i):
            start_of_part = i == 0 or pattern[i - 1] == "/"
            end = i + 2
            if start_of_part and end < n and pattern[end] == "/":
                out.append("(?:.*/)?")
                i = end + 1
                continue
            if start_of_part and end == n:
                # `a/**` also matches `a` itself, as picomatch does.
                if out and out[-1] == "/":
                    out[-1] = "(?:/.*)?"
                else:
                    out.append(".*")
                i = end
                continue
            out.append("[^/]*")
            i = end
        elif char == "*":
            out.append("[^/]*")
            i += 1
        elif char == "?":
            out.append("[^/]")
            i += 1
        elif char == "[":
            close = pattern.find("]", i + 1)
            if close == -1:
                out.append(re.escape(char))
                i += 1
                continue
            body = pattern[i + 1 : close]
            if body.startswith("!"):
                body = "^" + body[1:]
            body = body.replace("\\", "\\\\")
            out.append(f"[{body}]")
            i = close + 1
        elif char == "{":
            close = pattern.find("}", i + 1)
            if close == -1:
                out.append(re.escape(char))
                i += 1
                continue
            options = pattern[i + 1 : close].split(",")
            out.append("(?:" + "|".join(glob_to_regex(option) for option in options) + ")")
            i = close + 1
        elif char == "/":
            out.append("/")
            i += 1
        else:
            out.append(re.escape(char))
            i += 1
    return "".join(out)


@dataclass(frozen=True)
class ExclusionMatcher:
    """Exclusion patterns matched on full paths (upstream uses picomatch on the absolute path)."""

    patterns: tuple[str, ...]
    _files: re.Pattern[str] | None = field(init=False, repr=False, compare=False)
    _folders: re.Pattern[str] | None = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        files = [_regex(p) for p in self.patterns]
        # A pattern ending in `/**` excludes a whole folder: the walk need not enter it.
        folders = [_regex(p[:-3]) for p in self.patterns if p.endswith("/**") and len(p) > 3]
        object.__setattr__(self, "_files", re.compile("|".join(f"(?:{r})" for r in files)) if files else None)
        object.__setattr__(self, "_folders", re.compile("|".join(f"(?:{r})" for r in folders)) if folders else None)

    def excludes(self, path: str) -> bool:
        """Whether a file path matches any pattern."""
        return self._files is not None and self._files.fullmatch(_posix(path)) is not None

    def excludes_folder(self, path: str) -> bool:
        """Whether everything below this folder is excluded."""
        return self._folders is not None and self._folders.fullmatch(_posix(path)) is not None


def _regex(pattern: str) -> str:
    """The pattern's regex, or the pattern taken literally when it is not a valid glob (e.g. `[]`)."""
    regex = glob_to_regex(pattern)
    try:
        re.compile(regex)
    except re.error:
        return re.escape(pattern)
    return regex


def _holds(folder: str, path: str) -> bool:
    """Whether the normalised `path` is `folder` or below it, by whole components."""
    return path == folder or path.startswith(folder if folder.endswith(os.sep) else folder + os.sep)


def _posix(path: str) -> str:
    return path.replace(os.sep, "/") if os.sep != "/" else path


def is_within(path: Path, roots: Iterable[Path]) -> bool:
    """Whether the resolved path is one of the resolved roots or inside one, compared by components."""
    resolved = path.resolve()
    return any(resolved.is_relative_to(root.resolve()) for root in roots)


@dataclass(frozen=True)
class ImportPathCheck:
    """The answer for one import path (upstream's `ValidateLibraryImportPathResponseDto`)."""

    import_path: str
    is_valid: bool
    message: str | None = None


def check_import_path(import_path: str, media_root: Path) -> ImportPathCheck:
    """Whether the folder can be scanned, with upstream's messages for each reason it cannot."""
    path = Path(import_path)
    if is_within(path, [media_root]):
        return ImportPathCheck(import_path, False, "Cannot use media upload folder for external libraries")
    if not path.is_absolute():
        return ImportPathCheck(import_path, False, f"Import path must be absolute, try {path.resolve()}")
    try:
        if not path.is_dir():
            if not path.exists():
                return ImportPathCheck(import_path, False, "Path does not exist (ENOENT)")
            return ImportPathCheck(import_path, False, "Not a directory")
    except OSError as error:
        return ImportPathCheck(import_path, False, str(error))
    if not os.access(path, os.R_OK | os.X_OK):
        return ImportPathCheck(import_path, False, "Lacking read permission for folder")
    return ImportPathCheck(import_path, True)


@dataclass(frozen=True)
class LibraryScope:
    """What belongs to a library: media files under its import paths, not hidden, not excluded, not ours."""

    import_paths: tuple[str, ...]
    exclusions: ExclusionMatcher
    media_root: Path
    # The media folder as configured and as resolved: files below it (thumbnails …) are never library files.
    media_paths: tuple[str, ...] = ()

    @classmethod
    def of(cls, import_paths: Sequence[str], exclusion_patterns: Sequence[str], media_root: Path) -> LibraryScope:
        paths = tuple(os.path.normpath(p) for p in import_paths if Path(p).is_absolute())
        media = tuple(dict.fromkeys([os.path.normpath(os.path.abspath(media_root)), os.path.realpath(media_root)]))
        return cls(paths, ExclusionMatcher(tuple(exclusion_patterns)), media_root, media)

    def import_path_of(self, path: str) -> str | None:
        """The import path whose folder holds `path`, compared by whole components (`/a` does not hold `/ab`)."""
        normal = os.path.normpath(path)
        for root in self.import_paths:
            if _holds(root, normal):
                return root
        return None

    def wants(self, path: str) -> bool:
        """Whether a file path (as the walk would name it) belongs to the library, without touching the disk."""
        normal = os.path.normpath(path)
        root = self.import_path_of(normal)
        if root is None or normal == root or any(_holds(media, normal) for media in self.media_paths):
            return False
        relative = normal[len(root) :].lstrip(os.sep)
        if any(part.startswith(".") for part in relative.split(os.sep)):
            return False
        return is_media_file(normal) and not self.exclusions.excludes(normal)

    def is_safe(self, path: str) -> bool:
        """Whether the file really lies in an import path once symlinks are resolved, and outside the media folder."""
        try:
            resolved = Path(path).resolve(strict=True)
        except (OSError, RuntimeError):
            return False
        if resolved.is_relative_to(self.media_root.resolve()):
            return False
        return any(resolved.is_relative_to(Path(root).resolve()) for root in self.import_paths)


def walk_library(scope: LibraryScope, page_size: int = PAGE_SIZE) -> Iterator[list[str]]:
    """The library's media files in pages; folder by folder, so only one page and the folder stack are held.

    Symlinks are followed only when their target stays inside an import path, and only after every real folder,
    so a file is named by its real path when it has one. Each real folder is entered once, and the media folder
    (upload/, thumbs/, encoded-video/ …) is never entered.
    """
    walk = _Walk(scope)
    page: list[str] = []
    stack = list(reversed(scope.import_paths))
    while stack or walk.linked:
        if not stack:
            stack, walk.linked = list(reversed(walk.linked)), []
        for path in walk.files_of(stack.pop(), stack):
            page.append(path)
            if len(page) >= page_size:
                yield page
                page = []
    if page:
        yield page


class _Walk:
    """The state of one walk: folders seen (by device and inode) and symlinked folders left for last."""

    def __init__(self, scope: LibraryScope) -> None:
        self.scope = scope
        self.media_root = scope.media_root.resolve()
        self.roots = [Path(root).resolve() for root in scope.import_paths]
        self.seen: set[tuple[int, int]] = set()
        self.linked: list[str] = []

    def files_of(self, folder: str, stack: list[str]) -> list[str]:
        """The wanted files directly in `folder`; its subfolders go on the stack (symlinked ones on `linked`)."""
        try:
            real = Path(folder).resolve(strict=True)
            info = real.stat()
        except (OSError, RuntimeError):
            return []
        key = (info.st_dev, info.st_ino)
        if key in self.seen or real.is_relative_to(self.media_root):
            return []
        if not any(real.is_relative_to(root) for root in self.roots):
            return []
        self.seen.add(key)
        try:
            entries = sorted(os.scandir(folder), key=lambda e: e.name)
        except OSError:
            return []
        files: list[str] = []
        folders: list[str] = []
        for entry in entries:
            if entry.name.startswith("."):
                continue
            try:
                is_link = entry.is_symlink()
                is_dir = entry.is_dir()
            except OSError:
                continue
            path = entry.path
            if is_dir:
                if not self.scope.exclusions.excludes_folder(path):
                    (self.linked if is_link else folders).append(path)
            elif self._wanted_file(entry.name, path, is_link):
                files.append(path)
        stack.extend(reversed(folders))
        return files

    def _wanted_file(self, name: str, path: str, is_link: bool) -> bool:
        if not is_media_file(name) or self.scope.exclusions.excludes(path):
            return False
        return not is_link or self.scope.is_safe(path)


def stat_library_file(path: str, scope: LibraryScope) -> os.stat_result | None:
    """The file's stat, or None when it is missing, not a regular file, or a symlink leading out of the library."""
    try:
        info = os.lstat(path)
        if stat.S_ISLNK(info.st_mode):
            if not scope.is_safe(path):
                return None
            info = os.stat(path)
    except OSError:
        return None
    return info if stat.S_ISREG(info.st_mode) else None


def find_sidecar(path: str) -> str | None:
    """The XMP sidecar next to a file: `photo.jpg.xmp` first, else `photo.xmp` (upstream's sidecar discovery)."""
    with_extension = f"{path}.xmp"
    if _readable_file(with_extension):
        return with_extension
    stem, _ = os.path.splitext(path)
    without_extension = f"{stem}.xmp"
    if _readable_file(without_extension):
        return without_extension
    return None


def _readable_file(path: str) -> bool:
    # Upstream checks the candidates with `R_OK`: a sidecar that cannot be read counts as absent.
    return os.path.isfile(path) and os.access(path, os.R_OK)
