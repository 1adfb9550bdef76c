"""/search/suggestions, /search/cities, /search/explore, /search/places and /search/person."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

import pytest
from sqlalchemy import insert

from photonest.container import Container
from photonest.db.tables import person
from tests.api.test_search import Library, seed, share
from tests.api.test_timeline import add_asset
from tests.factories import Api, Caller

ROUTES = [
    "/api/search/suggestions?type=country",
    "/api/search/cities",
    "/api/search/explore",
    "/api/search/places?name=Paris",
    "/api/search/person?name=a",
]


@pytest.fixture
def me(api: Api) -> Caller:
    return api.admin()


@pytest.fixture
def lib(api: Api, container: Container) -> Library:
    admin = api.admin()
    users = [api.user(admin) for _ in range(4)]
    return seed(container, api, *users)


def get(api: Api, caller: Caller, path: str, **params: Any) -> Any:
    response = api.request("GET", f"/api/search/{path}", caller, params=params)
    assert response.status_code == 200, response.text
    return response.json()


@pytest.mark.parametrize("path", ROUTES)
def test_requires_authentication(api: Api, path: str) -> None:
    response = api.request("GET", path)
    assert response.status_code == 401
    assert response.json()["message"] == "Authentication required"


# --- suggestions ---

SUGGESTIONS: list[tuple[dict[str, Any], list[Any]]] = [
    # The archived (Lyon), trashed (Nice), quiet partner's (Norway) and stranger's (Spain) assets are left out.
    ({"type": "country"}, ["France", "Germany", "Italy"]),
    ({"type": "state"}, ["Berlin", "Île-de-France"]),
    ({"type": "state", "country": "France"}, ["Île-de-France"]),
    ({"type": "state", "country": "Italy"}, []),
    ({"type": "city"}, ["Berlin", "Paris", "Rome"]),
    ({"type": "city", "country": "France"}, ["Paris"]),
    ({"type": "city", "country": "France", "state": "Berlin"}, []),
    ({"type": "city", "state": "Berlin"}, ["Berlin"]),
    ({"type": "camera-make"}, ["Canon", "Fujifilm", "Nikon"]),
    ({"type": "camera-make", "model": "Z6"}, ["Nikon"]),
    ({"type": "camera-model"}, ["EOS R5", "X-T4", "Z6"]),
    ({"type": "camera-model", "make": "Canon"}, ["EOS R5"]),
    ({"type": "camera-model", "make": "Sony"}, []),
    ({"type": "country", "includeNull": "true"}, ["France", "Germany", "Italy", None]),
    ({"type": "country", "includeNull": "false"}, ["France", "Germany", "Italy"]),
]


def test_suggestions(api: Api, lib: Library) -> None:
    wrong = {}
    for params, expected in SUGGESTIONS:
        got = get(api, lib.me, "suggestions", **params)
        if got != expected:
            wrong[str(params)] = {"got": got, "expected": expected}
    assert wrong == {}


def test_suggestions_of_a_user_without_partners(api: Api, lib: Library) -> None:
    assert get(api, lib.stranger, "suggestions", type="country") == ["Spain"]


def test_suggestions_skip_empty_values(api: Api, lib: Library, container: Container) -> None:
    add_asset(container, lib.stranger, exif={"country": ""})
    assert get(api, lib.stranger, "suggestions", type="country") == ["Spain"]


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("type=lens", "type must be one of the following values: country, state, city, camera-make, camera-model"),
        ("", "type should not be empty"),
        ("type=country&includeNull=maybe", "includeNull must be a boolean value"),
    ],
)
def test_suggestions_reject_bad_input(api: Api, me: Caller, query: str, message: str) -> None:
    response = api.request("GET", f"/api/search/suggestions?{query}", me)
    assert response.status_code == 400
    assert message in response.json()["message"]


# --- cities ---


def test_cities_give_one_timeline_image_per_city(api: Api, lib: Library) -> None:
    items = get(api, lib.me, "cities")
    assert [item["exifInfo"]["city"] for item in items] == ["Berlin", "Paris", "Rome"]
    paris = next(item for item in items if item["exifInfo"]["city"] == "Paris")
    assert paris["id"] == str(min(lib.ids["paris"], lib.ids["motion"]))
    assert paris["type"] == "IMAGE"


def test_cities_leave_out_videos_archive_and_trash(api: Api, lib: Library, container: Container) -> None:
    add_asset(container, lib.stranger, type="VIDEO", exif={"city": "Porto"})
    add_asset(container, lib.stranger, visibility="archive", exif={"city": "Faro"})
    add_asset(container, lib.stranger, deleted_at=datetime(2024, 1, 1, tzinfo=UTC), exif={"city": "Braga"})
    add_asset(container, lib.stranger, exif={"city": "Évora"})
    cities = [item["exifInfo"]["city"] for item in get(api, lib.stranger, "cities")]
    assert sorted(cities) == ["Madrid", "Évora"]


# --- explore ---


def add_city(container: Container, owner: Caller, city: str, count: int, **values: Any) -> list[UUID]:
    return [add_asset(container, owner, exif={"city": city}, **values) for _ in range(count)]


def test_explore_without_enough_assets(api: Api, lib: Library) -> None:
    assert get(api, lib.me, "explore") == [{"fieldName": "exifInfo.city", "items": []}]


def test_explore_lists_cities_with_five_images_of_the_caller(api: Api, lib: Library, container: Container) -> None:
    oslo = add_city(container, lib.me, "Oslo", 5)
    add_city(container, lib.me, "Bergen", 4)
    add_city(container, lib.me, "Bergen", 1, type="VIDEO")
    add_city(container, lib.partner, "Rome", 5)
    add_city(container, lib.me, "Tromsø", 5, visibility="archive")
    (explore,) = get(api, lib.me, "explore")
    assert explore["fieldName"] == "exifInfo.city"
    assert [item["value"] for item in explore["items"]] == ["Oslo"]
    data = explore["items"][0]["data"]
    assert data["id"] == str(min(oslo))
    assert data["exifInfo"]["city"] == "Oslo"


def test_explore_stops_at_twelve_cities(api: Api, container: Container) -> None:
    admin = api.admin()
    for n in range(13):
        add_city(container, admin, f"City {n:02}", 5)
    (explore,) = get(api, admin, "explore")
    assert [item["value"] for item in explore["items"]] == [f"City {n:02}" for n in range(12)]


# --- places ---


def test_places_find_a_known_name(api: Api, me: Caller) -> None:
    places = get(api, me, "places", name="Palisade")
    assert places[0] == {
        "name": "Palisade",
        "latitude": pytest.approx(39.11026),
        "longitude": pytest.approx(-108.35092),
        "admin1name": "Colorado",
        "admin2name": "Mesa County",
    }
    assert all("palisade" in place["name"].lower() for place in places)
    assert 1 < len(places) <= 20


def test_places_ignore_accents_and_case(api: Api, me: Caller) -> None:
    assert get(api, me, "places", name="ZURICH")[0]["name"] == "Zürich"


def test_places_answer_at_most_twenty(api: Api, me: Caller) -> None:
    assert len(get(api, me, "places", name="san")) == 20


def test_places_without_match(api: Api, me: Caller) -> None:
    assert get(api, me, "places", name="qqqxxzz") == []


@pytest.mark.parametrize(
    ("query", "message"), [("", "name should not be empty"), ("?name=", "name should not be empty")]
)
def test_places_need_a_name(api: Api, me: Caller, query: str, message: str) -> None:
    response = api.request("GET", f"/api/search/places{query}", me)
    assert response.status_code == 400
    assert message in response.json()["message"]


# --- people ---


def add_person(container: Container, owner: Caller, name: str, **values: Any) -> UUID:
    person_id = uuid.uuid4()
    with container.unit_of_work() as uow:
        uow.connection.execute(insert(person).values(id=person_id, owner_id=UUID(owner.id), name=name, **values))
    return person_id


@pytest.fixture
def people(api: Api, lib: Library, container: Container) -> dict[str, UUID]:
    return {
        "Alice Smith": add_person(container, lib.me, "Alice Smith", is_favorite=True),
        "Bob Alison": add_person(container, lib.me, "Bob Alison"),
        "Alicia Hidden": add_person(container, lib.me, "Alicia Hidden", is_hidden=True),
        "Carol": add_person(container, lib.me, "Carol"),
        "Alice Other": add_person(container, lib.partner, "Alice Other"),
    }


def names(api: Api, caller: Caller, **params: Any) -> list[str]:
    return [p["name"] for p in get(api, caller, "person", **params)]


PERSON_SEARCHES: list[tuple[dict[str, Any], list[str]]] = [
    ({"name": "ali"}, ["Alice", "Alice Smith", "Bob Alison"]),
    ({"name": "ALI"}, ["Alice", "Alice Smith", "Bob Alison"]),
    ({"name": "ali", "withHidden": "true"}, ["Alice", "Alice Smith", "Alicia Hidden", "Bob Alison"]),
    ({"name": "ali", "withHidden": "false"}, ["Alice", "Alice Smith", "Bob Alison"]),
    ({"name": "smith"}, ["Alice Smith"]),
    ({"name": "mith"}, []),
    ({"name": "carol"}, ["Carol"]),
    ({"name": "%"}, []),
]


def test_person_search(api: Api, lib: Library, people: dict[str, UUID]) -> None:
    wrong = {}
    for params, expected in PERSON_SEARCHES:
        got = names(api, lib.me, **params)
        if got != expected:
            wrong[str(params)] = {"got": got, "expected": expected}
    assert wrong == {}


def test_person_search_maps_people(api: Api, lib: Library, people: dict[str, UUID]) -> None:
    (alice,) = get(api, lib.me, "person", name="alice s")
    assert alice["id"] == str(people["Alice Smith"])
    assert (alice["isFavorite"], alice["isHidden"], alice["birthDate"]) == (True, False, None)


def test_person_search_only_finds_own_people(api: Api, lib: Library, people: dict[str, UUID]) -> None:
    assert names(api, lib.partner, name="alice") == ["Alice Other"]
    assert names(api, lib.stranger, name="alice") == []


def test_person_search_needs_a_name(api: Api, me: Caller) -> None:
    response = api.request("GET", "/api/search/person", me)
    assert response.status_code == 400
    assert response.json()["message"] == ["name should not be empty"]


# --- smart search is answered by the smart-search service ---


def test_smart_search_route_validates_its_body(api: Api, me: Caller) -> None:
    response = api.request("POST", "/api/search/smart", me, json={})
    assert response.status_code == 400


def test_partner_sharing_without_timeline_is_not_searched(api: Api, lib: Library, container: Container) -> None:
    share(container, lib.stranger, lib.partner, False)
    assert get(api, lib.partner, "suggestions", type="country") == ["Italy"]
