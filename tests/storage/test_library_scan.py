"""The library folder rules: glob exclusions, import-path checks, the paged walk, symlinks and sidecars."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from photonest.storage.library_scan import (
    DEFAULT_EXCLUSION_PATTERNS,
    ExclusionMatcher,
    LibraryScope,
    check_import_path,
    find_sidecar,
    stat_library_file,
    walk_library,
)


def touch(path: Path, data: bytes = b"x") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


def walked(scope: LibraryScope, page_size: int = 1000) -> list[str]:
    return sorted(path for page in walk_library(scope, page_size) for path in page)


@pytest.fixture
def media(tmp_path: Path) -> Path:
    root = tmp_path / "media"
    root.mkdir()
    return root


@pytest.mark.parametrize(
    ("pattern", "path", "matches"),
    [
        ("**/@eaDir/**", "/photos/2024/@eaDir/thumb.jpg", True),
        ("**/@eaDir/**", "/photos/2024/eaDir/thumb.jpg", False),
        ("**/._*", "/photos/a/._IMG_1.jpg", True),
        ("**/._*", "/photos/a/IMG_._1.jpg", False),
        ("**/#recycle/**", "/photos/#recycle/a/b.png", True),
        ("**/Raw/**", "/photos/Raw/a.nef", True),
        ("**/Raw/**", "/photos/RawFiles/a.nef", False),
        ("**/*.jpg", "/photos/a/b/c.jpg", True),
        ("**/*.jpg", "/photos/a/b/c.jpeg", False),
        ("/photos/*.png", "/photos/a.png", True),
        ("/photos/*.png", "/photos/sub/a.png", False),
        ("**/IMG_000?.jpg", "/p/IMG_0001.jpg", True),
        ("**/IMG_000?.jpg", "/p/IMG_00012.jpg", False),
        ("**/*.{mp4,mov}", "/p/clip.mov", True),
        ("**/*.{mp4,mov}", "/p/clip.mkv", False),
        ("**/[ab]*.jpg", "/p/apple.jpg", True),
        ("**/[!ab]*.jpg", "/p/apple.jpg", False),
    ],
)
def test_exclusion_globs_match_full_paths(pattern: str, path: str, matches: bool) -> None:
    assert ExclusionMatcher((pattern,)).excludes(path) is matches


def test_folder_patterns_prune_whole_folders_and_others_do_not() -> None:
    matcher = ExclusionMatcher(("**/@eaDir/**", "**/*.jpg"))
    assert matcher.excludes_folder("/photos/x/@eaDir")
    assert not matcher.excludes_folder("/photos/x/eaDir")
    assert not ExclusionMatcher(("**/*.jpg",)).excludes_folder("/photos/a.jpg")
    assert not ExclusionMatcher(()).excludes("/anything.jpg")
    # A pattern that is no valid glob matches itself literally rather than failing the scan.
    assert ExclusionMatcher(("/p/[]x.jpg",)).excludes("/p/[]x.jpg")


def test_import_path_checks_give_upstream_messages(tmp_path: Path, media: Path) -> None:
    folder = tmp_path / "photos"
    folder.mkdir()
    file = touch(tmp_path / "file.jpg")
    assert check_import_path(str(folder), media).is_valid
    missing = check_import_path(str(tmp_path / "missing"), media)
    assert (missing.is_valid, missing.message) == (False, "Path does not exist (ENOENT)")
    assert check_import_path(str(file), media).message == "Not a directory"
    relative = check_import_path("relative/path", media)
    assert not relative.is_valid and relative.message is not None
    assert relative.message.startswith("Import path must be absolute, try /")
    (media / "upload").mkdir()
    inside = check_import_path(str(media / "upload"), media)
    assert (inside.is_valid, inside.message) == (False, "Cannot use media upload folder for external libraries")


def test_media_folder_reached_through_a_symlink_is_refused(tmp_path: Path, media: Path) -> None:
    link = tmp_path / "sneaky"
    link.symlink_to(media)
    assert not check_import_path(str(link), media).is_valid
    # A sibling whose name merely starts with the media folder's name is fine (components, not string prefix).
    sibling = tmp_path / "media-photos"
    sibling.mkdir()
    assert check_import_path(str(sibling), media).is_valid


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads every folder")
def test_unreadable_folder_is_refused(tmp_path: Path, media: Path) -> None:
    folder = tmp_path / "locked"
    folder.mkdir()
    folder.chmod(0)
    try:
        assert check_import_path(str(folder), media).message == "Lacking read permission for folder"
    finally:
        folder.chmod(0o755)


def test_walk_finds_media_files_and_skips_hidden_excluded_and_other_files(tmp_path: Path, media: Path) -> None:
    root = tmp_path / "photos"
    keep = [touch(root / "a.jpg"), touch(root / "2024" / "b.PNG"), touch(root / "2024" / "deep" / "c.mp4")]
    touch(root / "notes.txt")
    touch(root / "a.jpg.xmp")
    touch(root / ".hidden.jpg")
    touch(root / ".cache" / "d.jpg")
    touch(root / "@eaDir" / "e.jpg")
    touch(root / "2024" / "._f.jpg")
    scope = LibraryScope.of([str(root)], DEFAULT_EXCLUSION_PATTERNS, media)
    assert walked(scope) == sorted(str(p) for p in keep)


def test_walk_yields_pages_of_the_requested_size(tmp_path: Path, media: Path) -> None:
    root = tmp_path / "photos"
    for i in range(25):
        touch(root / f"dir{i % 3}" / f"{i}.jpg")
    pages = list(walk_library(LibraryScope.of([str(root)], [], media), page_size=10))
    assert [len(p) for p in pages] == [10, 10, 5]
    assert len({path for page in pages for path in page}) == 25


def test_symlinks_inside_the_import_path_are_followed_and_escapes_are_not(tmp_path: Path, media: Path) -> None:
    root = tmp_path / "photos"
    outside = tmp_path / "private"
    inside = touch(root / "real" / "a.jpg")
    secret = touch(outside / "secret.jpg")
    touch(outside / "nested" / "s2.jpg")
    (root / "alias").symlink_to(root / "real")
    (root / "escape.jpg").symlink_to(secret)
    (root / "escape-dir").symlink_to(outside)
    (root / "loop").symlink_to(root)
    scope = LibraryScope.of([str(root)], [], media)
    paths = walked(scope)
    assert str(inside) in paths
    assert all(not p.startswith(str(root / "escape")) for p in paths)
    assert not any("secret" in p or "s2.jpg" in p for p in paths)
    # Each real folder once: the alias and the loop lead back to folders already walked.
    assert len(paths) == 1
    assert stat_library_file(str(root / "escape.jpg"), scope) is None
    assert stat_library_file(str(inside), scope) is not None


def test_the_media_folder_inside_an_import_path_is_never_walked(tmp_path: Path) -> None:
    root = tmp_path / "everything"
    media = root / "media"
    touch(media / "upload" / "u" / "a.jpg")
    touch(media / "thumbs" / "u" / "b.webp")
    touch(media / "encoded-video" / "u" / "c.mp4")
    mine = touch(root / "mine.jpg")
    scope = LibraryScope.of([str(root)], [], media)
    assert walked(scope) == [str(mine)]
    # Nor are its files wanted when named one by one (as the watcher would see thumbnails being written).
    assert scope.wants(str(mine))
    assert not scope.wants(str(media / "thumbs" / "u" / "b.webp"))


def test_scope_wants_uses_path_components(tmp_path: Path, media: Path) -> None:
    scope = LibraryScope.of(["/photos"], ["**/Raw/**"], media)
    assert scope.wants("/photos/a/b.jpg")
    assert not scope.wants("/photos2/b.jpg")
    assert not scope.wants("/photos/Raw/b.jpg")
    assert not scope.wants("/photos/.trash/b.jpg")
    assert not scope.wants("/photos/b.txt")
    assert not scope.wants("/photos/../etc/b.jpg")


def test_sidecar_with_extension_wins_over_sidecar_without(tmp_path: Path) -> None:
    photo = touch(tmp_path / "p.jpg")
    assert find_sidecar(str(photo)) is None
    touch(tmp_path / "p.xmp")
    assert find_sidecar(str(photo)) == str(tmp_path / "p.xmp")
    touch(tmp_path / "p.jpg.xmp")
    assert find_sidecar(str(photo)) == str(tmp_path / "p.jpg.xmp")
