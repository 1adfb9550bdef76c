"""Tags: hierarchical values per user, their closure, and which assets carry them (`tag.repository.ts`)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import delete, insert, select, update

from photonest.db.tables import tag, tag_asset, tag_closure
from photonest.db.types import utcnow
from photonest.records import Record
from photonest.repositories.base import Repository


@dataclass(frozen=True)
class Tag(Record):
    id: UUID
    user_id: UUID
    value: str
    color: str | None
    parent_id: UUID | None
    created_at: datetime
    updated_at: datetime


class TagRepository(Repository):
    """SQL for the `tag`, `tag_closure` and `tag_asset` tables."""

    def get(self, tag_id: UUID) -> Tag | None:
        row = self.execute(select(tag).where(tag.c.id == tag_id)).first()
        return Tag.from_row(row) if row else None

    def get_id(self, user_id: UUID, value: str) -> UUID | None:
        return self.execute(select(tag.c.id).where(tag.c.user_id == user_id, tag.c.value == value)).scalar()

    def get_by_value(self, user_id: UUID, value: str) -> Tag | None:
        row = self.execute(select(tag).where(tag.c.user_id == user_id, tag.c.value == value)).first()
        return Tag.from_row(row) if row else None

    def list_by_user(self, user_id: UUID) -> list[Tag]:
        query = select(tag).where(tag.c.user_id == user_id).order_by(tag.c.value)
        return [Tag.from_row(r) for r in self.execute(query)]

    def list_by_asset(self, asset_id: UUID) -> list[Tag]:
        """The tags an asset carries, by value."""
        query = (
            select(tag)
            .join(tag_asset, tag_asset.c.tag_id == tag.c.id)
            .where(tag_asset.c.asset_id == asset_id)
            .order_by(tag.c.value)
        )
        return [Tag.from_row(r) for r in self.execute(query)]

    def create(self, user_id: UUID, value: str, parent_id: UUID | None, color: str | None = None) -> UUID:
        """A new tag with its closure rows (itself and every ancestor)."""
        tag_id: UUID = self.execute(
            insert(tag).values(user_id=user_id, value=value, parent_id=parent_id, color=color).returning(tag.c.id)
        ).scalar_one()
        self._add_closure(tag_id, parent_id)
        return tag_id

    def upsert_value(self, user_id: UUID, value: str, parent_id: UUID | None) -> Tag:
        """The user's tag of this value, created when missing and moved under `parent_id` (upstream's upsertValue)."""
        statement = (
            self.upsert(tag)
            .values(user_id=user_id, value=value, parent_id=parent_id)
            .on_conflict_do_update(index_elements=["user_id", "value"], set_={"parent_id": parent_id})
            .returning(tag)
        )
        found = Tag.from_row(self.execute(statement).one())
        self._add_closure(found.id, parent_id)
        return found

    def _add_closure(self, tag_id: UUID, parent_id: UUID | None) -> None:
        ancestors: set[UUID] = {tag_id}
        if parent_id is not None:
            query = select(tag_closure.c.ancestor_id).where(tag_closure.c.descendant_id == parent_id)
            ancestors |= {parent_id, *self.execute(query).scalars()}
        rows = [{"ancestor_id": a, "descendant_id": tag_id} for a in ancestors]
        self.execute(self.upsert(tag_closure).on_conflict_do_nothing(), rows)

    def update(self, tag_id: UUID, values: dict[str, Any]) -> Tag:
        statement = update(tag).where(tag.c.id == tag_id).values(**values, updated_at=utcnow()).returning(tag)
        return Tag.from_row(self.execute(statement).one())

    def delete(self, tag_id: UUID) -> None:
        """Delete the tag; its descendants, closure rows and asset links go with it (foreign keys cascade)."""
        self.execute(delete(tag).where(tag.c.id == tag_id))

    def delete_empty(self) -> int:
        """Delete every tag that neither it nor any descendant is on an asset (`deleteEmptyTags`); how many."""
        used = (
            select(tag_closure.c.ancestor_id)
            .join(tag_asset, tag_asset.c.tag_id == tag_closure.c.descendant_id)
            .where(tag_closure.c.ancestor_id == tag.c.id)
        )
        return int(self.db.execute(delete(tag).where(~used.exists())).rowcount)

    def tagged_asset_ids(self, tag_id: UUID, asset_ids: Iterable[UUID]) -> set[UUID]:
        """Which of these assets carry the tag."""
        query = select(tag_asset.c.asset_id).where(
            tag_asset.c.tag_id == tag_id, tag_asset.c.asset_id.in_(list(asset_ids))
        )
        return set(self.execute(query).scalars())

    def add_asset_ids(self, tag_id: UUID, asset_ids: Iterable[UUID]) -> None:
        rows = [{"tag_id": tag_id, "asset_id": a} for a in asset_ids]
        if rows:
            self.execute(insert(tag_asset), rows)

    def remove_asset_ids(self, tag_id: UUID, asset_ids: Iterable[UUID]) -> None:
        ids = list(asset_ids)
        if ids:
            self.execute(delete(tag_asset).where(tag_asset.c.tag_id == tag_id, tag_asset.c.asset_id.in_(ids)))

    def upsert_asset_pairs(self, pairs: Iterable[tuple[UUID, UUID]]) -> list[tuple[UUID, UUID]]:
        """Link each (tag, asset) pair; the pairs that were not linked yet."""
        rows = [{"tag_id": t, "asset_id": a} for t, a in pairs]
        if not rows:
            return []
        statement = (
            self.upsert(tag_asset)
            .values(rows)
            .on_conflict_do_nothing()
            .returning(tag_asset.c.tag_id, tag_asset.c.asset_id)
        )
        return [(r.tag_id, r.asset_id) for r in self.execute(statement)]

    def replace_asset_tags(self, asset_id: UUID, tag_ids: Iterable[UUID]) -> None:
        self.execute(delete(tag_asset).where(tag_asset.c.asset_id == asset_id))
        self.add_asset_tags(asset_id, tag_ids)

    def add_asset_tags(self, asset_id: UUID, tag_ids: Iterable[UUID]) -> None:
        rows = [{"asset_id": asset_id, "tag_id": t} for t in set(tag_ids)]
        if not rows:
            return
        self.execute(self.upsert(tag_asset).on_conflict_do_nothing(), rows)
