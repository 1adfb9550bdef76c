"""The ExifTool adapter: locating the tool, per-thread processes, restarts, reads, binary tags, sidecar writes."""

from __future__ import annotations

import base64
import hashlib
import os
import shutil
import subprocess
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from photonest.media import exiftool as exiftool_module
from photonest.media.exiftool import (
    ExifTool,
    ExifToolError,
    ExifToolMetadata,
    ExifToolNotFoundError,
    find_exiftool,
    read_args,
    write_args,
)
from photonest.media.metadata import SidecarTags, sidecar_candidates
from photonest.media.protocols import MetadataReader, SidecarWriter
from tests.media.media_files import TEST_ASSETS

pytestmark = pytest.mark.skipif(not TEST_ASSETS.is_dir(), reason="shared test assets not present")

JPEG = TEST_ASSETS / "formats/jpg/el_torcal_rocks.jpg"
SAMSUNG_HEIC = TEST_ASSETS / "formats/motionphoto/samsung-one-ui-6.heic"


@pytest.fixture(scope="module")
def exiftool() -> Iterator[ExifTool]:
    tool = ExifTool()
    yield tool
    tool.close()


def test_find_exiftool_prefers_the_environment_variable(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    real = find_exiftool()
    monkeypatch.setenv("PHOTONEST_EXIFTOOL", real)
    assert find_exiftool() == real
    monkeypatch.setenv("PHOTONEST_EXIFTOOL", str(tmp_path / "missing"))
    with pytest.raises(ExifToolNotFoundError):
        find_exiftool()


def test_find_exiftool_falls_back_to_the_repository_install(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("PHOTONEST_EXIFTOOL", raising=False)
    monkeypatch.setenv("PATH", str(tmp_path))
    found = find_exiftool()
    assert found.endswith("node_modules/exiftool-vendored.pl/bin/exiftool")


def test_find_exiftool_uses_path_without_a_repository_install(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("PHOTONEST_EXIFTOOL", raising=False)
    monkeypatch.setattr(exiftool_module, "VENDORED_RELATIVE", Path("no/such/exiftool"))
    fake = tmp_path / "exiftool"
    fake.write_text("#!/bin/sh\n")
    fake.chmod(0o755)
    monkeypatch.setenv("PATH", str(tmp_path))
    assert find_exiftool(cwd=tmp_path) == str(fake)


def test_find_exiftool_reports_a_missing_tool(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("PHOTONEST_EXIFTOOL", raising=False)
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.setattr(exiftool_module, "VENDORED_RELATIVE", Path("no/such/exiftool"))
    with pytest.raises(ExifToolNotFoundError):
        find_exiftool(cwd=tmp_path)


def test_read_args_match_upstreams_exiftool_vendored_options() -> None:
    args = read_args(video=True)
    assert args[:2] == ["-json", "-struct"]
    assert args[2:4] == ["-use", "MWG"]
    assert "largefilesupport=1" in args
    assert "-ee" in args
    assert {"-GPSLatitude#", "-GPSLongitude#", "-Orientation#", "-FocalLength#", "-FileSize#", "-*Duration*#"} <= set(
        args
    )
    assert args[-1] == "-all"
    assert "-ee" not in read_args()


def test_write_args_escape_newlines_and_markup() -> None:
    args = write_args({"Description": "a <b>\nc & d", "Rating": 4, "TagsList": ["x", "y/z"], "GPSLatitude": None})
    assert "-Description=a &lt;b&gt;&#x0a;c &amp; d" in args
    assert "-Rating=4" in args
    assert [a for a in args if a.startswith("-TagsList")] == ["-TagsList=x", "-TagsList=y/z"]
    assert not any(a.startswith("-GPSLatitude") for a in args)
    assert "-overwrite_original" in args and "-E" in args


def test_read_tags_returns_exiftool_json(exiftool: ExifTool) -> None:
    tags = exiftool.read_tags(JPEG)
    assert tags["Make"] == "SONY"
    assert tags["ImageSize"] == "512x341"
    assert tags["FileSize"] == 53493  # numeric, as upstream asks for
    assert tags["ExposureTime"] == "1/160"  # printed, as upstream gets it


def test_read_tags_of_a_missing_file_is_empty(exiftool: ExifTool, tmp_path: Path) -> None:
    assert exiftool.read_tags(tmp_path / "nope.jpg") == {}


def test_unicode_file_names(exiftool: ExifTool, tmp_path: Path) -> None:
    path = tmp_path / "fête à l'été 写真.jpg"
    shutil.copyfile(JPEG, path)
    assert exiftool.read_tags(path)["Model"] == "DSLR-A550"


def test_each_thread_gets_its_own_long_lived_process(exiftool: ExifTool) -> None:
    exiftool.version()
    main_pid = exiftool.process().pid
    exiftool.version()
    assert exiftool.process().pid == main_pid
    other: list[int | None] = []

    def work() -> None:
        exiftool.version()
        other.append(exiftool.process().pid)

    thread = threading.Thread(target=work)
    thread.start()
    thread.join()
    assert other[0] is not None and other[0] != main_pid


def test_a_dead_process_is_restarted(tmp_path: Path) -> None:
    with ExifTool() as tool:
        tool.version()
        pid = tool.process().pid
        assert pid is not None
        os.kill(pid, 9)
        assert tool.read_tags(JPEG)["Make"] == "SONY"
        assert tool.process().pid not in (None, pid)


def test_a_hung_command_times_out_and_the_process_recovers(tmp_path: Path) -> None:
    fifo = tmp_path / "never.jpg"
    os.mkfifo(fifo)  # reading a FIFO nobody writes to blocks exiftool
    with ExifTool(timeout=1) as tool:
        with pytest.raises(ExifToolError, match="timed out"):
            tool.read_tags(fifo)
        assert tool.read_tags(JPEG)["Make"] == "SONY"


def test_samsung_motion_photo_video_matches_upstreams_checksum(exiftool: ExifTool) -> None:
    video = exiftool.extract_binary_tag(SAMSUNG_HEIC, "MotionPhotoVideo")
    # upstream's e2e suite pins this SHA-1 (taken from a Samsung phone's own export of the video)
    assert base64.b64encode(hashlib.sha1(video).digest()).decode() == "/ejgzywvgvzvVhUYVfvkLzFBAF0="
    assert video[4:8] == b"ftyp"


def test_extracting_a_missing_binary_tag_fails(exiftool: ExifTool) -> None:
    with pytest.raises(ExifToolError):
        exiftool.extract_binary_tag(JPEG, "MotionPhotoVideo")


def test_time_zone_at_any_position(exiftool: ExifTool) -> None:
    assert exiftool.time_zone_at(JPEG, 48.8584, 2.2945) == "Europe/Paris"
    assert exiftool.time_zone_at(JPEG, -33.86, 151.21) == "Australia/Sydney"


def _sha1(path: Path) -> str:
    return hashlib.sha1(path.read_bytes()).hexdigest()


def test_sidecar_write_round_trip_never_touches_the_original(exiftool: ExifTool, tmp_path: Path) -> None:
    original = tmp_path / "photo.jpg"
    shutil.copyfile(JPEG, original)
    before = _sha1(original)
    sidecar = sidecar_candidates(original)[0]
    writer = ExifToolMetadata(exiftool)
    written = writer.write_sidecar(
        sidecar,
        SidecarTags(
            description="Line one\nline <two> & more",
            date_time_original="2023-11-19T18:11:00.000-07:00",
            latitude=-33.5,
            longitude=151.25,
            rating=4,
            tags=["Places/Sydney", "beach"],
        ),
    )
    assert written and sidecar.name == "photo.jpg.xmp"
    assert _sha1(original) == before

    meta = ExifToolMetadata(exiftool).read(original, sidecar_path=sidecar)
    # upstream's e2e: writing '2023-11-19T18:11:00.000-07:00' reads back as 2023-11-20T01:11:00.000Z
    assert meta.date_time_original == datetime(2023, 11, 20, 1, 11, tzinfo=UTC)
    assert meta.local_date_time == datetime(2023, 11, 19, 18, 11, tzinfo=UTC)
    # the position's zone outranks the offset inside the date, as in exiftool-vendored
    assert meta.time_zone == "Australia/Sydney"
    assert (meta.latitude, meta.longitude) == (-33.5, 151.25)
    assert meta.description == "Line one\nline <two> & more"
    assert meta.rating == 4
    assert meta.tags == ("Places/Sydney", "beach")
    assert meta.make == "SONY"  # the rest still comes from the original

    # a second write merges into the existing sidecar
    assert writer.write_sidecar(sidecar, SidecarTags(rating=1))
    again = ExifToolMetadata(exiftool).read(original, sidecar_path=sidecar)
    assert (again.rating, again.description, again.tags) == (
        1,
        "Line one\nline <two> & more",
        ("Places/Sydney", "beach"),
    )
    assert _sha1(original) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["photo.jpg", "photo.jpg.xmp"]


def test_sidecar_write_with_nothing_to_write_is_skipped(exiftool: ExifTool, tmp_path: Path) -> None:
    sidecar = tmp_path / "x.jpg.xmp"
    assert ExifToolMetadata(exiftool).write_sidecar(sidecar, SidecarTags()) is False
    assert not sidecar.exists()


def test_sidecar_writer_refuses_a_non_xmp_path(exiftool: ExifTool, tmp_path: Path) -> None:
    with pytest.raises(ValueError):
        ExifToolMetadata(exiftool).write_sidecar(tmp_path / "x.jpg", SidecarTags(rating=1))


def test_sidecar_is_readable_by_exiftool_directly(exiftool: ExifTool, tmp_path: Path) -> None:
    sidecar = tmp_path / "a.heic.xmp"
    ExifToolMetadata(exiftool).write_sidecar(sidecar, SidecarTags(rating=5, latitude=12.0, longitude=-12.0))
    output = subprocess.run(
        [exiftool.executable, "-s3", "-n", "-XMP:Rating", "-XMP:GPSLatitude", "-XMP:GPSLongitude", str(sidecar)],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    assert [float(v) for v in output] == [5, 12.0, -12.0]


def test_sidecar_candidates_follow_upstreams_order() -> None:
    assert sidecar_candidates(Path("/a/IMG_1.HEIC")) == [Path("/a/IMG_1.HEIC.xmp"), Path("/a/IMG_1.xmp")]


def test_threads_read_concurrently(exiftool: ExifTool) -> None:
    files = [JPEG, SAMSUNG_HEIC, TEST_ASSETS / "metadata/rating/mongolels.jpg"] * 4
    results: dict[int, str] = {}

    def work(index: int, path: Path) -> None:
        results[index] = str(exiftool.read_tags(path).get("Make"))

    threads = [threading.Thread(target=work, args=(i, p)) for i, p in enumerate(files)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert [results[i] for i in range(len(files))] == ["SONY", "samsung", "Canon"] * 4


def test_a_line_break_in_a_file_name_reads_as_no_tags(exiftool: ExifTool, tmp_path: Path) -> None:
    path = tmp_path / "two\nlines.jpg"
    shutil.copyfile(JPEG, path)
    assert exiftool.read_tags(path) == {}


def test_close_stops_the_processes_and_they_restart_on_use() -> None:
    tool = ExifTool()
    tool.version()
    pid = tool.process().pid
    tool.close()
    assert tool.process().pid is None
    assert tool.version().replace(".", "").isdigit()
    assert tool.process().pid not in (None, pid)
    tool.close()


def test_the_adapter_is_both_reader_and_writer(exiftool: ExifTool) -> None:
    adapter = ExifToolMetadata(exiftool)
    reader: MetadataReader = adapter
    writer: SidecarWriter = adapter
    assert reader.read(JPEG).make == "SONY"
    assert writer is adapter
