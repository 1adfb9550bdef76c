"""The CLIP jobs: `smart-search`, `queue-smart-search`, model changes, and the upload chain with a real tiny model."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any
from uuid import UUID

import numpy as np
import pytest
from PIL import Image
from sqlalchemy import select, text

from photonest.config.env import Settings
from photonest.container import Container
from photonest.db.tables import asset_job_status
from photonest.db.types import utcnow
from photonest.jobs.names import JobName, JobStatus
from photonest.jobs.registry import load_handlers
from photonest.jobs.runner import run_pending_jobs
from photonest.ml.clip import ClipModels
from photonest.ml.protocols import ModelChoice
from photonest.repositories import Repositories
from tests.api.test_timeline import add_asset
from tests.factories import Api, Caller, make_asset, set_metadata
from tests.jobs.helpers import rows
from tests.ml.fake_clip import FakeClip, embed, random_unit, restore_dimensions, use_fake_clip
from tests.ml.tiny_clip import build_tiny_clip


@pytest.fixture
def settings(media: Path) -> Settings:
    return Settings(media_location=media, machine_learning_enabled=True, model_folder=media / "models")


@pytest.fixture
def clip(container: Container) -> Iterator[FakeClip]:
    fake = FakeClip()
    use_fake_clip(container, fake)
    yield fake
    restore_dimensions(container)


@pytest.fixture
def user(api: Api) -> Caller:
    return api.admin()


def run(container: Container, name: JobName, data: dict[str, Any] | None = None) -> JobStatus:
    handler = load_handlers().get(name.value)
    assert handler is not None
    with container.unit_of_work() as uow:
        return handler(container.context(uow), data or {})


def photo(container: Container, owner: Caller, *, preview: bool = True, **values: Any) -> UUID:
    """An asset with a preview file (a small PNG named `<id>-preview.png`) unless told otherwise."""
    asset_id = add_asset(container, owner, **values)
    if preview:
        path = container.storage.root / "thumbs" / f"{asset_id}-preview.png"
        path.parent.mkdir(parents=True, exist_ok=True)
        Image.new("RGB", (24, 16), (10, 200, 30)).save(path)
        with container.unit_of_work() as uow:
            Repositories(uow).assets.upsert_file(asset_id, "preview", str(path))
    return asset_id


def stored(container: Container, asset_id: UUID) -> Any:
    with container.unit_of_work() as uow:
        return Repositories(uow).smart_search.get_embedding(asset_id)


def queued(container: Container, name: str) -> list[dict[str, Any]]:
    return [row["data"] for row in rows(container) if row["name"] == name and row["status"] == "waiting"]


def configure(container: Container, **machine_learning: Any) -> None:
    set_metadata(container, "system-config", {"machineLearning": machine_learning})


def test_job_embeds_the_preview(container: Container, clip: FakeClip, user: Caller) -> None:
    asset_id = photo(container, user)
    clip.images[f"{asset_id}-preview.png"] = random_unit(3)
    assert run(container, JobName.SMART_SEARCH, {"id": str(asset_id)}) == JobStatus.SUCCESS
    np.testing.assert_allclose(stored(container, asset_id), random_unit(3), atol=1e-6)
    assert clip.calls == [("image", "ViT-B-32__openai", f"{asset_id}-preview.png")]
    assert queued(container, "duplicate-detection") == []
    clip.images[f"{asset_id}-preview.png"] = random_unit(4)
    assert run(container, JobName.SMART_SEARCH, {"id": str(asset_id)}) == JobStatus.SUCCESS
    np.testing.assert_allclose(stored(container, asset_id), random_unit(4), atol=1e-6)


def test_job_after_an_upload_queues_duplicate_detection(container: Container, clip: FakeClip, user: Caller) -> None:
    asset_id = photo(container, user)
    clip.images[f"{asset_id}-preview.png"] = random_unit(3)
    assert run(container, JobName.SMART_SEARCH, {"id": str(asset_id), "source": "upload"}) == JobStatus.SUCCESS
    assert queued(container, "duplicate-detection") == [{"id": str(asset_id)}]


def test_job_uses_the_configured_model(container: Container, clip: FakeClip, user: Caller) -> None:
    configure(container, clip={"modelName": "ViT-L-14__openai"})
    asset_id = photo(container, user)
    clip.images[f"{asset_id}-preview.png"] = random_unit(3)
    run(container, JobName.SMART_SEARCH, {"id": str(asset_id)})
    assert clip.calls[0][1] == "ViT-L-14__openai"


@pytest.mark.parametrize("machine_learning", [{"enabled": False}, {"clip": {"enabled": False}}])
def test_job_is_skipped_when_disabled(
    container: Container, clip: FakeClip, user: Caller, machine_learning: dict[str, Any]
) -> None:
    configure(container, **machine_learning)
    asset_id = photo(container, user)
    assert run(container, JobName.SMART_SEARCH, {"id": str(asset_id)}) == JobStatus.SKIPPED
    assert run(container, JobName.QUEUE_SMART_SEARCH, {"force": True}) == JobStatus.SKIPPED
    assert clip.calls == [] and stored(container, asset_id) is None


def test_hidden_assets_are_skipped_and_missing_previews_fail(
    container: Container, clip: FakeClip, user: Caller
) -> None:
    hidden = photo(container, user, visibility="hidden")
    assert run(container, JobName.SMART_SEARCH, {"id": str(hidden)}) == JobStatus.SKIPPED
    no_preview = photo(container, user, preview=False)
    assert run(container, JobName.SMART_SEARCH, {"id": str(no_preview)}) == JobStatus.FAILED
    assert run(container, JobName.SMART_SEARCH, {"id": "3fa85f64-5717-4562-b3fc-2c963f66afa6"}) == JobStatus.FAILED
    assert clip.calls == []


def test_queue_all_picks_assets_missing_an_embedding(container: Container, clip: FakeClip, user: Caller) -> None:
    done, missing = photo(container, user), photo(container, user)
    photo(container, user, preview=False)
    photo(container, user, visibility="hidden")
    photo(container, user, deleted_at=utcnow(), status="trashed")
    embed(container, done, random_unit(1))
    assert run(container, JobName.QUEUE_SMART_SEARCH, {}) == JobStatus.SUCCESS
    assert queued(container, "smart-search") == [{"id": str(missing)}]


def test_queue_all_with_force_clears_and_picks_every_asset(container: Container, clip: FakeClip, user: Caller) -> None:
    done, missing = photo(container, user), photo(container, user)
    embed(container, done, random_unit(1))
    assert run(container, JobName.QUEUE_SMART_SEARCH, {"force": True}) == JobStatus.SUCCESS
    assert sorted(d["id"] for d in queued(container, "smart-search")) == sorted([str(done), str(missing)])
    assert stored(container, done) is None


def test_start_command_queues_the_queue_job(api: Api, container: Container, clip: FakeClip, user: Caller) -> None:
    body = {"command": "start", "force": False}
    assert api.request("PUT", "/api/jobs/smartSearch", user, json=body).status_code == 200
    assert api.request("PUT", "/api/jobs/duplicateDetection", user, json=body).status_code == 200
    assert queued(container, "queue-smart-search") == [{"force": False}]
    assert queued(container, "queue-duplicate-detection") == [{"force": False}]


def test_a_model_of_another_size_replaces_the_old_vectors(container: Container, clip: FakeClip, user: Caller) -> None:
    old, new = photo(container, user), photo(container, user)
    embed(container, old, random_unit(1))
    clip.images[f"{new}-preview.png"] = random_unit(2, dim=8)
    assert run(container, JobName.SMART_SEARCH, {"id": str(new)}) == JobStatus.SUCCESS
    assert stored(container, old) is None
    np.testing.assert_allclose(stored(container, new), random_unit(2, dim=8), atol=1e-6)
    with container.unit_of_work() as uow:
        assert Repositories(uow).smart_search.dimensions() == 8
    if container.engine.dialect.name == "postgresql":
        with container.engine.connect() as conn:
            index = conn.execute(text("SELECT indexdef FROM pg_indexes WHERE indexname = 'clip_index'")).scalar()
        assert index is not None and "hnsw" in index and "vector_cosine_ops" in index


# --- the real loader on a tiny model, from the thumbnail job on ---


@pytest.fixture
def tiny_model(container: Container) -> Iterator[Path]:
    build_tiny_clip(container.settings.models)
    yield container.settings.models
    restore_dimensions(container)


def upload(container: Container, owner: Caller, name: str, pixels: np.ndarray) -> UUID:
    target = container.storage.root / "upload" / owner.id / "aa" / "bb" / name
    target.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(pixels).save(target, quality=95)
    asset = make_asset(container, owner, original_path=str(target), original_file_name=name)
    return UUID(str(asset.id))


def test_upload_chain_embeds_previews_and_search_ranks_by_the_model(
    api: Api, container: Container, tiny_model: Path, user: Caller
) -> None:
    rng = np.random.default_rng(11)
    assets = [upload(container, user, f"{i}.jpg", rng.integers(0, 256, (48, 64, 3), dtype=np.uint8)) for i in range(5)]
    with container.unit_of_work() as uow:
        for asset_id in assets:
            Repositories(uow).jobs.enqueue(
                "thumbnailGeneration", "generate-thumbnails", {"id": str(asset_id), "source": "upload"}
            )
    container.media_toolkit()
    run_pending_jobs(container)
    clip = ClipModels(tiny_model)
    model = ModelChoice("ViT-B-32__openai")
    vectors = {}
    with container.unit_of_work() as uow:
        repos = Repositories(uow)
        for asset_id in assets:
            preview = repos.assets.get_file(asset_id, "preview")
            assert preview is not None
            vectors[asset_id] = clip.encode_image(model, Path(preview.path))
            np.testing.assert_allclose(repos.smart_search.get_embedding(asset_id), vectors[asset_id], atol=1e-5)
    with container.engine.connect() as conn:
        checked = conn.execute(
            select(asset_job_status.c.asset_id).where(asset_job_status.c.duplicates_detected_at.is_not(None))
        )
        assert set(checked.scalars()) == set(assets)
    query = clip.encode_text(model, "a photo of a red car")
    expected = sorted(assets, key=lambda a: 1 - float(np.dot(vectors[a], query)))
    response = api.request("POST", "/api/search/smart", user, json={"query": "a photo of a red car"})
    assert response.status_code == 200, response.text
    assert [item["id"] for item in response.json()["assets"]["items"]] == [str(a) for a in expected]


def test_another_model_of_the_same_size_replaces_the_old_vectors(
    api: Api, container: Container, clip: FakeClip, user: Caller
) -> None:
    old, new = photo(container, user), photo(container, user)
    clip.images[f"{old}-preview.png"] = random_unit(1)
    clip.images[f"{new}-preview.png"] = random_unit(2)
    clip.texts["query"] = random_unit(3)
    assert run(container, JobName.SMART_SEARCH, {"id": str(old)}) == JobStatus.SUCCESS
    configure(container, clip={"modelName": "ViT-B-16__openai"})
    response = api.request("POST", "/api/search/smart", user, json={"query": "query"})
    assert response.status_code == 200 and response.json()["assets"]["items"] == []
    assert run(container, JobName.SMART_SEARCH, {"id": str(new)}) == JobStatus.SUCCESS
    assert stored(container, old) is None and stored(container, new) is not None
    items = api.request("POST", "/api/search/smart", user, json={"query": "query"}).json()["assets"]["items"]
    assert [item["id"] for item in items] == [str(new)]


def test_job_is_skipped_while_no_model_can_run(container: Container, clip: FakeClip, user: Caller) -> None:
    clip.available = False
    asset_id = photo(container, user)
    assert run(container, JobName.SMART_SEARCH, {"id": str(asset_id)}) == JobStatus.SKIPPED
    assert stored(container, asset_id) is None
    assert run(container, JobName.QUEUE_SMART_SEARCH, {}) == JobStatus.SUCCESS
    assert queued(container, "smart-search") == [{"id": str(asset_id)}]
