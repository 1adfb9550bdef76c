"""The face pipeline with dlib on real photos: detection after thumbnails, clustering into people, thumbnails,
re-detection, clean-up, and the switches that skip it all."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path
from typing import Any
from uuid import UUID

import numpy as np
import pytest
from PIL import Image, ImageOps
from sqlalchemy import select

from photonest.config.env import Settings
from photonest.container import Container
from photonest.db.tables import asset_face, asset_job_status, job, person
from photonest.events.bus import ClientEvent
from photonest.jobs.names import JobStatus
from photonest.jobs.runner import run_pending_jobs
from photonest.ml.faces_dlib import DlibFaces
from photonest.repositories import Repositories
from photonest.services.person import PersonService
from photonest.services.system_config import SystemConfigService
from tests.factories import Api, Caller, make_asset

ASSETS = Path("/work/shared/test-assets")
pytestmark = [
    pytest.mark.skipif(not ASSETS.is_dir(), reason="shared test assets are not available"),
    pytest.mark.skipif(not DlibFaces.installed(), reason="dlib is not installed"),
]


@pytest.fixture
def settings(media: Path) -> Settings:
    return Settings(media_location=media, machine_learning_enabled=True)


@pytest.fixture
def owner(api: Api, container: Container) -> Caller:
    caller = api.admin()
    # No CLIP model here: keep smart search out of the way.
    _patch(container, {"machineLearning": {"clip": {"enabled": False}, "duplicateDetection": {"enabled": False}}})
    return caller


def _patch(container: Container, changes: dict[str, Any]) -> None:
    with container.unit_of_work() as uow:
        SystemConfigService(container.context(uow)).patch_config(changes)


def _upload(container: Container, owner: Caller, source: Path) -> Any:
    """An uploaded original that goes through metadata extraction and thumbnails, as an upload does."""
    target = container.storage.root / "upload" / owner.id / "aa" / "bb" / source.name
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(source, target)
    created = make_asset(container, owner, original_path=str(target), original_file_name=source.name)
    with container.unit_of_work() as uow:
        Repositories(uow).jobs.enqueue(
            "metadataExtraction", "metadata-extraction", {"id": str(created.id), "source": "upload"}
        )
    return created


def _with_preview(container: Container, owner: Caller, image: Image.Image, name: str) -> Any:
    """An asset whose preview is this (upright) image; face detection is queued for it."""
    created = make_asset(container, owner)
    path = container.storage.root / "thumbs" / owner.id / f"{name}-preview.jpeg"
    path.parent.mkdir(parents=True, exist_ok=True)
    image.save(path, "JPEG", quality=90)
    with container.unit_of_work() as uow:
        repos = Repositories(uow)
        repos.assets.upsert_file(created.id, "preview", str(path))
        repos.jobs.enqueue("faceDetection", "face-detection", {"id": str(created.id)})
    return created


def _open(path: Path) -> Image.Image:
    with Image.open(path) as opened:
        image = ImageOps.exif_transpose(opened).convert("RGB")
    image.thumbnail((1440, 1440))
    return image


def _variants(image: Image.Image) -> list[Image.Image]:
    return [
        ImageOps.mirror(image),
        image.resize((image.width * 3 // 4, image.height * 3 // 4)),
        image.rotate(6, resample=Image.Resampling.BICUBIC, expand=True),
    ]


def _faces(container: Container, asset_id: UUID) -> list[Any]:
    with container.engine.connect() as conn:
        return list(conn.execute(select(asset_face).where(asset_face.c.asset_id == asset_id)))


def _people(container: Container) -> list[Any]:
    with container.engine.connect() as conn:
        return list(conn.execute(select(person)))


def test_faces_are_found_on_previews_and_grouped_into_people(container: Container, owner: Caller) -> None:
    events: list[ClientEvent] = []
    container.bus.subscribe(events.append)
    container.media_toolkit()
    faces_dir = ASSETS / "metadata" / "faces"
    straight = _upload(container, owner, faces_dir / "portrait.jpg")
    turned = _upload(container, owner, faces_dir / "portrait-orientation-6.jpg")
    marie = [
        _with_preview(container, owner, v, f"m{i}") for i, v in enumerate(_variants(_open(faces_dir / "portrait.jpg")))
    ]
    beer_image = _open(ASSETS / "albums" / "text" / "craft-beer.jpg")
    beer = [_with_preview(container, owner, beer_image, "b")]
    beer += [_with_preview(container, owner, v, f"b{i}") for i, v in enumerate(_variants(beer_image))]
    landscape = _with_preview(container, owner, _open(ASSETS / "albums" / "nature" / "tanners_ridge.jpg"), "l")
    run_pending_jobs(container)

    # The turned original's preview is upright: one face, on the woman, left of centre in the upper third.
    for uploaded in (straight, turned):
        (face,) = _faces(container, uploaded.id)
        assert (face.image_width, face.image_height) == (840, 700)
        cx = (face.bounding_box_x1 + face.bounding_box_x2) / 2 / face.image_width
        cy = (face.bounding_box_y1 + face.bounding_box_y2) / 2 / face.image_height
        assert 0.30 < cx < 0.45 and 0.22 < cy < 0.42
    assert _faces(container, landscape.id) == []

    people = _people(container)
    assert len(people) == 2
    by_asset = {a.id: _faces(container, a.id)[0].person_id for a in [straight, turned, *marie, *beer]}
    marie_ids = {by_asset[a.id] for a in [straight, turned, *marie]}
    beer_ids = {by_asset[a.id] for a in beer}
    assert len(marie_ids) == 1 and len(beer_ids) == 1 and marie_ids != beer_ids and None not in marie_ids

    for found in people:
        thumbnail = Path(found.thumbnail_path)
        expected = container.storage.root / "thumbs" / owner.id / str(found.id)[:2] / str(found.id)[2:4]
        assert thumbnail == expected / f"{found.id}.jpeg"
        with Image.open(thumbnail) as image:
            assert image.format == "JPEG" and image.size == (250, 250)
    assert {e.payload[0] for e in events if e.name == "on_person_thumbnail"} == {str(p.id) for p in people}
    with container.engine.connect() as conn:
        done = set(
            conn.execute(
                select(asset_job_status.c.asset_id).where(asset_job_status.c.faces_recognized_at.is_not(None))
            ).scalars()
        )
    assert {straight.id, turned.id, landscape.id, *(a.id for a in marie + beer)} <= done


def test_detecting_again_keeps_matching_faces_and_drops_vanished_ones(container: Container, owner: Caller) -> None:
    portrait = _open(ASSETS / "metadata" / "faces" / "portrait.jpg")
    created = _with_preview(container, owner, portrait, "p")
    run_pending_jobs(container)
    (first,) = _faces(container, created.id)
    with container.unit_of_work() as uow:
        stale = Repositories(uow).people.create_face(
            {"asset_id": created.id, "image_width": 840, "image_height": 700, "bounding_box_x1": 600,
             "bounding_box_y1": 500, "bounding_box_x2": 700, "bounding_box_y2": 600, "source_type": "machine-learning"}
        )  # fmt: skip
        manual = Repositories(uow).people.create_face(
            {"asset_id": created.id, "image_width": 840, "image_height": 700, "bounding_box_x1": 10,
             "bounding_box_y1": 10, "bounding_box_x2": 60, "bounding_box_y2": 60, "source_type": "manual"}
        )  # fmt: skip
    with container.unit_of_work() as uow:
        assert PersonService(container.context(uow)).detect_faces(created.id) == JobStatus.SUCCESS
    assert {f.id for f in _faces(container, created.id)} == {first.id, manual}
    assert stale not in {f.id for f in _faces(container, created.id)}


def test_force_requeues_every_asset_and_clears_machine_faces(container: Container, owner: Caller) -> None:
    portrait = _open(ASSETS / "metadata" / "faces" / "portrait.jpg")
    created = _with_preview(container, owner, portrait, "p")
    run_pending_jobs(container)
    (before,) = _faces(container, created.id)
    with container.unit_of_work() as uow:
        assert PersonService(container.context(uow)).queue_detect_faces(force=True) == JobStatus.SUCCESS
    assert _faces(container, created.id) == []
    with container.engine.connect() as conn:
        names = list(conn.execute(select(job.c.name, job.c.data).where(job.c.status == "waiting")))
    assert ("face-detection", {"id": str(created.id)}) in [(n, d) for n, d in names]
    with container.unit_of_work() as uow:
        # Not forced: the asset was analysed already.
        PersonService(container.context(uow)).queue_detect_faces(force=False)
    run_pending_jobs(container)
    (after,) = _faces(container, created.id)
    assert after.id != before.id


def test_person_cleanup_removes_people_without_faces(container: Container, owner: Caller) -> None:
    asset_id = make_asset(container, owner).id
    with container.unit_of_work() as uow:
        people = Repositories(uow).people
        empty = people.create({"owner_id": UUID(owner.id), "name": "Empty"})
        kept = people.create({"owner_id": UUID(owner.id)})
        people.create_face({"asset_id": asset_id, "person_id": kept.id})
    with container.unit_of_work() as uow:
        assert PersonService(container.context(uow)).person_cleanup() == JobStatus.SUCCESS
    assert {p.id for p in _people(container)} == {kept.id}
    assert empty.id not in {p.id for p in _people(container)}


def test_jobs_are_skipped_when_facial_recognition_is_off(container: Container, owner: Caller) -> None:
    created = _with_preview(container, owner, _open(ASSETS / "metadata" / "faces" / "portrait.jpg"), "p")
    _patch(container, {"machineLearning": {"facialRecognition": {"enabled": False}}})
    with container.unit_of_work() as uow:
        service = PersonService(container.context(uow))
        assert service.detect_faces(created.id) == JobStatus.SKIPPED
        assert service.queue_detect_faces(force=False) == JobStatus.SKIPPED
        assert service.queue_recognize_faces(force=False, nightly=False) == JobStatus.SKIPPED
        assert service.recognize_face(created.id, deferred=False) == JobStatus.SKIPPED
    assert _faces(container, created.id) == []


def test_features_report_facial_recognition(api: Api, container: Container, owner: Caller) -> None:
    assert api.request("GET", "/api/server/features").json()["facialRecognition"] is True
    _patch(container, {"machineLearning": {"facialRecognition": {"enabled": False}}})
    assert api.request("GET", "/api/server/features").json()["facialRecognition"] is False


def test_nightly_recognition_runs_only_after_new_faces(container: Container, owner: Caller) -> None:
    created = _with_preview(container, owner, _open(ASSETS / "metadata" / "faces" / "portrait.jpg"), "p")
    run_pending_jobs(container)
    with container.unit_of_work() as uow:
        service = PersonService(container.context(uow))
        assert service.queue_recognize_faces(force=False, nightly=False) == JobStatus.SUCCESS
    run_pending_jobs(container)
    with container.unit_of_work() as uow:
        # Nothing detected since that run.
        assert (
            PersonService(container.context(uow)).queue_recognize_faces(force=False, nightly=True) == JobStatus.SKIPPED
        )
    with container.unit_of_work() as uow:
        Repositories(uow).people.set_faces_recognized(created.id)
    with container.unit_of_work() as uow:
        assert (
            PersonService(container.context(uow)).queue_recognize_faces(force=False, nightly=True) == JobStatus.SUCCESS
        )
        # A queued recognition job is waiting now: a second, unforced queueing is skipped.
        assert (
            PersonService(container.context(uow)).queue_recognize_faces(force=False, nightly=False) == JobStatus.SKIPPED
        )


def _face_with(container: Container, owner: Caller, direction: list[float]) -> UUID:
    vector = np.zeros(512, np.float32)
    vector[: len(direction)] = direction
    asset_id = make_asset(container, owner).id  # taken 2024-06-01
    with container.unit_of_work() as uow:
        return Repositories(uow).people.create_face(
            {"asset_id": asset_id, "source_type": "machine-learning", "image_width": 100, "image_height": 100}, vector
        )


def _person_of(container: Container, face_id: UUID) -> UUID | None:
    with container.engine.connect() as conn:
        found: UUID | None = conn.execute(select(asset_face.c.person_id).where(asset_face.c.id == face_id)).scalar()
        return found


def test_clustering_needs_min_faces_and_respects_birth_dates(container: Container, owner: Caller) -> None:
    group = [_face_with(container, owner, [1.0, 0.02 * i, 0.0]) for i in range(3)]
    alone = _face_with(container, owner, [0.0, 0.0, 1.0])
    with container.unit_of_work() as uow:
        PersonService(container.context(uow)).queue_recognize_faces(force=False, nightly=False)
    run_pending_jobs(container)
    owners = {_person_of(container, f) for f in group}
    assert len(owners) == 1 and None not in owners
    assert _person_of(container, alone) is None
    (person_id,) = owners
    assert person_id is not None
    with container.unit_of_work() as uow:
        Repositories(uow).people.update(person_id, {"birth_date": date(2025, 1, 1)})
    late = _face_with(container, owner, [1.0, 0.01, 0.0])
    with container.unit_of_work() as uow:
        service = PersonService(container.context(uow))
        # Its only neighbours belong to someone born after the photo was taken.
        assert service.recognize_face(late, deferred=True) == JobStatus.SKIPPED
    assert _person_of(container, late) is None
    with container.unit_of_work() as uow:
        Repositories(uow).people.update(person_id, {"birth_date": date(2000, 1, 1)})
    with container.unit_of_work() as uow:
        assert PersonService(container.context(uow)).recognize_face(late, deferred=True) == JobStatus.SUCCESS
    assert _person_of(container, late) == person_id
