"""The nightly memory jobs: on-this-day memories around a fixed date, and the clean-up of old unsaved ones."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

import pytest

from photonest.container import Container
from photonest.db.types import utcnow
from photonest.jobs.names import JobName, JobStatus
from photonest.jobs.registry import load_handlers
from photonest.records import Memory
from photonest.repositories import Repositories
from photonest.services.memory import MemoryService
from tests.api.test_timeline import add_asset, make_partner
from tests.factories import Api, Caller

NOW = datetime(2025, 6, 1, 10, 30, tzinfo=UTC)
STATE = "memories-state"


@pytest.fixture
def admin(api: Api) -> Caller:
    return api.admin()


@pytest.fixture
def user(api: Api, admin: Caller) -> Caller:
    return api.user(admin)


@pytest.fixture
def partner(api: Api, admin: Caller) -> Caller:
    return api.user(admin)


def photo(container: Container, owner: Caller, when: datetime, *, preview: bool = True, **values: Any) -> UUID:
    """An asset taken at `when` (local time); with a generated preview unless told otherwise."""
    asset_id = add_asset(container, owner, when=when, **values)
    if preview:
        with container.unit_of_work() as uow:
            repos = Repositories(uow)
            repos.assets.upsert_file(asset_id, "preview", f"/thumbs/{asset_id}-preview.jpeg")
            repos.assets.upsert_job_status(asset_id, {"preview_at": utcnow()})
    return asset_id


def run_create(container: Container, now: datetime = NOW) -> None:
    with container.unit_of_work() as uow:
        MemoryService(container.context(uow)).create_memories(now)


def run_cleanup(container: Container, now: datetime = NOW) -> None:
    with container.unit_of_work() as uow:
        MemoryService(container.context(uow)).cleanup_memories(now)


def memories_of(container: Container, owner: Caller) -> list[tuple[Memory, set[UUID]]]:
    """The owner's memories (oldest `memoryAt` first), each with its asset ids."""
    with container.unit_of_work() as uow:
        repos = Repositories(uow)
        found = sorted(repos.memories.search(UUID(owner.id)), key=lambda m: m.memory_at)
        assets = repos.memories.list_assets(m.id for m in found)
    return [(m, {a.id for a in assets[m.id]}) for m in found]


def state(container: Container) -> Any:
    with container.unit_of_work() as uow:
        return Repositories(uow).system_metadata.get(STATE)


def at(year: int, month: int, day: int, hour: int = 12) -> datetime:
    return datetime(year, month, day, hour, tzinfo=UTC)


@pytest.fixture
def library(api: Api, container: Container, user: Caller, partner: Caller, admin: Caller) -> dict[str, UUID]:
    """A seeded library around 1 June: the user's photos of several years, a partner's, and a stranger's."""
    make_partner(api, partner, user, in_timeline=True)
    return {
        "2020": photo(container, user, at(2020, 6, 1)),
        "2020-late": photo(container, user, at(2020, 6, 1, 23)),
        "2020-no-preview": photo(container, user, at(2020, 6, 1), preview=False),
        "2021-archived": photo(container, user, at(2021, 6, 1), visibility="archive"),
        "2019-trashed": photo(container, user, at(2019, 6, 1), deleted_at=utcnow()),
        "2022-next-day": photo(container, user, at(2022, 6, 2)),
        "2023-other-day": photo(container, user, at(2023, 7, 1)),
        "2025-this-year": photo(container, user, at(2025, 6, 1, 8)),
        "partner-2018": photo(container, partner, at(2018, 6, 1)),
        "stranger-2017": photo(container, admin, at(2017, 6, 1)),
    }


def test_one_memory_per_earlier_year_with_visible_assets(
    container: Container, user: Caller, library: dict[str, UUID]
) -> None:
    run_create(container)
    found = [(m.data, m.memory_at, ids) for m, ids in memories_of(container, user)]
    assert found == [
        ({"year": 2018}, datetime(2018, 6, 1, tzinfo=UTC), {library["partner-2018"]}),
        ({"year": 2020}, datetime(2020, 6, 1, tzinfo=UTC), {library["2020"], library["2020-late"]}),
        ({"year": 2022}, datetime(2022, 6, 2, tzinfo=UTC), {library["2022-next-day"]}),
    ]


def test_memories_are_shown_during_their_day(container: Container, user: Caller, library: dict[str, UUID]) -> None:
    run_create(container)
    by_year = {m.data["year"]: m for m, _ in memories_of(container, user)}
    june_first, june_second = by_year[2020], by_year[2022]
    assert june_first.type == "on_this_day"
    assert june_first.show_at == datetime(2025, 6, 1, tzinfo=UTC)
    assert june_first.hide_at == datetime(2025, 6, 1, 23, 59, 59, 999000, tzinfo=UTC)
    assert june_second.show_at == datetime(2025, 6, 2, tzinfo=UTC)
    assert not june_first.is_saved and june_first.seen_at is None


def test_partner_memories_need_the_partner_in_the_timeline(
    api: Api, container: Container, user: Caller, partner: Caller, library: dict[str, UUID]
) -> None:
    api.request("PUT", f"/api/partners/{partner.id}", user, json={"inTimeline": False})
    run_create(container)
    assert {m.data["year"] for m, _ in memories_of(container, user)} == {2020, 2022}


def test_the_sharing_partner_gets_memories_of_their_own_assets_only(
    container: Container, partner: Caller, library: dict[str, UUID]
) -> None:
    run_create(container)
    assert [(m.data, ids) for m, ids in memories_of(container, partner)] == [
        ({"year": 2018}, {library["partner-2018"]})
    ]


def test_days_already_processed_are_skipped(container: Container, user: Caller, library: dict[str, UUID]) -> None:
    run_create(container)
    run_create(container)
    assert len(memories_of(container, user)) == 3
    assert state(container) == {"lastOnThisDayDate": "2025-06-04T00:00:00.000Z"}


def test_the_next_night_only_adds_the_new_last_day(
    container: Container, user: Caller, library: dict[str, UUID]
) -> None:
    run_create(container)
    late = photo(container, user, at(2016, 6, 5))
    early = photo(container, user, at(2016, 5, 30))
    run_create(container, NOW + timedelta(days=1))
    added = [ids for m, ids in memories_of(container, user) if m.data["year"] == 2016]
    assert added == [{late}]
    assert early not in set().union(*added)
    assert state(container) == {"lastOnThisDayDate": "2025-06-05T00:00:00.000Z"}


def test_at_most_twenty_assets_of_a_year(container: Container, user: Caller) -> None:
    for minute in range(22):
        photo(container, user, at(2020, 6, 1) + timedelta(minutes=minute))
    run_create(container)
    ((_, ids),) = memories_of(container, user)
    assert len(ids) == 20


def test_created_memories_are_listed_for_their_day(
    api: Api, container: Container, user: Caller, library: dict[str, UUID]
) -> None:
    run_create(container)
    response = api.request("GET", "/api/memories", user, params={"for": "2025-06-01T12:00:00.000Z"})
    assert response.status_code == 200
    listed = response.json()
    assert [m["data"]["year"] for m in listed] == [2020, 2018]
    assert listed[0]["showAt"] == "2025-06-01T00:00:00.000Z"
    assert listed[0]["hideAt"] == "2025-06-01T23:59:59.999Z"
    assert listed[0]["memoryAt"] == "2020-06-01T00:00:00.000Z"
    assert [a["id"] for a in listed[0]["assets"]] == [str(library["2020"]), str(library["2020-late"])]


def test_cleanup_deletes_old_unsaved_memories(container: Container, user: Caller) -> None:
    def make(created_at: datetime, is_saved: bool) -> UUID:
        values = {
            "owner_id": UUID(user.id),
            "type": "on_this_day",
            "data": {"year": 2020},
            "memory_at": at(2020, 6, 1),
            "is_saved": is_saved,
            "created_at": created_at,
        }
        with container.unit_of_work() as uow:
            return Repositories(uow).memories.create(values, []).id

    old_unsaved = make(NOW - timedelta(days=31), False)
    old_saved = make(NOW - timedelta(days=31), True)
    recent = make(NOW - timedelta(days=29), False)
    run_cleanup(container)
    remaining = {m.id for m, _ in memories_of(container, user)}
    assert remaining == {old_saved, recent}
    assert old_unsaved not in remaining


@pytest.mark.parametrize("name", [JobName.MEMORIES_CREATE, JobName.MEMORIES_CLEANUP])
def test_the_memory_jobs_have_handlers(container: Container, user: Caller, name: JobName) -> None:
    handler = load_handlers().get(name.value)
    assert handler is not None
    with container.unit_of_work() as uow:
        assert handler(container.context(uow), {}) == JobStatus.SUCCESS


def test_the_create_job_records_its_progress(container: Container, user: Caller) -> None:
    handler = load_handlers().get(JobName.MEMORIES_CREATE.value)
    assert handler is not None
    with container.unit_of_work() as uow:
        handler(container.context(uow), {})
    expected = (utcnow() + timedelta(days=3)).date().isoformat()
    assert state(container) == {"lastOnThisDayDate": f"{expected}T00:00:00.000Z"}
