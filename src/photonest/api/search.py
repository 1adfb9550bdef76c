"""Search routes (`search.controller.ts`)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Query
from fastapi.responses import JSONResponse

from photonest.api.deps import authenticated, service
from photonest.api.router import ApiRouter
from photonest.records import Auth
from photonest.schemas import generated as g
from photonest.schemas import search as s
from photonest.services.search import SearchService
from photonest.services.smart_info import SmartInfoService

router = ApiRouter(prefix="/search", tags=["Search"])


@router.get("/cities", operation_id="getAssetsByCity", response_model=list[g.AssetResponseDto])
def get_assets_by_city(
    auth: Auth = authenticated(), svc: SearchService = service(SearchService)
) -> list[g.AssetResponseDto]:
    return svc.get_assets_by_city(auth)


@router.get("/explore", operation_id="getExploreData", response_model=list[g.SearchExploreResponseDto])
def get_explore_data(
    auth: Auth = authenticated(), svc: SearchService = service(SearchService)
) -> list[g.SearchExploreResponseDto]:
    return svc.get_explore_data(auth)


@router.post("/metadata", operation_id="searchAssets", status_code=200, response_model=g.SearchResponseDto)
def search_assets(
    dto: s.MetadataSearchDto, auth: Auth = authenticated(), svc: SearchService = service(SearchService)
) -> g.SearchResponseDto:
    return svc.search_assets(auth, dto)


@router.get("/person", operation_id="searchPerson", response_model=list[g.PersonResponseDto])
def search_person(
    dto: Annotated[s.SearchPeopleDto, Query()],
    auth: Auth = authenticated(),
    svc: SearchService = service(SearchService),
) -> list[g.PersonResponseDto]:
    return svc.search_person(auth, dto)


@router.get("/places", operation_id="searchPlaces", response_model=list[g.PlacesResponseDto])
def search_places(
    dto: Annotated[s.SearchPlacesDto, Query()],
    _auth: Auth = authenticated(),
    svc: SearchService = service(SearchService),
) -> list[g.PlacesResponseDto]:
    return svc.search_places(dto)


@router.post("/random", operation_id="searchRandom", status_code=200, response_model=list[g.AssetResponseDto])
def search_random(
    dto: s.RandomSearchDto, auth: Auth = authenticated(), svc: SearchService = service(SearchService)
) -> list[g.AssetResponseDto]:
    return svc.search_random(auth, dto)


@router.post("/smart", operation_id="searchSmart", status_code=200, response_model=g.SearchResponseDto)
def search_smart(
    dto: g.SmartSearchDto, auth: Auth = authenticated(), svc: SmartInfoService = service(SmartInfoService)
) -> g.SearchResponseDto:
    return svc.search_smart(auth, dto)


@router.get("/suggestions", operation_id="getSearchSuggestions", response_model=list[str])
def get_search_suggestions(
    dto: Annotated[s.SearchSuggestionRequestDto, Query()],
    auth: Auth = authenticated(),
    svc: SearchService = service(SearchService),
) -> JSONResponse:
    # Sent as is: the list may end in null, which the spec's `string[]` does not describe.
    return JSONResponse(svc.get_search_suggestions(auth, dto))
