"""Moving files inside the media folder without ever replacing one, and pruning the folders moves leave empty."""

from __future__ import annotations

import errno
import hashlib
import logging
import os
import shutil
import uuid
from dataclasses import dataclass
from pathlib import Path

log = logging.getLogger(__name__)

# Errors of `link` that mean "this file system has no hard links": fall back to a rename into a reserved name.
_NO_HARD_LINKS = {errno.EPERM, errno.ENOTSUP, errno.EOPNOTSUPP, errno.EMLINK, errno.ENOSYS}


class MoveError(Exception):
    """A file could not be moved; nothing was lost and the file keeps its place."""


@dataclass(frozen=True)
class Expected:
    """What a moved file must look like: its size, and its SHA-1 when it is to be verified."""

    size: int
    checksum: bytes | None


def relocate(old: Path, new: Path, expected: Expected | None) -> None:
    """Move a file without ever replacing one at `new`: hard link then unlink, or copy, verify and unlink."""
    new.parent.mkdir(parents=True, exist_ok=True)
    try:
        os.link(old, new, follow_symlinks=False)
    except FileExistsError:
        raise
    except OSError as error:
        if error.errno == errno.EXDEV:
            _copy_across(old, new, expected)
        elif error.errno in _NO_HARD_LINKS:
            _reserve(new)
            try:
                os.replace(old, new)
            except OSError:
                # Only the placeholder is there: leave no empty file to take the name from later moves.
                new.unlink(missing_ok=True)
                raise
        else:
            raise
        return
    try:
        old.unlink()
    except OSError:
        new.unlink()
        raise


def _copy_across(old: Path, new: Path, expected: Expected | None) -> None:
    """Copy to a temporary name beside `new`, verify it, put it in place, then remove the original."""
    temp = new.with_name(f".{new.name}.{uuid.uuid4().hex}.tmp")
    try:
        shutil.copyfile(old, temp)
        with temp.open("rb+") as handle:
            os.fsync(handle.fileno())
        if not matches(temp, expected, old):
            raise MoveError("the copy differs from the original")
        stat = old.stat()
        os.utime(temp, ns=(stat.st_atime_ns, stat.st_mtime_ns))
        _reserve(new)
        os.replace(temp, new)
    finally:
        temp.unlink(missing_ok=True)
    try:
        old.unlink()
    except OSError as error:
        log.warning("Unable to delete %s after copying it to %s: %s", old, new, error)


def _reserve(path: Path) -> None:
    """Create `path` exclusively, so a rename onto it replaces nothing but this placeholder."""
    os.close(os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644))


def matches(path: Path, expected: Expected | None, reference: Path | None) -> bool:
    """Whether `path` has the expected size (else the reference's) and, when given, the expected SHA-1."""
    size = expected.size if expected else reference.stat().st_size if reference else None
    if size is not None and path.stat().st_size != size:
        log.warning("File size mismatch for %s: %d != %d", path, path.stat().st_size, size)
        return False
    if expected and expected.checksum is not None and _sha1(path) != expected.checksum:
        log.warning("File checksum mismatch for %s", path)
        return False
    return True


def _sha1(path: Path) -> bytes:
    digest = hashlib.sha1()
    with path.open("rb") as handle:
        while chunk := handle.read(1024 * 1024):
            digest.update(chunk)
    return digest.digest()


def remove_empty_folders(root: Path) -> None:
    """Remove the empty folders below `root` (upstream `removeEmptyDirs`), deepest first, never `root` itself."""
    if not root.is_dir():
        return
    for folder, _, _ in os.walk(root, topdown=False):
        if Path(folder) != root:
            try:
                os.rmdir(folder)
            except OSError:
                # Not empty (or not ours to remove): keep it.
                continue
