"""`GET /duplicates` and the duplicate detection jobs."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest
from sqlalchemy import select

from photonest.config.env import Settings
from photonest.container import Container
from photonest.db.tables import asset, asset_job_status
from photonest.db.types import utcnow
from photonest.jobs.names import JobName, JobStatus
from photonest.jobs.registry import load_handlers
from tests.api.test_timeline import add_asset
from tests.factories import Api, Caller, set_metadata
from tests.jobs.helpers import rows
from tests.ml.fake_clip import FakeClip, embed, near, random_unit, restore_dimensions, use_fake_clip

BASE = random_unit(42)


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
def admin(api: Api) -> Caller:
    return api.admin()


@pytest.fixture
def user(api: Api, admin: Caller) -> Caller:
    return api.user(admin)


def photo(container: Container, owner: Caller, distance: float | None = 0.0, seed: int = 1, **values: Any) -> UUID:
    """An asset with an embedding `distance` away from BASE (none for None)."""
    asset_id = add_asset(container, owner, **values)
    if distance is not None:
        embed(container, asset_id, BASE if distance == 0 else near(BASE, distance, seed=seed))
    return asset_id


def detect(container: Container, asset_id: UUID) -> JobStatus:
    handler = load_handlers().get(JobName.DUPLICATE_DETECTION.value)
    assert handler is not None
    with container.unit_of_work() as uow:
        return handler(container.context(uow), {"id": str(asset_id)})


def queue_all(container: Container, force: bool) -> JobStatus:
    handler = load_handlers().get(JobName.QUEUE_DUPLICATE_DETECTION.value)
    assert handler is not None
    with container.unit_of_work() as uow:
        return handler(container.context(uow), {"force": force})


def group_of(container: Container, asset_id: UUID) -> UUID | None:
    with container.engine.connect() as conn:
        value: UUID | None = conn.execute(select(asset.c.duplicate_id).where(asset.c.id == asset_id)).scalar()
        return value


def set_group(container: Container, group: UUID | None, *ids: UUID) -> None:
    with container.engine.begin() as conn:
        conn.execute(asset.update().where(asset.c.id.in_(ids)).values(duplicate_id=group))


def duplicates(api: Api, caller: Caller) -> list[dict[str, Any]]:
    response = api.request("GET", "/api/duplicates", caller)
    assert response.status_code == 200, response.text
    body: list[dict[str, Any]] = response.json()
    return body


# --- GET /duplicates ---


def test_requires_authentication(api: Api) -> None:
    response = api.request("GET", "/api/duplicates")
    assert response.status_code == 401
    assert response.json()["message"] == "Authentication required"


def test_lists_groups_of_two_or_more(api: Api, container: Container, clip: FakeClip, user: Caller) -> None:
    group, single = uuid.uuid4(), uuid.uuid4()
    a, b = photo(container, user), photo(container, user)
    lonely = photo(container, user)
    photo(container, user)
    set_group(container, group, a, b)
    set_group(container, single, lonely)
    body = duplicates(api, user)
    assert [g["duplicateId"] for g in body] == [str(group)]
    assert sorted(item["id"] for item in body[0]["assets"]) == sorted([str(a), str(b)])
    assert body[0]["assets"][0]["duplicateId"] == str(group)
    assert set(body[0]["assets"][0]) >= {"id", "ownerId", "type", "originalFileName", "thumbhash", "isTrashed"}


def test_other_users_groups_and_trashed_assets_are_left_out(
    api: Api, container: Container, clip: FakeClip, admin: Caller, user: Caller
) -> None:
    other = api.user(admin)
    mine, theirs, trashed = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    set_group(container, mine, photo(container, user), photo(container, user))
    set_group(container, theirs, photo(container, other), photo(container, other))
    set_group(container, trashed, photo(container, user), photo(container, user, deleted_at=utcnow(), status="trashed"))
    assert [g["duplicateId"] for g in duplicates(api, user)] == [str(mine)]
    assert [g["duplicateId"] for g in duplicates(api, other)] == [str(theirs)]


def test_resolved_group_disappears(api: Api, container: Container, clip: FakeClip, user: Caller) -> None:
    group = uuid.uuid4()
    a, b = photo(container, user), photo(container, user)
    set_group(container, group, a, b)
    assert len(duplicates(api, user)) == 1
    body = {"ids": [str(a), str(b)], "duplicateId": None}
    assert api.request("PUT", "/api/assets", user, json=body).status_code == 204
    assert duplicates(api, user) == []


# --- duplicate-detection ---


def test_near_assets_share_a_new_group(api: Api, container: Container, clip: FakeClip, user: Caller) -> None:
    first = photo(container, user)
    close = photo(container, user, 0.005)
    far = photo(container, user, 0.05)
    assert detect(container, first) == JobStatus.SUCCESS
    group = group_of(container, first)
    assert group is not None and group_of(container, close) == group
    assert group_of(container, far) is None
    assert [sorted(i["id"] for i in g["assets"]) for g in duplicates(api, user)] == [sorted([str(first), str(close)])]


def test_only_visible_untrashed_same_type_assets_of_the_owner_match(
    api: Api, container: Container, admin: Caller, clip: FakeClip, user: Caller
) -> None:
    first = photo(container, user)
    photo(container, user, type="VIDEO")
    photo(container, user, visibility="hidden")
    photo(container, user, deleted_at=utcnow(), status="trashed")
    photo(container, api.user(admin))
    photo(container, user, None)
    assert detect(container, first) == JobStatus.SUCCESS
    assert group_of(container, first) is None


def test_max_distance_comes_from_the_config(container: Container, clip: FakeClip, user: Caller) -> None:
    set_metadata(container, "system-config", {"machineLearning": {"duplicateDetection": {"maxDistance": 0.1}}})
    first, far = photo(container, user), photo(container, user, 0.05)
    detect(container, first)
    assert group_of(container, first) is not None and group_of(container, far) == group_of(container, first)


def test_existing_group_is_reused(container: Container, clip: FakeClip, user: Caller) -> None:
    group = uuid.uuid4()
    a, b = photo(container, user, 0.004, seed=1), photo(container, user, 0.004, seed=2)
    set_group(container, group, a, b)
    new = photo(container, user)
    detect(container, new)
    assert group_of(container, new) == group


def test_groups_are_merged(container: Container, clip: FakeClip, user: Caller) -> None:
    left, right = uuid.uuid4(), uuid.uuid4()
    a, a_far = photo(container, user, 0.004, seed=1), photo(container, user, 0.3, seed=5)
    b, b_far = photo(container, user, 0.004, seed=2), photo(container, user, 0.3, seed=6)
    set_group(container, left, a, a_far)
    set_group(container, right, b, b_far)
    bridge = photo(container, user)
    detect(container, bridge)
    groups = {group_of(container, x) for x in (a, a_far, b, b_far, bridge)}
    assert len(groups) == 1 and groups.pop() in (left, right)


def test_asset_without_matches_leaves_its_group(container: Container, clip: FakeClip, user: Caller) -> None:
    lonely = photo(container, user)
    set_group(container, uuid.uuid4(), lonely)
    detect(container, lonely)
    assert group_of(container, lonely) is None


def test_checked_assets_are_marked(container: Container, clip: FakeClip, user: Caller) -> None:
    first, close = photo(container, user), photo(container, user, 0.005)
    photo(container, user, 0.5)
    detect(container, first)
    with container.engine.connect() as conn:
        query = select(asset_job_status.c.asset_id).where(asset_job_status.c.duplicates_detected_at.is_not(None))
        assert set(conn.execute(query).scalars()) == {first, close}


def test_detection_skips_or_fails(container: Container, clip: FakeClip, user: Caller) -> None:
    assert detect(container, photo(container, user, None)) == JobStatus.FAILED
    assert detect(container, photo(container, user, visibility="hidden")) == JobStatus.SKIPPED
    assert detect(container, uuid.uuid4()) == JobStatus.FAILED
    set_metadata(container, "system-config", {"machineLearning": {"duplicateDetection": {"enabled": False}}})
    assert detect(container, photo(container, user)) == JobStatus.SKIPPED
    assert queue_all(container, force=True) == JobStatus.SKIPPED


def test_queue_all_picks_unchecked_assets(container: Container, clip: FakeClip, user: Caller) -> None:
    first, close = photo(container, user), photo(container, user, 0.005)
    unchecked = photo(container, user, 0.5)
    photo(container, user, None)
    photo(container, user, visibility="hidden")
    detect(container, first)

    def queued() -> list[str]:
        return sorted(r["data"]["id"] for r in rows(container) if r["name"] == "duplicate-detection")

    assert queue_all(container, force=False) == JobStatus.SUCCESS
    assert queued() == [str(unchecked)]
    assert queue_all(container, force=True) == JobStatus.SUCCESS
    assert queued() == sorted([str(unchecked), str(unchecked), str(first), str(close)])
