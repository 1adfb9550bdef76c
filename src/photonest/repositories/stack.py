"""Stacks: a primary asset and the assets grouped under it (upstream `stack.repository.ts`)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import case, delete, insert, select, update

from photonest.db.tables import asset, asset_exif, stack, tag, tag_asset
from photonest.db.types import utcnow
from photonest.records import Asset, Record
from photonest.repositories.base import Repository, prefixed, unprefixed
from photonest.repositories.timeline import DEFAULT_VISIBILITIES


@dataclass(frozen=True)
class Stack(Record):
    id: UUID
    owner_id: UUID
    primary_asset_id: UUID
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True)
class AssetWithExif:
    """An asset with its EXIF row (None when metadata was never extracted)."""

    asset: Asset
    exif: dict[str, Any] | None


class StackRepository(Repository):
    """SQL for the `stack` table and the `asset.stack_id` links."""

    def owned_ids(self, owner_id: UUID, ids: Iterable[UUID]) -> set[UUID]:
        query = select(stack.c.id).where(stack.c.owner_id == owner_id, stack.c.id.in_(list(ids)))
        return set(self.execute(query).scalars())

    def get(self, stack_id: UUID) -> Stack | None:
        row = self.execute(select(stack).where(stack.c.id == stack_id)).first()
        return Stack.from_row(row) if row else None

    def search(self, owner_id: UUID, primary_asset_id: UUID | None = None) -> list[Stack]:
        query = select(stack).where(stack.c.owner_id == owner_id)
        if primary_asset_id is not None:
            query = query.where(stack.c.primary_asset_id == primary_asset_id)
        return [Stack.from_row(r) for r in self.execute(query.order_by(stack.c.created_at, stack.c.id))]

    def ids_with_primary_in(self, owner_id: UUID, asset_ids: Iterable[UUID]) -> list[UUID]:
        """The owner's stacks whose primary asset is one of these assets."""
        query = select(stack.c.id).where(stack.c.owner_id == owner_id, stack.c.primary_asset_id.in_(list(asset_ids)))
        return list(self.execute(query).scalars())

    def member_ids(self, stack_ids: Iterable[UUID]) -> set[UUID]:
        """The ids of the stacks' assets that are not in the trash."""
        query = select(asset.c.id).where(asset.c.stack_id.in_(list(stack_ids)), asset.c.deleted_at.is_(None))
        return set(self.execute(query).scalars())

    def all_member_ids(self, stack_id: UUID) -> list[UUID]:
        """The ids of every asset of the stack, trashed ones included, oldest first."""
        query = select(asset.c.id).where(asset.c.stack_id == stack_id).order_by(asset.c.local_date_time, asset.c.id)
        return list(self.execute(query).scalars())

    def list_members(self, stack_ids: Iterable[UUID]) -> dict[UUID, list[AssetWithExif]]:
        """The visible (not trashed, archive or timeline) assets of each stack, primary first, then by date."""
        ids = list(stack_ids)
        members: dict[UUID, list[AssetWithExif]] = {stack_id: [] for stack_id in ids}
        if not ids:
            return members
        is_primary = case((stack.c.primary_asset_id == asset.c.id, 0), else_=1)
        query = (
            select(asset, *prefixed(asset_exif, "exif__"))
            .join(stack, stack.c.id == asset.c.stack_id)
            .outerjoin(asset_exif, asset_exif.c.asset_id == asset.c.id)
            .where(
                asset.c.stack_id.in_(ids),
                asset.c.deleted_at.is_(None),
                asset.c.visibility.in_(DEFAULT_VISIBILITIES),
            )
            .order_by(asset.c.stack_id, is_primary, asset.c.local_date_time, asset.c.id)
        )
        for row in self.execute(query):
            exif = unprefixed(row, "exif__")
            member = AssetWithExif(Asset.from_row(row), exif if exif.get("asset_id") is not None else None)
            members[member.asset.stack_id].append(member)  # type: ignore[index]
        return members

    def tags_by_asset(self, asset_ids: Iterable[UUID]) -> dict[UUID, list[dict[str, Any]]]:
        """The tags of each asset, as rows of the `tag` table."""
        query = (
            select(tag_asset.c.asset_id.label("tagged_asset_id"), tag)
            .join(tag, tag.c.id == tag_asset.c.tag_id)
            .where(tag_asset.c.asset_id.in_(list(asset_ids)))
            .order_by(tag.c.value)
        )
        tags: dict[UUID, list[dict[str, Any]]] = {}
        for row in self.execute(query):
            values = dict(row._mapping)
            tags.setdefault(values.pop("tagged_asset_id"), []).append(values)
        return tags

    def create(self, owner_id: UUID, primary_asset_id: UUID) -> Stack:
        statement = insert(stack).values(owner_id=owner_id, primary_asset_id=primary_asset_id).returning(stack)
        return Stack.from_row(self.execute(statement).one())

    def add_assets(self, stack_id: UUID, asset_ids: Iterable[UUID]) -> None:
        values = {"stack_id": stack_id, "updated_at": utcnow()}
        self.execute(update(asset).where(asset.c.id.in_(list(asset_ids))).values(**values))

    def set_primary(self, stack_id: UUID, primary_asset_id: UUID) -> Stack:
        statement = (
            update(stack)
            .where(stack.c.id == stack_id)
            .values(primary_asset_id=primary_asset_id, updated_at=utcnow())
            .returning(stack)
        )
        return Stack.from_row(self.execute(statement).one())

    def delete_many(self, stack_ids: Iterable[UUID]) -> None:
        """Delete the stacks and unlink their assets (upstream's foreign key does this with ON DELETE SET NULL)."""
        ids = list(stack_ids)
        self.execute(update(asset).where(asset.c.stack_id.in_(ids)).values(stack_id=None, updated_at=utcnow()))
        self.execute(delete(stack).where(stack.c.id.in_(ids)))
