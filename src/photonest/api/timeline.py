"""Timeline routes (`timeline.controller.ts`)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Query, Response

from photonest.api.deps import authenticated, service
from photonest.api.router import ApiRouter
from photonest.records import Auth
from photonest.schemas import generated as g
from photonest.schemas import requests as r
from photonest.services.timeline import TimelineService

router = ApiRouter(prefix="/timeline", tags=["Timeline"])
P = g.Permission


@router.get("/bucket", operation_id="getTimeBucket", response_model=g.TimeBucketAssetResponseDto)
def get_time_bucket(
    dto: Annotated[r.TimeBucketAssetDto, Query()],
    auth: Auth = authenticated(P.ASSET_READ, shared_link=True),
    svc: TimelineService = service(TimelineService),
) -> Response:
    # Pre-serialised like upstream's, so a large bucket skips per-element validation.
    return Response(svc.get_time_bucket(auth, dto), media_type="application/json")


@router.get("/buckets", operation_id="getTimeBuckets", response_model=list[g.TimeBucketsResponseDto])
def get_time_buckets(
    dto: Annotated[r.TimeBucketDto, Query()],
    auth: Auth = authenticated(P.ASSET_READ, shared_link=True),
    svc: TimelineService = service(TimelineService),
) -> list[g.TimeBucketsResponseDto]:
    return svc.get_time_buckets(auth, dto)
