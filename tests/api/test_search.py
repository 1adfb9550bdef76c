"""/search/metadata and /search/random: every filter on a known library, pagination, partners, validation."""

from __future__ import annotations

import base64
import hashlib
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

import pytest
from sqlalchemy import insert, select, update

from photonest.container import Container
from photonest.db.tables import album, album_asset, asset, asset_face, asset_file, partner, person, tag_asset
from photonest.repositories import Repositories
from photonest.repositories.search import SearchFilters, asset_conditions
from photonest.schemas import generated as g
from tests.api.test_timeline import add_asset
from tests.factories import Api, Caller

LIBRARY_ID = uuid.uuid4()
EXIF_NONE = {"city": None, "state": None, "country": None, "make": None, "model": None, "lens_model": None}


def day(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


@dataclass
class Library:
    """The seeded users and assets, by name."""

    me: Caller
    partner: Caller
    quiet_partner: Caller
    stranger: Caller
    ids: dict[str, UUID]
    people: dict[str, UUID]
    tags: dict[str, UUID]

    def names(self, items: list[dict[str, Any]]) -> list[str]:
        by_id = {str(value): key for key, value in self.ids.items()}
        return [by_id.get(item["id"], item["id"]) for item in items]


def share(container: Container, by: Caller, with_: Caller, in_timeline: bool) -> None:
    with container.unit_of_work() as uow:
        uow.connection.execute(
            insert(partner).values(shared_by_id=UUID(by.id), shared_with_id=UUID(with_.id), in_timeline=in_timeline)
        )


def seed(container: Container, api: Api, me: Caller, *others: Caller) -> Library:
    partner_user, quiet, stranger = others
    share(container, partner_user, me, True)
    share(container, quiet, me, False)
    ids: dict[str, UUID] = {}
    ids["paris"] = add_asset(
        container,
        me,
        when=day("2024-01-10T10:00:00"),
        original_file_name="Été_Paris.jpg",
        original_path="/photos/2024/Été_Paris.jpg",
        device_id="phone",
        device_asset_id="dev-paris",
        is_favorite=True,
        created_at=day("2020-01-01T00:00:00"),
        exif={
            "city": "Paris",
            "state": "Île-de-France",
            "country": "France",
            "make": "Canon",
            "model": "EOS R5",
            "lens_model": "RF 24-70",
            "rating": 5,
            "description": "Tour Eiffel at night",
        },
    )
    ids["berlin"] = add_asset(
        container,
        me,
        when=day("2024-03-01T00:00:00"),
        original_file_name="berlin.heic",
        device_id="camera",
        updated_at=day("2020-01-01T00:00:00"),
        exif={**EXIF_NONE, "city": "Berlin", "state": "Berlin", "country": "Germany", "make": "Nikon", "model": "Z6"}
        | {"rating": 2, "description": "Brandenburger Tor"},
    )
    ids["video"] = add_asset(
        container,
        me,
        when=day("2024-05-01T00:00:00"),
        type="VIDEO",
        original_file_name="clip.mp4",
        encoded_video_path="/encoded/clip.mp4",
        exif=dict(EXIF_NONE),
    )
    ids["motion"] = add_asset(
        container,
        me,
        when=day("2024-04-01T00:00:00"),
        live_photo_video_id=ids["video"],
        exif={**EXIF_NONE, "city": "Paris", "country": "France"},
    )
    ids["offline"] = add_asset(container, me, when=day("2023-08-01T00:00:00"), is_offline=True, library_id=LIBRARY_ID)
    ids["noexif"] = add_asset(container, me, when=day("2023-12-01T00:00:00"))
    ids["archived"] = add_asset(
        container, me, when=day("2024-02-01T00:00:00"), visibility="archive", exif={"city": "Lyon", "country": "France"}
    )
    ids["trashed"] = add_asset(
        container, me, when=day("2024-02-15T00:00:00"), deleted_at=day("2024-06-01T00:00:00"), exif={"city": "Nice"}
    )
    ids["locked"] = add_asset(container, me, when=day("2024-02-20T00:00:00"), visibility="locked")
    ids["hidden"] = add_asset(container, me, when=day("2024-02-21T00:00:00"), visibility="hidden")
    ids["partner"] = add_asset(
        container,
        partner_user,
        when=day("2023-06-01T00:00:00"),
        exif={"city": "Rome", "country": "Italy", "make": "Fujifilm", "model": "X-T4"},
    )
    ids["quiet"] = add_asset(container, quiet, exif={"city": "Oslo", "country": "Norway", "make": "Leica"})
    ids["stranger"] = add_asset(container, stranger, exif={"city": "Madrid", "country": "Spain", "make": "Sony"})

    people: dict[str, UUID] = {}
    with container.unit_of_work() as uow:
        db = uow.connection
        for name in ("Alice", "Bob"):
            people[name] = uuid.uuid4()
            db.execute(insert(person).values(id=people[name], owner_id=UUID(me.id), name=name))
        faces = [("paris", "Alice"), ("paris", "Bob"), ("berlin", "Alice"), ("motion", "Bob")]
        for asset_name, person_name in faces:
            db.execute(insert(asset_face).values(asset_id=ids[asset_name], person_id=people[person_name]))
        # A removed face does not count.
        db.execute(
            insert(asset_face).values(asset_id=ids["video"], person_id=people["Alice"], deleted_at=day("2024-01-01"))
        )
        album_id = uuid.uuid4()
        db.execute(insert(album).values(id=album_id, owner_id=UUID(me.id)))
        db.execute(insert(album_asset).values(album_id=album_id, asset_id=ids["berlin"]))
        db.execute(insert(asset_file).values(asset_id=ids["paris"], type="preview", path="/thumbs/p.webp"))
        db.execute(insert(asset_file).values(asset_id=ids["paris"], type="thumbnail", path="/thumbs/t.webp"))
        repos = Repositories(uow)
        travel = repos.tags.create(UUID(me.id), "Travel", None)
        france = repos.tags.create(UUID(me.id), "Travel/France", travel)
        db.execute(insert(tag_asset).values(asset_id=ids["paris"], tag_id=france))
        db.execute(insert(tag_asset).values(asset_id=ids["berlin"], tag_id=travel))
    tags = {"Travel": travel, "Travel/France": france}
    return Library(me, partner_user, quiet, stranger, ids, people, tags)


@pytest.fixture
def me(api: Api) -> Caller:
    return api.admin()


@pytest.fixture
def lib(api: Api, container: Container) -> Library:
    admin = api.admin()
    users = [api.user(admin) for _ in range(4)]
    return seed(container, api, *users)


def search(api: Api, caller: Caller, **body: Any) -> dict[str, Any]:
    response = api.request("POST", "/api/search/metadata", caller, json=body)
    assert response.status_code == 200, response.text
    result: dict[str, Any] = response.json()
    return result


def found(api: Api, lib: Library, **body: Any) -> list[str]:
    return lib.names(search(api, lib.me, **body)["assets"]["items"])


# Default scope, newest first: timeline assets of the caller and of partners sharing into the timeline, not trashed.
DEFAULT = ["video", "motion", "berlin", "paris", "noexif", "offline", "partner"]


def test_search_requires_authentication(api: Api) -> None:
    response = api.request("POST", "/api/search/metadata", json={})
    assert response.status_code == 401
    assert response.json()["message"] == "Authentication required"


def test_search_answers_upstreams_envelope(api: Api, lib: Library) -> None:
    body = search(api, lib.me, id=str(lib.ids["paris"]))
    assert body["albums"] == {"total": 0, "count": 0, "items": [], "facets": []}
    assets = body["assets"]
    assert {k: assets[k] for k in ("total", "count", "facets", "nextPage")} == {
        "total": 1,
        "count": 1,
        "facets": [],
        "nextPage": None,
    }
    item = assets["items"][0]
    assert item["id"] == str(lib.ids["paris"])
    assert item["originalFileName"] == "Été_Paris.jpg"
    assert item["isFavorite"] is True
    assert "exifInfo" not in item


def test_default_scope_is_timeline_of_caller_and_timeline_partners(api: Api, lib: Library) -> None:
    assert found(api, lib) == DEFAULT


def test_partner_sees_only_own_assets(api: Api, lib: Library) -> None:
    # The partner shares with me, not the other way round.
    assert lib.names(search(api, lib.partner)["assets"]["items"]) == ["partner"]
    assert lib.names(search(api, lib.stranger)["assets"]["items"]) == ["stranger"]


def test_partner_asset_hides_favorite_flag(api: Api, lib: Library, container: Container) -> None:
    with container.unit_of_work() as uow:
        uow.connection.execute(update(asset).where(asset.c.id == lib.ids["partner"]).values(is_favorite=True))
    item = search(api, lib.me, id=str(lib.ids["partner"]))["assets"]["items"][0]
    assert item["isFavorite"] is False


def _checksum(name: str, lib: Library, encoding: str) -> str:
    digest = hashlib.sha1(str(lib.ids[name]).encode()).digest()
    return digest.hex() if encoding == "hex" else base64.b64encode(digest).decode()


FILTERS: list[tuple[str, dict[str, Any], list[str]]] = [
    ("deviceAssetId hit", {"deviceAssetId": "dev-paris"}, ["paris"]),
    ("deviceAssetId miss", {"deviceAssetId": "nope"}, []),
    ("deviceId hit", {"deviceId": "camera"}, ["berlin"]),
    ("deviceId miss", {"deviceId": "tablet"}, []),
    ("libraryId hit", {"libraryId": str(LIBRARY_ID)}, ["offline"]),
    ("libraryId miss", {"libraryId": str(uuid.uuid4())}, []),
    ("type video", {"type": "VIDEO"}, ["video"]),
    ("type audio", {"type": "AUDIO"}, []),
    ("visibility archive", {"visibility": "archive"}, ["archived"]),
    ("visibility hidden", {"visibility": "hidden"}, ["hidden"]),
    ("visibility timeline", {"visibility": "timeline"}, DEFAULT),
    ("isFavorite true", {"isFavorite": True}, ["paris"]),
    ("isFavorite false", {"isFavorite": False}, [n for n in DEFAULT if n != "paris"]),
    ("isEncoded true", {"isEncoded": True}, ["video"]),
    ("isEncoded false", {"isEncoded": False}, [n for n in DEFAULT if n != "video"]),
    ("isMotion true", {"isMotion": True}, ["motion"]),
    ("isMotion false", {"isMotion": False}, [n for n in DEFAULT if n != "motion"]),
    ("isOffline true", {"isOffline": True}, ["offline"]),
    ("isOffline false", {"isOffline": False}, [n for n in DEFAULT if n != "offline"]),
    ("isNotInAlbum", {"isNotInAlbum": True}, [n for n in DEFAULT if n != "berlin"]),
    ("isNotInAlbum false", {"isNotInAlbum": False}, DEFAULT),
    (
        "withDeleted",
        {"withDeleted": True},
        ["video", "motion", "berlin", "trashed", "paris", "noexif", "offline", "partner"],
    ),
    ("takenAfter", {"takenAfter": "2024-03-01T00:00:00.000Z"}, ["video", "motion", "berlin"]),
    ("takenBefore", {"takenBefore": "2024-01-10T10:00:00.000Z"}, ["paris", "noexif", "offline", "partner"]),
    ("takenBefore none", {"takenBefore": "2020-01-01T00:00:00.000Z"}, []),
    ("createdBefore", {"createdBefore": "2021-01-01T00:00:00.000Z"}, ["paris"]),
    ("createdAfter", {"createdAfter": "2021-01-01T00:00:00.000Z"}, [n for n in DEFAULT if n != "paris"]),
    ("updatedBefore", {"updatedBefore": "2021-01-01T00:00:00.000Z"}, ["berlin"]),
    ("updatedAfter", {"updatedAfter": "2021-01-01T00:00:00.000Z"}, [n for n in DEFAULT if n != "berlin"]),
    ("trashedAfter", {"trashedAfter": "2024-05-01T00:00:00.000Z"}, ["trashed"]),
    ("trashedBefore", {"trashedBefore": "2024-01-01T00:00:00.000Z"}, []),
    ("originalFileName unaccented", {"originalFileName": "ete_p"}, ["paris"]),
    ("originalFileName upper case", {"originalFileName": "ÉTÉ"}, ["paris"]),
    ("originalFileName other case", {"originalFileName": "BERLIN"}, ["berlin"]),
    ("originalFileName miss", {"originalFileName": "xyz"}, []),
    ("originalFileName wildcard is literal", {"originalFileName": "%"}, []),
    ("originalPath", {"originalPath": "/2024/"}, ["paris"]),
    ("originalPath miss", {"originalPath": "/2025/"}, []),
    ("description", {"description": "EIFFEL"}, ["paris"]),
    ("description word", {"description": "tor"}, ["berlin"]),
    ("description miss", {"description": "louvre"}, []),
    ("encodedVideoPath", {"encodedVideoPath": "/encoded/clip.mp4"}, ["video"]),
    ("encodedVideoPath miss", {"encodedVideoPath": "/encoded/other.mp4"}, []),
    ("previewPath", {"previewPath": "/thumbs/p.webp"}, ["paris"]),
    ("previewPath miss", {"previewPath": "/thumbs/t.webp"}, []),
    ("thumbnailPath", {"thumbnailPath": "/thumbs/t.webp"}, ["paris"]),
    ("thumbnailPath miss", {"thumbnailPath": "/thumbs/p.webp"}, []),
    ("city", {"city": "Paris"}, ["motion", "paris"]),
    ("city null", {"city": None}, ["video"]),
    ("city miss", {"city": "paris"}, []),
    ("state", {"state": "Berlin"}, ["berlin"]),
    ("state null", {"state": None}, ["video", "motion", "partner"]),
    ("country", {"country": "France"}, ["motion", "paris"]),
    ("country null", {"country": None}, ["video"]),
    ("country partner", {"country": "Italy"}, ["partner"]),
    ("make", {"make": "Canon"}, ["paris"]),
    ("make null", {"make": None}, ["video", "motion"]),
    ("make miss", {"make": "Sony"}, []),
    ("model", {"model": "Z6"}, ["berlin"]),
    ("model null", {"model": None}, ["video", "motion"]),
    ("lensModel", {"lensModel": "RF 24-70"}, ["paris"]),
    ("lensModel null", {"lensModel": None}, ["video", "motion", "berlin", "partner"]),
    ("rating", {"rating": 5}, ["paris"]),
    ("rating other", {"rating": 2}, ["berlin"]),
    ("rating miss", {"rating": 3}, []),
    ("order asc", {"order": "asc"}, list(reversed(DEFAULT))),
    ("combined", {"country": "France", "isFavorite": False}, ["motion"]),
]


def test_metadata_filters(api: Api, lib: Library) -> None:
    # One seeded library for every case (seeding dominates the run time); all mismatches are reported together.
    wrong = {}
    for name, body, expected in FILTERS:
        got = found(api, lib, **body)
        if got != expected:
            wrong[name] = {"got": got, "expected": expected}
    assert wrong == {}


def test_id_filter(api: Api, lib: Library) -> None:
    assert found(api, lib, id=str(lib.ids["berlin"])) == ["berlin"]
    assert found(api, lib, id=str(lib.ids["stranger"])) == []
    assert found(api, lib, id=str(lib.ids["quiet"])) == []


@pytest.mark.parametrize("encoding", ["hex", "base64"])
def test_checksum_filter(api: Api, lib: Library, encoding: str) -> None:
    assert found(api, lib, checksum=_checksum("paris", lib, encoding)) == ["paris"]
    assert found(api, lib, checksum=_checksum("stranger", lib, encoding)) == []


def test_malformed_checksum_matches_nothing(api: Api, lib: Library) -> None:
    assert found(api, lib, checksum="not a checksum") == []


def test_person_ids_need_every_person(api: Api, lib: Library) -> None:
    alice, bob = str(lib.people["Alice"]), str(lib.people["Bob"])
    assert found(api, lib, personIds=[alice]) == ["berlin", "paris"]
    assert found(api, lib, personIds=[bob]) == ["motion", "paris"]
    assert found(api, lib, personIds=[alice, bob]) == ["paris"]
    assert found(api, lib, personIds=[str(uuid.uuid4())]) == []


def test_with_people_lists_the_people_of_each_asset(api: Api, lib: Library) -> None:
    items = search(api, lib.me, withPeople=True, personIds=[str(lib.people["Alice"])])["assets"]["items"]
    people = {lib.names([item])[0]: sorted(p["name"] for p in item["people"]) for item in items}
    assert people == {"berlin": ["Alice"], "paris": ["Alice", "Bob"]}
    without = search(api, lib.me, personIds=[str(lib.people["Alice"])])["assets"]["items"]
    assert all(item["people"] == [] for item in without)


def test_tag_ids_include_child_tags_and_need_every_tag(api: Api, lib: Library) -> None:
    travel, france = str(lib.tags["Travel"]), str(lib.tags["Travel/France"])
    assert found(api, lib, tagIds=[travel]) == ["berlin", "paris"]
    assert found(api, lib, tagIds=[france]) == ["paris"]
    assert found(api, lib, tagIds=[travel, france]) == ["paris"]
    assert found(api, lib, tagIds=[str(uuid.uuid4())]) == []


def test_tag_ids_null_finds_untagged_assets(api: Api, lib: Library) -> None:
    assert found(api, lib, tagIds=None) == [n for n in DEFAULT if n not in ("berlin", "paris")]


def test_with_exif_includes_exif_info(api: Api, lib: Library) -> None:
    item = search(api, lib.me, id=str(lib.ids["paris"]), withExif=True)["assets"]["items"][0]
    exif = item["exifInfo"]
    assert (exif["city"], exif["make"], exif["lensModel"], exif["rating"]) == ("Paris", "Canon", "RF 24-70", 5)
    assert exif["description"] == "Tour Eiffel at night"


def test_locked_assets_need_elevated_permission(api: Api, me: Caller) -> None:
    response = api.request("POST", "/api/search/metadata", me, json={"visibility": "locked"})
    assert response.status_code == 401
    assert response.json()["message"] == "Elevated permission is required"


def test_pages_are_stable_and_complete(api: Api, lib: Library) -> None:
    seen: list[str] = []
    pages: list[str | None] = []
    for page in (1, 2, 3):
        body = search(api, lib.me, page=page, size=3)["assets"]
        seen += lib.names(body["items"])
        pages.append(body["nextPage"])
        assert body["count"] == body["total"] == len(body["items"])
    assert seen == DEFAULT
    assert pages == ["2", "3", None]
    assert search(api, lib.me, page=4, size=3)["assets"]["items"] == []


def test_pages_break_ties_on_id(api: Api, container: Container) -> None:
    admin = api.admin()
    when = day("2024-01-01T00:00:00")
    ids = sorted(str(add_asset(container, admin, when=when)) for _ in range(5))
    asc = [i["id"] for p in (1, 2, 3) for i in search(api, admin, page=p, size=2, order="asc")["assets"]["items"]]
    desc = [i["id"] for p in (1, 2, 3) for i in search(api, admin, page=p, size=2)["assets"]["items"]]
    assert asc == ids
    assert desc == list(reversed(ids))


def test_page_size_defaults_to_250(api: Api, container: Container) -> None:
    admin = api.admin()
    for _ in range(251):
        add_asset(container, admin)
    body = search(api, admin)["assets"]
    assert (body["count"], body["nextPage"]) == (250, "2")


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"size": 0}, "size must not be less than 1"),
        ({"size": 1001}, "size must not be greater than 1000"),
        ({"size": 1.5}, "size must be an integer number"),
        ({"page": 0}, "page must not be less than 1"),
        ({"rating": 6}, "rating must not be greater than 5"),
        ({"id": "abc"}, "id must be a UUID"),
        ({"personIds": ["abc"]}, "each value in personIds must be a UUID"),
        ({"type": "PHOTO"}, "type must be one of the following values: IMAGE, VIDEO, AUDIO, OTHER"),
        ({"order": "up"}, "order must be one of the following values: asc, desc"),
        ({"isFavorite": "maybe"}, "isFavorite must be a boolean value"),
    ],
)
def test_metadata_rejects_invalid_input(api: Api, me: Caller, body: dict[str, Any], message: str) -> None:
    response = api.request("POST", "/api/search/metadata", me, json=body)
    assert response.status_code == 400, response.text
    assert message in response.json()["message"]


def test_metadata_rejects_bad_dates(api: Api, me: Caller) -> None:
    response = api.request("POST", "/api/search/metadata", me, json={"takenAfter": "yesterday"})
    assert response.status_code == 400
    assert response.json()["message"] == ["takenAfter must be a Date instance"]


# --- random ---


def random(api: Api, lib: Library, **body: Any) -> list[str]:
    response = api.request("POST", "/api/search/random", lib.me, json=body)
    assert response.status_code == 200, response.text
    return lib.names(response.json())


def test_random_returns_matching_assets(api: Api, lib: Library) -> None:
    assert sorted(random(api, lib)) == sorted(DEFAULT)
    assert random(api, lib, type="VIDEO") == ["video"]
    assert sorted(random(api, lib, country="France")) == ["motion", "paris"]
    assert random(api, lib, make="Sony") == []


def test_random_respects_size(api: Api, lib: Library) -> None:
    picked = random(api, lib, size=2)
    assert len(picked) == 2
    assert set(picked) <= set(DEFAULT)


def test_random_with_exif(api: Api, lib: Library) -> None:
    response = api.request("POST", "/api/search/random", lib.me, json={"withExif": True, "city": "Berlin"})
    assert [item["exifInfo"]["city"] for item in response.json()] == ["Berlin"]


def test_random_rejects_invalid_size(api: Api, me: Caller) -> None:
    response = api.request("POST", "/api/search/random", me, json={"size": 0})
    assert response.status_code == 400
    assert response.json()["message"] == ["size must not be less than 1"]


def test_filters_of_a_smart_search_dto(lib: Library, container: Container) -> None:
    dto = g.SmartSearchDto.model_validate({"query": "tower", "city": "Paris", "size": 5, "withExif": True})
    filters = SearchFilters.from_dto(dto, [UUID(lib.me.id), UUID(lib.partner.id)])
    with container.unit_of_work() as uow:
        rows = uow.connection.execute(select(asset.c.id).where(*asset_conditions(filters))).scalars()
        assert set(rows) == {lib.ids["paris"], lib.ids["motion"]}
