"""Shared links, their assets and the secret that signs their unlock tokens (upstream `shared-link.repository.ts`)."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from typing import Any
from uuid import UUID

from sqlalchemy import Select, delete, insert, or_, select, update

from photonest.db.tables import (
    album,
    album_asset,
    asset,
    asset_exif,
    shared_link,
    shared_link_asset,
    system_metadata,
    user,
)
from photonest.records import Album, Asset, SharedLink, User
from photonest.repositories.base import Repository, prefixed, unprefixed
from photonest.repositories.stack import AssetWithExif

# The HMAC key for shared-link unlock tokens; created on first use, never sent anywhere.
SIGNING_SECRET_KEY = "shared-link-signing-secret"


def _record(cls: type[Any], values: dict[str, Any]) -> Any:
    names = {f.name for f in dataclasses.fields(cls)}
    return cls(**{k: v for k, v in values.items() if k in names})


def _usable(query: Select[Any]) -> Select[Any]:
    """Links that still point at something: individual links, or album links whose album is not deleted."""
    return query.outerjoin(album, album.c.id == shared_link.c.album_id).where(
        or_(shared_link.c.type == "INDIVIDUAL", album.c.deleted_at.is_(None) & album.c.id.is_not(None))
    )


class SharedLinkRepository(Repository):
    """SQL for the `shared_link` and `shared_link_asset` tables."""

    def get_by_key(self, key: bytes) -> tuple[SharedLink, User] | None:
        """The usable link with this key and its owner, unless the owner is deleted."""
        query = _usable(
            select(shared_link, *prefixed(user, "user__"))
            .join(user, user.c.id == shared_link.c.user_id)
            .where(shared_link.c.key == key, user.c.deleted_at.is_(None))
        )
        row = self.execute(query).first()
        if row is None:
            return None
        return SharedLink.from_row(row), _record(User, unprefixed(row, "user__"))

    def get(self, user_id: UUID, link_id: UUID) -> SharedLink | None:
        """The user's usable link with this id."""
        query = _usable(select(shared_link).where(shared_link.c.id == link_id, shared_link.c.user_id == user_id))
        row = self.execute(query).first()
        return SharedLink.from_row(row) if row else None

    def search(self, user_id: UUID, album_id: UUID | None = None) -> list[SharedLink]:
        """The user's usable links, newest first, optionally only those of one album."""
        query = _usable(select(shared_link).where(shared_link.c.user_id == user_id))
        if album_id is not None:
            query = query.where(shared_link.c.album_id == album_id)
        rows = self.execute(query.order_by(shared_link.c.created_at.desc(), shared_link.c.id))
        return [SharedLink.from_row(r) for r in rows]

    def assets_of(self, link_ids: Iterable[UUID]) -> dict[UUID, list[AssetWithExif]]:
        """The untrashed assets each link shares directly, oldest file first."""
        ids = list(link_ids)
        found: dict[UUID, list[AssetWithExif]] = {link_id: [] for link_id in ids}
        if not ids:
            return found
        query = (
            _with_exif(select(shared_link_asset.c.shared_link_id.label("link_id"), asset))
            .join(shared_link_asset, shared_link_asset.c.asset_id == asset.c.id)
            .where(shared_link_asset.c.shared_link_id.in_(ids), asset.c.deleted_at.is_(None))
            .order_by(asset.c.file_created_at, asset.c.id)
        )
        for row in self.execute(query):
            found[row.link_id].append(_asset_with_exif(row))
        return found

    def asset_ids(self, link_id: UUID) -> set[UUID]:
        """Every asset the link shares directly, trashed ones included."""
        query = select(shared_link_asset.c.asset_id).where(shared_link_asset.c.shared_link_id == link_id)
        return set(self.execute(query).scalars())

    def album_with_owner(self, album_id: UUID) -> tuple[Album, User] | None:
        """The album, unless deleted, and its owner."""
        query = (
            select(album, *prefixed(user, "user__"))
            .join(user, user.c.id == album.c.owner_id)
            .where(album.c.id == album_id, album.c.deleted_at.is_(None))
        )
        row = self.execute(query).first()
        if row is None:
            return None
        return Album.from_row(row), _record(User, unprefixed(row, "user__"))

    def albums_with_owners(self, album_ids: Iterable[UUID]) -> dict[UUID, tuple[Album, User]]:
        """Each of the albums that is not deleted, with its owner."""
        query = (
            select(album, *prefixed(user, "user__"))
            .join(user, user.c.id == album.c.owner_id)
            .where(album.c.id.in_(list(album_ids)), album.c.deleted_at.is_(None))
        )
        return {row.id: (Album.from_row(row), _record(User, unprefixed(row, "user__"))) for row in self.execute(query)}

    def album_assets(self, album_id: UUID) -> list[AssetWithExif]:
        """The album's untrashed assets, oldest file first."""
        query = (
            _with_exif(select(asset))
            .join(album_asset, album_asset.c.asset_id == asset.c.id)
            .where(album_asset.c.album_id == album_id, asset.c.deleted_at.is_(None))
            .order_by(asset.c.file_created_at, asset.c.id)
        )
        return [_asset_with_exif(row) for row in self.execute(query)]

    def create(self, values: dict[str, Any]) -> SharedLink:
        return SharedLink.from_row(self.execute(insert(shared_link).values(**values).returning(shared_link)).one())

    def update(self, link_id: UUID, changes: dict[str, Any]) -> SharedLink:
        statement = update(shared_link).where(shared_link.c.id == link_id).values(**changes).returning(shared_link)
        return SharedLink.from_row(self.execute(statement).one())

    def delete(self, link_id: UUID) -> None:
        self.execute(delete(shared_link).where(shared_link.c.id == link_id))

    def add_assets(self, link_id: UUID, asset_ids: Iterable[UUID]) -> None:
        rows = [{"shared_link_id": link_id, "asset_id": asset_id} for asset_id in asset_ids]
        if rows:
            self.execute(insert(shared_link_asset), rows)

    def remove_assets(self, link_id: UUID, asset_ids: Iterable[UUID]) -> None:
        self.execute(
            delete(shared_link_asset).where(
                shared_link_asset.c.shared_link_id == link_id, shared_link_asset.c.asset_id.in_(list(asset_ids))
            )
        )

    def signing_secret(self) -> str | None:
        query = select(system_metadata.c.value).where(system_metadata.c.key == SIGNING_SECRET_KEY)
        value = self.execute(query).scalar()
        return value if isinstance(value, str) else None

    def create_signing_secret(self, candidate: str) -> str:
        """Store `candidate` unless a secret exists (another process may have been first); return the stored one."""
        statement = self.upsert(system_metadata).values(key=SIGNING_SECRET_KEY, value=candidate)
        self.execute(statement.on_conflict_do_nothing(index_elements=["key"]))
        stored = self.signing_secret()
        assert stored is not None
        return stored


def _with_exif(query: Select[Any]) -> Select[Any]:
    return query.add_columns(*prefixed(asset_exif, "exif__")).outerjoin(asset_exif, asset_exif.c.asset_id == asset.c.id)


def _asset_with_exif(row: Any) -> AssetWithExif:
    exif = unprefixed(row, "exif__")
    return AssetWithExif(Asset.from_row(row), exif if exif.get("asset_id") is not None else None)
