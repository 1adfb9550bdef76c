"""The per-asset pipeline with the real tools: metadata → thumbnails → video conversion, sidecars, deletion."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from photonest.container import Container
from photonest.events.bus import ClientEvent
from photonest.jobs.runner import run_pending_jobs
from photonest.repositories import Repositories
from photonest.services.base import ServiceContext
from photonest.services.metadata import MetadataService
from tests.factories import Api, Caller, make_asset
from tests.fakes.video import make_clip

ASSETS = Path("/work/shared/test-assets")
pytestmark = pytest.mark.skipif(not ASSETS.is_dir(), reason="shared test assets are not available")


@pytest.fixture
def owner(api: Api) -> Caller:
    return api.admin()


def _upload(container: Container, owner: Caller, source: Path, **values: Any) -> Any:
    """Place a file in the owner's upload folder and create its asset row, as an upload does."""
    target = container.storage.root / "upload" / owner.id / "aa" / "bb" / source.name
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(source, target)
    values.setdefault("type", "IMAGE")
    return make_asset(container, owner, original_path=str(target), original_file_name=source.name, **values)


def _run(container: Container, asset_id: Any) -> None:
    with container.unit_of_work() as uow:
        Repositories(uow).jobs.enqueue(
            "metadataExtraction", "metadata-extraction", {"id": str(asset_id), "source": "upload"}
        )
    container.media_toolkit()
    run_pending_jobs(container)


def test_jpeg_gets_exif_thumbnails_thumbhash_and_an_upload_event(container: Container, owner: Caller) -> None:
    events: list[ClientEvent] = []
    container.bus.subscribe(events.append)
    asset = _upload(container, owner, ASSETS / "metadata/gps-position/thompson-springs.jpg")
    _run(container, asset.id)
    with container.unit_of_work() as uow:
        repos = Repositories(uow)
        stored = repos.assets.get(asset.id)
        exif = repos.assets.get_exif(asset.id)
        files = {f.type: Path(f.path) for f in repos.assets.get_files(asset.id)}
    assert stored is not None and stored.thumbhash
    assert exif is not None and exif["latitude"] is not None and exif["longitude"] is not None
    assert exif["file_size_in_byte"] == (ASSETS / "metadata/gps-position/thompson-springs.jpg").stat().st_size
    with Image.open(files["preview"]) as preview:
        assert preview.format == "JPEG" and min(preview.size) == min(
            1440, exif["exif_image_width"], exif["exif_image_height"]
        )
    with Image.open(files["thumbnail"]) as thumbnail:
        short_side = min(exif["exif_image_width"], exif["exif_image_height"])
        assert thumbnail.format == "WEBP" and min(thumbnail.size) == min(250, short_side)
    uploads = [e for e in events if e.name == "on_upload_success"]
    assert len(uploads) == 1 and uploads[0].room == owner.id and uploads[0].payload[0]["id"] == str(asset.id)


def test_keywords_become_hierarchical_tags(container: Container, owner: Caller) -> None:
    asset = _upload(container, owner, ASSETS / "metadata/tags/picasa.jpg")
    _run(container, asset.id)
    from sqlalchemy import select

    from photonest.db.tables import tag, tag_asset

    with container.unit_of_work() as uow:
        values = set(uow.connection.execute(select(tag.c.value)).scalars())
        linked = list(uow.connection.execute(select(tag_asset.c.tag_id).where(tag_asset.c.asset_id == asset.id)))
    assert values and linked


def test_video_gets_duration_poster_and_conversion(container: Container, owner: Caller, tmp_path: Path) -> None:
    clip = tmp_path / "clip.mkv"
    make_clip(
        clip, "-f", "lavfi", "-i", "testsrc=size=320x240:rate=10:duration=1", "-pix_fmt", "yuv444p", "-c:v", "libx264"
    )
    asset = _upload(container, owner, clip, type="VIDEO")
    _run(container, asset.id)
    with container.unit_of_work() as uow:
        stored = Repositories(uow).assets.get(asset.id)
        files = {f.type for f in Repositories(uow).assets.get_files(asset.id)}
    assert stored is not None and stored.duration and stored.duration.startswith("00:00:01")
    assert {"preview", "thumbnail"} <= files
    assert stored.encoded_video_path and Path(stored.encoded_video_path).is_file()
    assert "/encoded-video/" in stored.encoded_video_path


def test_motion_photo_video_becomes_a_hidden_linked_asset(container: Container, owner: Caller) -> None:
    asset = _upload(container, owner, ASSETS / "formats/motionphoto/samsung-one-ui-6.heic")
    _run(container, asset.id)
    with container.unit_of_work() as uow:
        stored = Repositories(uow).assets.get(asset.id)
        assert stored is not None and stored.live_photo_video_id is not None
        motion = Repositories(uow).assets.get(stored.live_photo_video_id)
    assert motion is not None and motion.type == "VIDEO" and motion.visibility == "hidden"
    assert Path(motion.original_path).is_file() and motion.original_path.endswith("-MP.mp4")


def test_sidecar_write_then_extraction_changes_the_date(container: Container, owner: Caller) -> None:
    asset = _upload(container, owner, ASSETS / "formats/jpg/el_torcal_rocks.jpg")
    _run(container, asset.id)
    with container.unit_of_work() as uow:
        ctx: ServiceContext = container.context(uow)
        MetadataService(ctx).write_sidecar({"id": str(asset.id), "dateTimeOriginal": "2023-11-19T18:11:00.000-07:00"})
    run_pending_jobs(container)
    with container.unit_of_work() as uow:
        stored = Repositories(uow).assets.get(asset.id)
        exif = Repositories(uow).assets.get_exif(asset.id)
    assert stored is not None and stored.sidecar_path and Path(stored.sidecar_path).is_file()
    assert exif is not None and exif["date_time_original"].isoformat().startswith("2023-11-20T01:11:00")


def test_force_delete_removes_row_and_files(api: Api, container: Container, owner: Caller) -> None:
    asset = _upload(container, owner, ASSETS / "formats/webp/denali.webp")
    _run(container, asset.id)
    with container.unit_of_work() as uow:
        paths = [Path(f.path) for f in Repositories(uow).assets.get_files(asset.id)] + [Path(asset.original_path)]
    assert all(p.is_file() for p in paths)
    response = api.request("DELETE", "/api/assets", owner, json={"ids": [str(asset.id)], "force": True})
    assert response.status_code == 204
    run_pending_jobs(container)
    with container.unit_of_work() as uow:
        assert Repositories(uow).assets.get(asset.id) is None
    assert not any(p.exists() for p in paths)


def test_slow_media_work_holds_no_database_lock(
    container: Container, owner: Caller, monkeypatch: pytest.MonkeyPatch
) -> None:
    asset = _upload(container, owner, ASSETS / "formats/png/density_plot.png")
    toolkit = container.media_toolkit()
    real = toolkit.images.generate
    writes: list[str] = []

    def generate(*args: Any, **kwargs: Any) -> Any:
        # Another writer during the decode: on SQLite it would wait for (and time out on) a held write lock.
        with container.unit_of_work() as uow:
            Repositories(uow).system_metadata.set("probe", {"during": "thumbnails"})
        writes.append("done")
        return real(*args, **kwargs)

    monkeypatch.setattr(toolkit.images, "generate", generate)
    _run(container, asset.id)
    assert writes == ["done"]
