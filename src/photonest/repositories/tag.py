"""Tags: hierarchical values per user, their closure, and which assets carry them."""

from __future__ import annotations

from collections.abc import Iterable
from uuid import UUID

from sqlalchemy import delete, insert, select

from photonest.db.tables import tag, tag_asset, tag_closure
from photonest.repositories.base import Repository


class TagRepository(Repository):
    """SQL for the `tag`, `tag_closure` and `tag_asset` tables."""

    def get_id(self, user_id: UUID, value: str) -> UUID | None:
        return self.execute(select(tag.c.id).where(tag.c.user_id == user_id, tag.c.value == value)).scalar()

    def create(self, user_id: UUID, value: str, parent_id: UUID | None) -> UUID:
        """A new tag with its closure rows (itself and every ancestor)."""
        tag_id: UUID = self.execute(
            insert(tag).values(user_id=user_id, value=value, parent_id=parent_id).returning(tag.c.id)
        ).scalar_one()
        ancestors = [parent_id] if parent_id else []
        if parent_id:
            query = select(tag_closure.c.ancestor_id).where(tag_closure.c.descendant_id == parent_id)
            ancestors = list(self.execute(query).scalars())
        rows = [{"ancestor_id": a, "descendant_id": tag_id} for a in {tag_id, *ancestors}]
        self.execute(insert(tag_closure), rows)
        return tag_id

    def replace_asset_tags(self, asset_id: UUID, tag_ids: Iterable[UUID]) -> None:
        self.execute(delete(tag_asset).where(tag_asset.c.asset_id == asset_id))
        self.add_asset_tags(asset_id, tag_ids)

    def add_asset_tags(self, asset_id: UUID, tag_ids: Iterable[UUID]) -> None:
        rows = [{"asset_id": asset_id, "tag_id": t} for t in set(tag_ids)]
        if not rows:
            return
        self.execute(self.upsert(tag_asset).on_conflict_do_nothing(), rows)
