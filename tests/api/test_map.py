"""/map/markers and /map/reverse-geocode: shape, every marker filter, partners and albums, validation and access."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

import pytest
from sqlalchemy import insert

from photonest.container import Container
from photonest.db.tables import album, album_asset, album_user
from tests.api.test_timeline import JUNE, add_asset
from tests.factories import Api, Caller

PARIS = {"latitude": 48.8584, "longitude": 2.2945, "city": "Paris", "state": "Île-de-France", "country": "France"}
ROUTES = ["/api/map/markers", "/api/map/reverse-geocode?lat=0&lon=0"]


@pytest.fixture
def admin(api: Api) -> Caller:
    return api.admin()


@pytest.fixture
def user(api: Api, admin: Caller) -> Caller:
    return api.user(admin)


@pytest.fixture
def other(api: Api, admin: Caller) -> Caller:
    return api.user(admin)


def add_gps_asset(container: Container, owner: Caller, **values: Any) -> UUID:
    return add_asset(container, owner, exif=dict(PARIS), **values)


def add_album(
    container: Container, owner: Caller, asset_ids: list[UUID], members: tuple[Caller, ...] = (), **values: Any
) -> UUID:
    """An album row with its assets and members, as the album routes would leave it."""
    album_id = uuid.uuid4()
    with container.unit_of_work() as uow:
        uow.connection.execute(insert(album).values(id=album_id, owner_id=UUID(owner.id), **values))
        for asset_id in asset_ids:
            uow.connection.execute(insert(album_asset).values(album_id=album_id, asset_id=asset_id))
        for member in members:
            uow.connection.execute(insert(album_user).values(album_id=album_id, user_id=UUID(member.id)))
    return album_id


def markers(api: Api, caller: Caller, **params: Any) -> list[str]:
    response = api.request("GET", "/api/map/markers", caller, params=params)
    assert response.status_code == 200, response.text
    return [marker["id"] for marker in response.json()]


def geocode(api: Api, caller: Caller, lat: Any, lon: Any) -> Any:
    response = api.request("GET", "/api/map/reverse-geocode", caller, params={"lat": lat, "lon": lon})
    assert response.status_code == 200, response.text
    return response.json()


# --- authentication and validation ---


@pytest.mark.parametrize("path", ROUTES)
def test_requires_authentication(api: Api, path: str) -> None:
    response = api.request("GET", path)
    assert response.status_code == 401
    assert response.json()["message"] == "Authentication required"


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("lon=0", "lat must be a number between -90 and 90"),
        ("lat=abc&lon=0", "lat must be a number between -90 and 90"),
        ("lat=91&lon=123.456", "lat must be a number between -90 and 90"),
        ("lat=0", "lon must be a number between -180 and 180"),
        ("lat=0&lon=-180.1", "lon must be a number between -180 and 180"),
    ],
)
def test_reverse_geocode_rejects_bad_coordinates(api: Api, user: Caller, query: str, message: str) -> None:
    response = api.request("GET", f"/api/map/reverse-geocode?{query}", user)
    assert response.status_code == 400
    assert response.json()["message"] == [message]


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("isArchived=maybe", "isArchived must be a boolean value"),
        ("isFavorite=maybe", "isFavorite must be a boolean value"),
        ("withPartners=maybe", "withPartners must be a boolean value"),
        ("withSharedAlbums=maybe", "withSharedAlbums must be a boolean value"),
        ("fileCreatedAfter=yesterday", "fileCreatedAfter must be a Date instance"),
        ("fileCreatedBefore=yesterday", "fileCreatedBefore must be a Date instance"),
    ],
)
def test_markers_reject_bad_filters(api: Api, user: Caller, query: str, message: str) -> None:
    response = api.request("GET", f"/api/map/markers?{query}", user)
    assert response.status_code == 400
    assert response.json()["message"] == [message]


# --- reverse geocoding ---


@pytest.mark.parametrize(
    ("lat", "lon", "place"),
    [
        # Upstream's e2e examples.
        (39.115, -108.400968, {"city": "Palisade", "state": "Colorado", "country": "United States of America"}),
        (
            -33.85897705866313,
            151.27849073027048,
            {"city": "Vaucluse", "state": "New South Wales", "country": "Australia"},
        ),
        (-37.76573239917475, 144.7524531648833, {"city": "Ravenhall", "state": "Victoria", "country": "Australia"}),
        (
            -31.894346156789997,
            115.75761710390464,
            {"city": "Scarborough", "state": "Western Australia", "country": "Australia"},
        ),
    ],
)
def test_reverse_geocode_names_the_nearest_place(api: Api, user: Caller, lat: float, lon: float, place: Any) -> None:
    assert geocode(api, user, lat, lon) == [place]


def test_reverse_geocode_far_from_any_city_gives_null_names(api: Api, user: Caller) -> None:
    assert geocode(api, user, 0, -30) == [{"city": None, "state": None, "country": None}]


def test_reverse_geocode_records_the_data_import(api: Api, admin: Caller) -> None:
    path = "/api/system-metadata/reverse-geocoding-state"
    assert api.request("GET", path, admin).json() == {"lastUpdate": None, "lastImportFileName": None}
    geocode(api, admin, 39.115, -108.400968)
    state = api.request("GET", path, admin).json()
    assert state["lastImportFileName"] == "cities500.txt"
    assert datetime.fromisoformat(state["lastUpdate"]).tzinfo is not None


def test_reverse_geocode_keeps_the_import_date_for_the_same_data(api: Api, admin: Caller) -> None:
    path = "/api/system-metadata/reverse-geocoding-state"
    geocode(api, admin, 39.115, -108.400968)
    first = api.request("GET", path, admin).json()
    geocode(api, admin, -33.858977, 151.278019)
    assert api.request("GET", path, admin).json() == first


# --- markers ---


def test_markers_show_own_gps_assets(api: Api, container: Container, user: Caller) -> None:
    asset_id = add_gps_asset(container, user)
    response = api.request("GET", "/api/map/markers", user)
    assert response.status_code == 200
    assert response.json() == [
        {
            "id": str(asset_id),
            "lat": 48.8584,
            "lon": 2.2945,
            "city": "Paris",
            "state": "Île-de-France",
            "country": "France",
        }
    ]


def test_markers_are_newest_first(api: Api, container: Container, user: Caller) -> None:
    older = add_gps_asset(container, user, when=datetime(2020, 1, 1, tzinfo=UTC))
    newer = add_gps_asset(container, user, when=datetime(2023, 1, 1, tzinfo=UTC))
    assert markers(api, user) == [str(newer), str(older)]


def test_markers_skip_assets_without_gps(api: Api, container: Container, user: Caller) -> None:
    add_asset(container, user, exif={"city": "Paris"})
    add_asset(container, user)
    assert markers(api, user) == []


def test_markers_skip_other_users_assets(api: Api, container: Container, user: Caller, other: Caller) -> None:
    add_gps_asset(container, other)
    assert markers(api, user) == []


def test_markers_skip_trashed_assets(api: Api, container: Container, user: Caller) -> None:
    add_gps_asset(container, user, deleted_at=JUNE)
    assert markers(api, user) == []


def test_markers_show_archived_assets_only_when_asked(api: Api, container: Container, user: Caller) -> None:
    shown = add_gps_asset(container, user)
    archived = add_gps_asset(container, user, visibility="archive", when=datetime(2025, 1, 1, tzinfo=UTC))
    assert markers(api, user) == [str(shown)]
    assert markers(api, user, isArchived="false") == [str(shown)]
    assert markers(api, user, isArchived="true") == [str(archived), str(shown)]


@pytest.mark.parametrize("visibility", ["hidden", "locked"])
def test_markers_never_show_hidden_or_locked_assets(
    api: Api, container: Container, user: Caller, visibility: str
) -> None:
    add_gps_asset(container, user, visibility=visibility)
    assert markers(api, user, isArchived="true") == []


def test_markers_filter_by_favorite(api: Api, container: Container, user: Caller) -> None:
    favorite = add_gps_asset(container, user, is_favorite=True)
    plain = add_gps_asset(container, user, when=datetime(2020, 1, 1, tzinfo=UTC))
    assert markers(api, user, isFavorite="true") == [str(favorite)]
    assert markers(api, user, isFavorite="false") == [str(plain)]


def test_markers_filter_by_file_creation_date(api: Api, container: Container, user: Caller) -> None:
    old = add_gps_asset(container, user, when=datetime(2020, 1, 1, tzinfo=UTC))
    new = add_gps_asset(container, user, when=datetime(2024, 1, 1, tzinfo=UTC))
    assert markers(api, user, fileCreatedAfter="2022-01-01T00:00:00.000Z") == [str(new)]
    assert markers(api, user, fileCreatedAfter="2024-01-01T00:00:00.000Z") == [str(new)]
    assert markers(api, user, fileCreatedBefore="2022-01-01T00:00:00.000Z") == [str(old)]
    assert markers(api, user, fileCreatedBefore="2019-01-01T00:00:00.000Z") == []


def test_markers_with_partners_add_assets_shared_with_the_caller(
    api: Api, container: Container, user: Caller, other: Caller
) -> None:
    assert api.request("POST", f"/api/partners/{user.id}", other).status_code == 201
    theirs = add_gps_asset(container, other)
    assert markers(api, user) == []
    assert markers(api, user, withPartners="false") == []
    assert markers(api, user, withPartners="true") == [str(theirs)]


def test_markers_with_partners_skip_users_the_caller_only_shares_with(
    api: Api, container: Container, user: Caller, other: Caller
) -> None:
    assert api.request("POST", f"/api/partners/{other.id}", user).status_code == 201
    add_gps_asset(container, other)
    assert markers(api, user, withPartners="true") == []


def test_markers_with_shared_albums_add_assets_of_albums_the_caller_is_in(
    api: Api, container: Container, user: Caller, other: Caller
) -> None:
    theirs = add_gps_asset(container, other)
    add_album(container, other, [theirs], members=(user,))
    assert markers(api, user) == []
    assert markers(api, user, withSharedAlbums="true") == [str(theirs)]


def test_markers_with_shared_albums_add_others_assets_in_own_albums(
    api: Api, container: Container, user: Caller, other: Caller
) -> None:
    theirs = add_gps_asset(container, other)
    add_album(container, user, [theirs])
    assert markers(api, user, withSharedAlbums="false") == []
    assert markers(api, user, withSharedAlbums="true") == [str(theirs)]


def test_markers_with_shared_albums_skip_albums_of_others(
    api: Api, container: Container, user: Caller, other: Caller, admin: Caller
) -> None:
    theirs = add_gps_asset(container, other)
    add_album(container, other, [theirs], members=(admin,))
    assert markers(api, user, withSharedAlbums="true") == []


def test_markers_with_shared_albums_skip_deleted_albums(
    api: Api, container: Container, user: Caller, other: Caller
) -> None:
    theirs = add_gps_asset(container, other)
    add_album(container, other, [theirs], members=(user,), deleted_at=JUNE)
    assert markers(api, user, withSharedAlbums="true") == []


def test_markers_with_shared_albums_skip_archived_album_assets(
    api: Api, container: Container, user: Caller, other: Caller
) -> None:
    theirs = add_gps_asset(container, other, visibility="archive")
    add_album(container, other, [theirs], members=(user,))
    assert markers(api, user, withSharedAlbums="true") == []
    assert markers(api, user, withSharedAlbums="true", isArchived="true") == [str(theirs)]
