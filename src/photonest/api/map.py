"""Map routes (`map.controller.ts`)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Query

from photonest.api.deps import authenticated, service
from photonest.api.router import ApiRouter
from photonest.records import Auth
from photonest.schemas import generated as g
from photonest.schemas import map as m
from photonest.services.map import MapService

router = ApiRouter(prefix="/map", tags=["Map"])


@router.get("/markers", operation_id="getMapMarkers", response_model=list[g.MapMarkerResponseDto])
def get_map_markers(
    dto: Annotated[m.MapMarkerDto, Query()],
    auth: Auth = authenticated(),
    svc: MapService = service(MapService),
) -> list[g.MapMarkerResponseDto]:
    return svc.get_map_markers(auth, dto)


@router.get("/reverse-geocode", operation_id="reverseGeocode", response_model=list[g.MapReverseGeocodeResponseDto])
def reverse_geocode(
    dto: Annotated[m.MapReverseGeocodeDto, Query()],
    _auth: Auth = authenticated(),
    svc: MapService = service(MapService),
) -> list[g.MapReverseGeocodeResponseDto]:
    return svc.reverse_geocode(dto)
