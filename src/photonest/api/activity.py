"""Activities routes (`activity.controller.ts`)."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import Query, Response

from photonest.api.deps import authenticated, service
from photonest.api.router import ApiRouter
from photonest.records import Auth
from photonest.schemas import generated as g
from photonest.schemas.activity import ActivityCreateDto
from photonest.services.activity import ActivitySearch, ActivityService

router = ApiRouter(prefix="/activities", tags=["Activities"])
P = g.Permission
AlbumIdQuery = Annotated[UUID, Query(alias="albumId")]
AssetIdQuery = Annotated[UUID | None, Query(alias="assetId")]


@router.get("", operation_id="getActivities", response_model=list[g.ActivityResponseDto])
def get_activities(
    album_id: AlbumIdQuery,
    asset_id: AssetIdQuery = None,
    level: g.ReactionLevel | None = None,
    type: g.ReactionType | None = None,
    user_id: Annotated[UUID | None, Query(alias="userId")] = None,
    auth: Auth = authenticated(P.ACTIVITY_READ),
    svc: ActivityService = service(ActivityService),
) -> list[g.ActivityResponseDto]:
    return svc.get_all(auth, ActivitySearch(album_id, asset_id, level, type, user_id))


@router.post("", operation_id="createActivity", status_code=201, response_model=g.ActivityResponseDto)
def create_activity(
    dto: ActivityCreateDto,
    response: Response,
    auth: Auth = authenticated(P.ACTIVITY_CREATE),
    svc: ActivityService = service(ActivityService),
) -> g.ActivityResponseDto:
    created = svc.create(auth, dto)
    if created.duplicate:
        response.status_code = 200
    return created.activity


@router.get("/statistics", operation_id="getActivityStatistics", response_model=g.ActivityStatisticsResponseDto)
def get_activity_statistics(
    album_id: AlbumIdQuery,
    asset_id: AssetIdQuery = None,
    auth: Auth = authenticated(P.ACTIVITY_STATISTICS),
    svc: ActivityService = service(ActivityService),
) -> g.ActivityStatisticsResponseDto:
    return svc.get_statistics(auth, album_id, asset_id)


@router.delete("/{id}", operation_id="deleteActivity", status_code=204)
def delete_activity(
    id: UUID, auth: Auth = authenticated(P.ACTIVITY_DELETE), svc: ActivityService = service(ActivityService)
) -> None:
    svc.delete(auth, id)
