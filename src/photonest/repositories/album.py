"""SQL for albums, their assets and their members (upstream `album.repository.ts`, `album-user.repository.ts`)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import ColumnElement, Select, and_, delete, exists, func, insert, not_, or_, select, update

from photonest.db.tables import album, album_asset, album_user, asset, asset_exif, shared_link, user
from photonest.db.types import utcnow
from photonest.records import Album, Asset, User
from photonest.repositories.base import Repository, prefixed, unprefixed
from photonest.repositories.stack import AssetWithExif
from photonest.repositories.timeline import DEFAULT_VISIBILITIES


@dataclass(frozen=True)
class AlbumMember:
    """A user the album is shared with, and their role."""

    user: User
    role: str


@dataclass(frozen=True)
class AlbumMetadata:
    """What the album's visible assets add up to (upstream's `AlbumAssetCount`)."""

    asset_count: int
    start_date: datetime | None
    end_date: datetime | None
    last_modified_asset_timestamp: datetime | None


def _visible_asset(*conditions: ColumnElement[bool]) -> ColumnElement[bool]:
    """Album assets that are listed and counted: not trashed, not hidden or locked."""
    return and_(asset.c.deleted_at.is_(None), asset.c.visibility.in_(DEFAULT_VISIBILITIES), *conditions)


def _has_members() -> ColumnElement[bool]:
    return exists(select(album_user.c.album_id).where(album_user.c.album_id == album.c.id))


def _has_link(user_id: UUID | None = None) -> ColumnElement[bool]:
    links = select(shared_link.c.id).where(shared_link.c.album_id == album.c.id)
    if user_id is not None:
        links = links.where(shared_link.c.user_id == user_id)
    return exists(links)


def _is_member(user_id: UUID) -> ColumnElement[bool]:
    member = select(album_user.c.album_id).where(album_user.c.album_id == album.c.id, album_user.c.user_id == user_id)
    return exists(member)


def _owned(user_id: UUID) -> ColumnElement[bool]:
    return album.c.owner_id == user_id


def _shared(user_id: UUID) -> ColumnElement[bool]:
    """Albums with members that the user owns or is one of, and albums the user made a shared link for."""
    owned_or_member = or_(album.c.owner_id == user_id, _is_member(user_id))
    return or_(and_(_has_members(), owned_or_member), _has_link(user_id))


def _not_shared(user_id: UUID) -> ColumnElement[bool]:
    """The user's albums with neither members nor shared links."""
    return and_(album.c.owner_id == user_id, not_(_has_members()), not_(_has_link()))


def _albums(*conditions: ColumnElement[bool]) -> Select[Any]:
    """Albums not deleted, newest first."""
    return (
        select(album).where(album.c.deleted_at.is_(None), *conditions).order_by(album.c.created_at.desc(), album.c.id)
    )


class AlbumRepository(Repository):
    """SQL for the `album`, `album_asset` and `album_user` tables."""

    # --- albums ---

    def get(self, album_id: UUID) -> Album | None:
        row = self.execute(select(album).where(album.c.id == album_id, album.c.deleted_at.is_(None))).first()
        return Album.from_row(row) if row else None

    def list_owned(self, user_id: UUID) -> list[Album]:
        return self._list(_albums(_owned(user_id)))

    def list_shared(self, user_id: UUID) -> list[Album]:
        return self._list(_albums(_shared(user_id)))

    def list_not_shared(self, user_id: UUID) -> list[Album]:
        return self._list(_albums(_not_shared(user_id)))

    def list_by_asset(self, user_id: UUID, asset_id: UUID) -> list[Album]:
        """Albums holding the asset that the user owns or is a member of."""
        holds = exists(
            select(album_asset.c.album_id).where(
                album_asset.c.album_id == album.c.id, album_asset.c.asset_id == asset_id
            )
        )
        return self._list(_albums(holds, or_(album.c.owner_id == user_id, _is_member(user_id))))

    def _list(self, query: Select[Any]) -> list[Album]:
        return [Album.from_row(row) for row in self.execute(query)]

    def create(self, values: dict[str, Any]) -> Album:
        return Album.from_row(self.execute(insert(album).values(**values).returning(album)).one())

    def update(self, album_id: UUID, values: dict[str, Any]) -> Album:
        statement = update(album).where(album.c.id == album_id).values(**values).returning(album)
        return Album.from_row(self.execute(statement).one())

    def delete(self, album_id: UUID) -> None:
        self.execute(delete(album).where(album.c.id == album_id))

    def ids_with_shared_link(self, album_ids: Iterable[UUID]) -> set[UUID]:
        query = select(shared_link.c.album_id).where(shared_link.c.album_id.in_(list(album_ids))).distinct()
        return set(self.execute(query).scalars())

    def ids_containing(self, asset_id: UUID) -> list[UUID]:
        """The albums (deleted or not) that hold the asset."""
        return list(self.execute(select(album_asset.c.album_id).where(album_asset.c.asset_id == asset_id)).scalars())

    # --- members ---

    def members(self, album_ids: Iterable[UUID]) -> dict[UUID, list[AlbumMember]]:
        """The members of each album, in the order they were added."""
        ids = list(album_ids)
        members: dict[UUID, list[AlbumMember]] = {album_id: [] for album_id in ids}
        if not ids:
            return members
        query = (
            select(album_user.c.album_id.label("member_album_id"), album_user.c.role.label("member_role"), user)
            .join(user, user.c.id == album_user.c.user_id)
            .where(album_user.c.album_id.in_(ids))
            .order_by(album_user.c.created_at, user.c.name, user.c.id)
        )
        for row in self.execute(query):
            members[row.member_album_id].append(AlbumMember(User.from_row(row), row.member_role))
        return members

    def add_members(self, album_id: UUID, roles: dict[UUID, str]) -> None:
        """Share the album with these users in these roles."""
        if roles:
            rows = [{"album_id": album_id, "user_id": user_id, "role": role} for user_id, role in roles.items()]
            self.execute(insert(album_user), rows)

    def set_member_role(self, album_id: UUID, user_id: UUID, role: str) -> int:
        """Change a member's role; the number of members changed (0 or 1)."""
        statement = (
            update(album_user)
            .where(album_user.c.album_id == album_id, album_user.c.user_id == user_id)
            .values(role=role, updated_at=utcnow())
        )
        return int(self.db.execute(statement).rowcount)

    def remove_member(self, album_id: UUID, user_id: UUID) -> None:
        self.execute(delete(album_user).where(album_user.c.album_id == album_id, album_user.c.user_id == user_id))

    # --- assets ---

    def assets(self, album_id: UUID) -> list[AssetWithExif]:
        """The album's visible assets with their EXIF, newest file first."""
        query = (
            select(asset, *prefixed(asset_exif, "exif__"))
            .join(album_asset, and_(album_asset.c.asset_id == asset.c.id, album_asset.c.album_id == album_id))
            .outerjoin(asset_exif, asset_exif.c.asset_id == asset.c.id)
            .where(_visible_asset())
            .order_by(asset.c.file_created_at.desc(), asset.c.id)
        )
        result: list[AssetWithExif] = []
        for row in self.execute(query):
            exif = unprefixed(row, "exif__")
            result.append(AssetWithExif(Asset.from_row(row), exif if exif.get("asset_id") is not None else None))
        return result

    def metadata(self, album_ids: Iterable[UUID]) -> dict[UUID, AlbumMetadata]:
        """Count, first and last file date, and last change of each album's visible assets."""
        ids = list(album_ids)
        if not ids:
            return {}
        query = (
            select(
                album_asset.c.album_id,
                func.count(asset.c.id).label("asset_count"),
                func.min(asset.c.file_created_at).label("start_date"),
                func.max(asset.c.file_created_at).label("end_date"),
                func.max(asset.c.updated_at).label("last_modified"),
            )
            .join(asset, asset.c.id == album_asset.c.asset_id)
            .where(album_asset.c.album_id.in_(ids), _visible_asset())
            .group_by(album_asset.c.album_id)
        )
        return {
            row.album_id: AlbumMetadata(int(row.asset_count), row.start_date, row.end_date, row.last_modified)
            for row in self.execute(query)
        }

    def asset_ids_in(self, album_id: UUID, asset_ids: Iterable[UUID]) -> set[UUID]:
        """Which of these assets the album holds."""
        wanted = list(asset_ids)
        if not wanted:
            return set()
        query = select(album_asset.c.asset_id).where(
            album_asset.c.album_id == album_id, album_asset.c.asset_id.in_(wanted)
        )
        return set(self.execute(query).scalars())

    def add_assets(self, album_id: UUID, asset_ids: Iterable[UUID]) -> None:
        rows = [{"album_id": album_id, "asset_id": asset_id} for asset_id in asset_ids]
        if rows:
            self.execute(insert(album_asset), rows)

    def remove_assets(self, album_id: UUID, asset_ids: Iterable[UUID]) -> None:
        wanted = list(asset_ids)
        if wanted:
            self.execute(
                delete(album_asset).where(album_asset.c.album_id == album_id, album_asset.c.asset_id.in_(wanted))
            )

    def update_thumbnails(self, album_ids: Iterable[UUID] | None = None) -> int:
        """Give albums without a valid thumbnail their newest untrashed asset (or none); the number changed.

        A thumbnail is valid while it is an untrashed asset of the album (upstream's `updateThumbnails`).
        """
        candidates = select(album_asset.c.asset_id).join(asset, asset.c.id == album_asset.c.asset_id)
        candidates = candidates.where(album_asset.c.album_id == album.c.id, asset.c.deleted_at.is_(None))
        newest = candidates.order_by(asset.c.file_created_at.desc(), asset.c.id).limit(1).scalar_subquery()
        still_valid = exists(candidates.where(album_asset.c.asset_id == album.c.album_thumbnail_asset_id))
        needs_update = or_(
            and_(album.c.album_thumbnail_asset_id.is_(None), exists(candidates)),
            and_(album.c.album_thumbnail_asset_id.is_not(None), not_(still_valid)),
        )
        statement = update(album).where(needs_update).values(album_thumbnail_asset_id=newest)
        if album_ids is not None:
            statement = statement.where(album.c.id.in_(list(album_ids)))
        return int(self.db.execute(statement).rowcount)

    # --- statistics ---

    def count_owned(self, user_id: UUID) -> int:
        return self._count(_owned(user_id))

    def count_shared(self, user_id: UUID) -> int:
        return self._count(_shared(user_id))

    def count_not_shared(self, user_id: UUID) -> int:
        return self._count(_not_shared(user_id))

    def _count(self, condition: ColumnElement[bool]) -> int:
        query = select(func.count()).select_from(album).where(album.c.deleted_at.is_(None), condition)
        return int(self.execute(query).scalar_one())
