"""Memories: the caller's "on this day" collections and the nightly jobs around them (`memory.service.ts`)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from uuid import UUID

from photonest.db.types import utcnow
from photonest.errors import BadRequest
from photonest.records import Auth, Memory
from photonest.repositories import Repositories
from photonest.repositories.system_metadata import SystemMetadataKey
from photonest.schemas import generated as g
from photonest.schemas import memory as m
from photonest.services.access import check_access, require_access
from photonest.services.asset_set import add_assets, remove_assets
from photonest.services.base import BaseService

P = g.Permission
# Memories are made for the days from today-DAYS to today+DAYS.
DAYS = 3
# Upstream's on-this-day query takes at most this many assets of each year.
ASSETS_PER_YEAR = 20
# Unsaved memories older than this are deleted by the nightly clean-up.
KEEP_UNSAVED = timedelta(days=30)
ON_THIS_DAY = g.MemoryType.ON_THIS_DAY.value


class _MemoryAssets:
    """The assets of memories, as an `AssetSet`."""

    def __init__(self, repos: Repositories) -> None:
        self.memories = repos.memories

    def contained(self, parent_id: UUID, asset_ids: Iterable[UUID]) -> set[UUID]:
        return self.memories.contained_asset_ids(parent_id, asset_ids)

    def add(self, parent_id: UUID, asset_ids: list[UUID]) -> None:
        self.memories.add_asset_ids(parent_id, asset_ids)

    def remove(self, parent_id: UUID, asset_ids: list[UUID]) -> None:
        self.memories.remove_asset_ids(parent_id, asset_ids)


class MemoryService(BaseService):
    """The caller's memories and their assets."""

    def search(self, auth: Auth, dto: m.MemorySearchDto) -> list[g.MemoryResponseDto]:
        found = self.repos.memories.search(
            auth.user_id,
            for_=dto.for_,
            is_saved=dto.is_saved,
            is_trashed=dto.is_trashed,
            type_=dto.type.value if dto.type else None,
        )
        return self._map_many(auth, found)

    def get(self, auth: Auth, memory_id: UUID) -> g.MemoryResponseDto:
        require_access(self.repos, auth, P.MEMORY_READ, [memory_id])
        return self._map(auth, self._find(memory_id))

    def create(self, auth: Auth, dto: m.MemoryCreateDto) -> g.MemoryResponseDto:
        """A new memory holding the given assets the caller may share (the others are left out)."""
        allowed = check_access(self.repos, auth, P.ASSET_SHARE, dto.asset_ids or [])
        values: dict[str, Any] = {
            "owner_id": auth.user_id,
            "type": dto.type.value,
            "data": dto.data.model_dump(mode="json"),
            "memory_at": dto.memory_at,
            "seen_at": dto.seen_at,
        }
        if dto.is_saved is not None:
            values["is_saved"] = dto.is_saved
        ordered = [a for a in dict.fromkeys(dto.asset_ids or []) if a in allowed]
        return self._map(auth, self.repos.memories.create(values, ordered))

    def update(self, auth: Auth, memory_id: UUID, dto: g.MemoryUpdateDto) -> g.MemoryResponseDto:
        require_access(self.repos, auth, P.MEMORY_UPDATE, [memory_id])
        values: dict[str, Any] = {"updated_at": utcnow()}
        for name in ("is_saved", "memory_at", "seen_at"):
            if getattr(dto, name) is not None:
                values[name] = getattr(dto, name)
        return self._map(auth, self.repos.memories.update(memory_id, values))

    def remove(self, auth: Auth, memory_id: UUID) -> None:
        require_access(self.repos, auth, P.MEMORY_DELETE, [memory_id])
        self.repos.memories.delete(memory_id)

    def add_assets(self, auth: Auth, memory_id: UUID, dto: g.BulkIdsDto) -> list[g.BulkIdResponseDto]:
        require_access(self.repos, auth, P.MEMORY_READ, [memory_id])
        results = add_assets(self.repos, auth, _MemoryAssets(self.repos), memory_id, dto.ids)
        if any(r.success for r in results):
            self.repos.memories.touch(memory_id)
        return results

    def remove_assets(self, auth: Auth, memory_id: UUID, dto: g.BulkIdsDto) -> list[g.BulkIdResponseDto]:
        require_access(self.repos, auth, P.MEMORY_UPDATE, [memory_id])
        results = remove_assets(self.repos, auth, _MemoryAssets(self.repos), memory_id, dto.ids, P.MEMORY_DELETE)
        if any(r.success for r in results):
            self.repos.memories.touch(memory_id)
        return results

    # --- nightly jobs ---

    def create_memories(self, now: datetime | None = None) -> None:
        """Make the on-this-day memories of every user for each day around `now` not made yet."""
        today = (now or utcnow()).astimezone(UTC).date()
        start = today - timedelta(days=DAYS)
        state = self.repos.system_metadata.get(SystemMetadataKey.MEMORIES_STATE.value) or {}
        last = _parse_day(state.get("lastOnThisDayDate")) if isinstance(state, dict) else None
        users = self.repos.users.list_all()
        for offset in range(DAYS * 2 + 1):
            target = start + timedelta(days=offset)
            if last is not None and last >= target:
                continue
            for user in users:
                self._create_on_this_day(user.id, target)
            state = {**(state if isinstance(state, dict) else {}), "lastOnThisDayDate": _day_iso(target)}
            self.repos.system_metadata.set(SystemMetadataKey.MEMORIES_STATE.value, state)

    def cleanup_memories(self, now: datetime | None = None) -> None:
        """Delete the unsaved memories made more than 30 days ago."""
        self.repos.memories.delete_unsaved_created_before((now or utcnow()) - KEEP_UNSAVED)

    def _create_on_this_day(self, owner_id: UUID, target: date) -> None:
        """One memory per earlier year with assets (the owner's and their timeline partners') on this day."""
        owner_ids = [owner_id, *self._timeline_partner_ids(owner_id)]
        first_year = self.repos.memories.earliest_local_year(owner_ids)
        if first_year is None:
            return
        days = [d for d in (_same_day(target, year) for year in range(first_year, target.year)) if d is not None]
        by_day = self.repos.memories.assets_of_day(owner_ids, days, ASSETS_PER_YEAR)
        show_at = datetime.combine(target, time(), UTC)
        hide_at = show_at + timedelta(days=1) - timedelta(milliseconds=1)
        for day in sorted(by_day, reverse=True):
            values = {
                "owner_id": owner_id,
                "type": ON_THIS_DAY,
                "data": {"year": day.year},
                "memory_at": datetime.combine(day, time(), UTC),
                "show_at": show_at,
                "hide_at": hide_at,
            }
            self.repos.memories.create(values, by_day[day])

    def _timeline_partner_ids(self, user_id: UUID) -> list[UUID]:
        return [p.shared_by_id for p, _ in self.repos.partners.list_shared_with(user_id) if p.in_timeline]

    def _find(self, memory_id: UUID) -> Memory:
        found = self.repos.memories.get(memory_id)
        if found is None:
            raise BadRequest("Memory not found")
        return found

    def _map(self, auth: Auth, found: Memory) -> g.MemoryResponseDto:
        return self._map_many(auth, [found])[0]

    def _map_many(self, auth: Auth, found: list[Memory]) -> list[g.MemoryResponseDto]:
        assets = self.repos.memories.list_assets(f.id for f in found)
        return [m.map_memory(f, assets[f.id], auth.user_id) for f in found]


def _same_day(target: date, year: int) -> date | None:
    """The target's month and day in another year; None for 29 February in a common year."""
    try:
        return target.replace(year=year)
    except ValueError:
        return None


def _day_iso(day: date) -> str:
    return f"{day.isoformat()}T00:00:00.000Z"


def _parse_day(value: Any) -> date | None:
    if not isinstance(value, str):
        return None
    try:
        return datetime.fromisoformat(value).astimezone(UTC).date()
    except ValueError:
        return None
