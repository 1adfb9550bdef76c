"""Metadata and random search, suggestions, cities, explore, places and people by name (`search.service.ts`)."""

from __future__ import annotations

from uuid import UUID

from photonest.errors import Unauthorized
from photonest.media.geocoding import search_places
from photonest.records import Auth
from photonest.repositories.search import FoundAsset, SearchFilters
from photonest.schemas import generated as g
from photonest.schemas import search as s
from photonest.schemas.asset import map_asset
from photonest.schemas.person import map_person
from photonest.services.base import BaseService
from photonest.services.person import attach_people

DEFAULT_PAGE_SIZE = 250
# Upstream's `getExploreData` options.
EXPLORE_MAX_FIELDS = 12
EXPLORE_MIN_ASSETS_PER_FIELD = 5
PLACES_LIMIT = 20
T = g.SearchSuggestionType
# Which other query parameters narrow each suggestion type, as upstream's `getSearchSuggestions`.
SUGGESTION_FIELDS: dict[T, tuple[str, tuple[str, ...]]] = {
    T.COUNTRY: ("country", ()),
    T.STATE: ("state", ("country",)),
    T.CITY: ("city", ("country", "state")),
    T.CAMERA_MAKE: ("make", ("model",)),
    T.CAMERA_MODEL: ("model", ("make",)),
}


class SearchService(BaseService):
    """Finds the caller's (and timeline partners') assets, places and people."""

    def search_assets(self, auth: Auth, dto: s.MetadataSearchDto) -> g.SearchResponseDto:
        page, size = dto.page or 1, dto.size or DEFAULT_PAGE_SIZE
        filters = SearchFilters.from_dto(dto, self._owner_ids(auth, dto.visibility))
        found = self.repos.search.search_assets(filters, descending=dto.order != g.AssetOrder.ASC, page=page, size=size)
        next_page = str(page + 1) if len(found) > size else None
        return search_response(self._map_all(auth, found[:size], dto.with_exif, dto.with_people), next_page)

    def search_random(self, auth: Auth, dto: s.RandomSearchDto) -> list[g.AssetResponseDto]:
        filters = SearchFilters.from_dto(dto, self._owner_ids(auth, dto.visibility))
        found = self.repos.search.random_assets(filters, dto.size or DEFAULT_PAGE_SIZE)
        return self._map_all(auth, found, dto.with_exif, dto.with_people)

    def get_search_suggestions(self, auth: Auth, dto: s.SearchSuggestionRequestDto) -> list[str | None]:
        field, narrowing = SUGGESTION_FIELDS[dto.type]
        equal = {name: value for name in narrowing if (value := getattr(dto, name))}
        suggestions: list[str | None] = list(self.repos.search.exif_values(field, self._owner_ids(auth), equal))
        # Upstream appends null whenever asked, whether or not an asset lacks the value.
        if dto.include_null:
            suggestions.append(None)
        return suggestions

    def get_assets_by_city(self, auth: Auth) -> list[g.AssetResponseDto]:
        return [self._map(auth, item, True) for item in self.repos.search.assets_by_city(self._owner_ids(auth))]

    def get_explore_data(self, auth: Auth) -> list[g.SearchExploreResponseDto]:
        # Upstream explores the caller's own library only, not partners'.
        found = self.repos.search.explore_cities(auth.user_id, EXPLORE_MIN_ASSETS_PER_FIELD, EXPLORE_MAX_FIELDS)
        items = [
            g.SearchExploreItem(value=(item.exif or {}).get("city") or "", data=self._map(auth, item, True))
            for item in found
        ]
        return [g.SearchExploreResponseDto(field_name="exifInfo.city", items=items)]

    def search_places(self, dto: s.SearchPlacesDto) -> list[g.PlacesResponseDto]:
        return [
            g.PlacesResponseDto(
                name=place.name,
                latitude=place.latitude,
                longitude=place.longitude,
                admin1name=place.admin1_name,
                admin2name=place.admin2_name,
            )
            for place in search_places(dto.name, PLACES_LIMIT)
        ]

    def search_person(self, auth: Auth, dto: s.SearchPeopleDto) -> list[g.PersonResponseDto]:
        people = self.repos.search.people_by_name(auth.user_id, dto.name, with_hidden=bool(dto.with_hidden))
        return [map_person(person) for person in people]

    def _owner_ids(self, auth: Auth, visibility: g.AssetVisibility | None = None) -> list[UUID]:
        """The caller and the partners who share into their timeline (upstream's `getUserIdsToSearch`)."""
        if visibility == g.AssetVisibility.LOCKED:
            if not auth.has_elevated_permission:
                raise Unauthorized("Elevated permission is required")
            # Locked assets are only ever the caller's own.
            return [auth.user_id]
        partners = self.repos.partners.list_shared_with(auth.user_id)
        return [auth.user_id, *(p.shared_by_id for p, _ in partners if p.in_timeline)]

    def _map_all(
        self, auth: Auth, found: list[FoundAsset], with_exif: bool | None, with_people: bool | None
    ) -> list[g.AssetResponseDto]:
        responses = [self._map(auth, item, with_exif) for item in found]
        if with_people:
            attach_people(self.repos, auth.user_id, responses)
        return responses

    @staticmethod
    def _map(auth: Auth, item: FoundAsset, with_exif: bool | None) -> g.AssetResponseDto:
        exif = (item.exif or {}) if with_exif else None
        return map_asset(item.asset, auth_user_id=auth.user_id, exif=exif)


def search_response(assets: list[g.AssetResponseDto], next_page: str | None) -> g.SearchResponseDto:
    """Upstream's search envelope: no album results, `total` and `count` both the page's length."""
    return g.SearchResponseDto(
        albums=g.SearchAlbumResponseDto(total=0, count=0, items=[], facets=[]),
        assets=g.SearchAssetResponseDto(
            total=len(assets), count=len(assets), items=assets, facets=[], next_page=next_page
        ),
    )
