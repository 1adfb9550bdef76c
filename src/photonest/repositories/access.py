"""Bulk access queries (upstream `access.repository.ts`): which of a set of ids a user, or a shared link, may reach."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any
from uuid import UUID

from sqlalchemy import Row, Select, and_, or_, select, union

from photonest.db.tables import (
    activity,
    album,
    album_asset,
    album_user,
    asset,
    memory,
    partner,
    shared_link,
    shared_link_asset,
    tag,
    user,
)
from photonest.repositories.base import Repository

EDITOR_ROLES = ("editor",)
ANY_ROLE = ("editor", "viewer")


class AccessRepository(Repository):
    """One query per question; every method takes and returns sets of ids."""

    # --- albums ---

    def album_owner_ids(self, user_id: UUID, album_ids: Iterable[UUID]) -> set[UUID]:
        """Albums the user owns."""
        query = select(album.c.id).where(
            album.c.id.in_(list(album_ids)), album.c.owner_id == user_id, album.c.deleted_at.is_(None)
        )
        return set(self.execute(query).scalars())

    def album_member_ids(self, user_id: UUID, album_ids: Iterable[UUID], roles: tuple[str, ...]) -> set[UUID]:
        """Albums shared with the user in one of these roles."""
        query = (
            select(album.c.id)
            .join(album_user, album_user.c.album_id == album.c.id)
            .where(
                album.c.id.in_(list(album_ids)),
                album_user.c.user_id == user_id,
                album_user.c.role.in_(roles),
                album.c.deleted_at.is_(None),
            )
        )
        return set(self.execute(query).scalars())

    def album_link_ids(self, shared_link_id: UUID, album_ids: Iterable[UUID]) -> set[UUID]:
        """The link's own album, when it is among the ids."""
        query = (
            select(album.c.id)
            .join(shared_link, shared_link.c.album_id == album.c.id)
            .where(shared_link.c.id == shared_link_id, album.c.id.in_(list(album_ids)), album.c.deleted_at.is_(None))
        )
        return set(self.execute(query).scalars())

    # --- assets ---

    def asset_album_ids(self, user_id: UUID, asset_ids: Iterable[UUID]) -> set[UUID]:
        """Assets (or their live-photo videos) in untrashed form in albums the user owns or is a member of."""
        wanted = list(asset_ids)
        member_albums = select(album_user.c.album_id).where(album_user.c.user_id == user_id)
        query = (
            select(asset.c.id, asset.c.live_photo_video_id)
            .select_from(album.join(album_asset, album_asset.c.album_id == album.c.id))
            .join(asset, asset.c.id == album_asset.c.asset_id)
            .where(
                album.c.deleted_at.is_(None),
                asset.c.deleted_at.is_(None),
                or_(album.c.owner_id == user_id, album.c.id.in_(member_albums)),
                or_(asset.c.id.in_(wanted), asset.c.live_photo_video_id.in_(wanted)),
            )
        )
        return _ids_and_videos(self.execute(query).all(), set(wanted))

    def asset_link_ids(self, shared_link_id: UUID, asset_ids: Iterable[UUID]) -> set[UUID]:
        """Assets (or their live-photo videos) the link shares, directly or through its album."""
        wanted = list(asset_ids)
        in_album: Select[tuple[UUID]] = (
            select(album_asset.c.asset_id)
            .join(album, album.c.id == album_asset.c.album_id)
            .join(shared_link, shared_link.c.album_id == album.c.id)
            .where(shared_link.c.id == shared_link_id, album.c.deleted_at.is_(None))
        )
        direct = select(shared_link_asset.c.asset_id).where(shared_link_asset.c.shared_link_id == shared_link_id)
        shared = union(in_album, direct).subquery()
        query = (
            select(asset.c.id, asset.c.live_photo_video_id)
            .join(shared, shared.c.asset_id == asset.c.id)
            .where(
                asset.c.deleted_at.is_(None),
                or_(asset.c.id.in_(wanted), asset.c.live_photo_video_id.in_(wanted)),
            )
        )
        return _ids_and_videos(self.execute(query).all(), set(wanted))

    # --- activities ---

    def activity_owner_ids(self, user_id: UUID, activity_ids: Iterable[UUID]) -> set[UUID]:
        """Activities the user wrote."""
        query = select(activity.c.id).where(activity.c.id.in_(list(activity_ids)), activity.c.user_id == user_id)
        return set(self.execute(query).scalars())

    def activity_album_owner_ids(self, user_id: UUID, activity_ids: Iterable[UUID]) -> set[UUID]:
        """Activities on albums the user owns."""
        query = (
            select(activity.c.id)
            .join(album, album.c.id == activity.c.album_id)
            .where(activity.c.id.in_(list(activity_ids)), album.c.owner_id == user_id, album.c.deleted_at.is_(None))
        )
        return set(self.execute(query).scalars())

    def activity_create_album_ids(self, user_id: UUID, album_ids: Iterable[UUID]) -> set[UUID]:
        """Albums with activity enabled that the user owns or is a member of."""
        member_albums = select(album_user.c.album_id).where(album_user.c.user_id == user_id)
        query = select(album.c.id).where(
            album.c.id.in_(list(album_ids)),
            album.c.deleted_at.is_(None),
            album.c.is_activity_enabled.is_(True),
            or_(album.c.owner_id == user_id, album.c.id.in_(member_albums)),
        )
        return set(self.execute(query).scalars())

    # --- memories, tags, timelines ---

    def memory_owner_ids(self, user_id: UUID, memory_ids: Iterable[UUID]) -> set[UUID]:
        """Memories the user owns (and has not deleted)."""
        query = select(memory.c.id).where(
            memory.c.id.in_(list(memory_ids)), memory.c.owner_id == user_id, memory.c.deleted_at.is_(None)
        )
        return set(self.execute(query).scalars())

    def tag_owner_ids(self, user_id: UUID, tag_ids: Iterable[UUID]) -> set[UUID]:
        """Tags the user owns."""
        query = select(tag.c.id).where(tag.c.id.in_(list(tag_ids)), tag.c.user_id == user_id)
        return set(self.execute(query).scalars())

    def timeline_partner_ids(self, user_id: UUID, user_ids: Iterable[UUID]) -> set[UUID]:
        """Active users among these who share their photos with the user."""
        query = (
            select(partner.c.shared_by_id)
            .join(user, and_(user.c.id == partner.c.shared_by_id, user.c.deleted_at.is_(None)))
            .where(partner.c.shared_with_id == user_id, partner.c.shared_by_id.in_(list(user_ids)))
        )
        return set(self.execute(query).scalars())


def _ids_and_videos(rows: Iterable[Row[Any]], wanted: set[UUID]) -> set[UUID]:
    found: set[UUID] = set()
    for row in rows:
        found.update(x for x in (row.id, row.live_photo_video_id) if x in wanted)
    return found
