"""Likes and comments on shared albums and their assets (`activity.service.ts`)."""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

from photonest.records import Auth
from photonest.schemas import generated as g
from photonest.schemas.activity import ActivityCreateDto, map_activity
from photonest.services.access import require_access
from photonest.services.base import BaseService

P = g.Permission


@dataclass(frozen=True)
class ActivitySearch:
    """The filters of `GET /activities`."""

    album_id: UUID
    asset_id: UUID | None = None
    level: g.ReactionLevel | None = None
    type: g.ReactionType | None = None
    user_id: UUID | None = None


@dataclass(frozen=True)
class CreatedActivity:
    """A new activity, or the like that already existed (`duplicate`)."""

    activity: g.ActivityResponseDto
    duplicate: bool


class ActivityService(BaseService):
    """Lists, counts, adds and removes the likes and comments of albums the caller can read."""

    def get_all(self, auth: Auth, search: ActivitySearch) -> list[g.ActivityResponseDto]:
        require_access(self.repos, auth, P.ALBUM_READ, [search.album_id])
        found = self.repos.activities.search(
            search.album_id,
            asset_id=search.asset_id,
            album_level=search.level == g.ReactionLevel.ALBUM,
            user_id=search.user_id,
            is_liked=None if search.type is None else search.type == g.ReactionType.LIKE,
        )
        return [map_activity(item.activity, item.user) for item in found]

    def get_statistics(self, auth: Auth, album_id: UUID, asset_id: UUID | None) -> g.ActivityStatisticsResponseDto:
        require_access(self.repos, auth, P.ALBUM_READ, [album_id])
        return g.ActivityStatisticsResponseDto(comments=self.repos.activities.count_comments(album_id, asset_id))

    def create(self, auth: Auth, dto: ActivityCreateDto) -> CreatedActivity:
        require_access(self.repos, auth, P.ACTIVITY_CREATE, [dto.album_id])
        if dto.asset_id is not None:
            # Upstream stores any id here; an unknown one would break the foreign key instead of answering 400.
            require_access(self.repos, auth, P.ASSET_READ, [dto.asset_id])
        is_like = dto.type == g.ReactionType.LIKE
        if is_like:
            # One like per user and album (or asset): liking again answers the existing like.
            existing = self.repos.activities.search(
                dto.album_id,
                asset_id=dto.asset_id,
                album_level=dto.asset_id is None,
                user_id=auth.user_id,
                is_liked=True,
            )
            if existing:
                return CreatedActivity(map_activity(existing[0].activity, existing[0].user), duplicate=True)
        created = self.repos.activities.create(
            {
                "album_id": dto.album_id,
                "asset_id": dto.asset_id,
                "user_id": auth.user_id,
                "is_liked": is_like,
                "comment": None if is_like else dto.comment,
            }
        )
        return CreatedActivity(map_activity(created, auth.user), duplicate=False)

    def delete(self, auth: Auth, activity_id: UUID) -> None:
        require_access(self.repos, auth, P.ACTIVITY_DELETE, [activity_id])
        self.repos.activities.delete(activity_id)
