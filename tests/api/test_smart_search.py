"""`POST /search/smart` and the ML feature flags of `GET /server/features`."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any
from uuid import UUID

import numpy as np
import pytest

from photonest.config.env import Settings
from photonest.container import Container
from photonest.db.types import utcnow
from tests.api.test_timeline import add_asset, elevate, make_partner
from tests.factories import Api, Caller, set_metadata
from tests.ml.fake_clip import FakeClip, embed, near, random_unit, restore_dimensions, unit, use_fake_clip

QUERY = "a dog on the beach"


@pytest.fixture
def settings(media: Path) -> Settings:
    return Settings(media_location=media, machine_learning_enabled=True, model_folder=media / "models")


@pytest.fixture
def clip(container: Container) -> Iterator[FakeClip]:
    fake = FakeClip()
    fake.texts[QUERY] = random_unit(1)
    use_fake_clip(container, fake)
    yield fake
    restore_dimensions(container)


@pytest.fixture
def admin(api: Api) -> Caller:
    return api.admin()


@pytest.fixture
def user(api: Api, admin: Caller) -> Caller:
    return api.user(admin)


def photo(container: Container, owner: Caller, distance: float | None, **values: Any) -> UUID:
    """An asset whose embedding lies `distance` away from the query's (no embedding for None)."""
    asset_id = add_asset(container, owner, **values)
    if distance is not None:
        embed(container, asset_id, near(random_unit(1), distance, seed=int(distance * 1000)))
    return asset_id


def search(api: Api, caller: Caller, **body: Any) -> Any:
    response = api.request("POST", "/api/search/smart", caller, json={"query": QUERY, **body})
    assert response.status_code == 200, response.text
    return response.json()


def ids(body: Any) -> list[str]:
    return [item["id"] for item in body["assets"]["items"]]


def configure(container: Container, **machine_learning: Any) -> None:
    set_metadata(container, "system-config", {"machineLearning": machine_learning})


def test_results_are_ordered_by_cosine_distance(api: Api, container: Container, clip: FakeClip, user: Caller) -> None:
    far, close, middle = (photo(container, user, d) for d in (0.9, 0.05, 0.4))
    photo(container, user, None)
    body = search(api, user)
    assert ids(body) == [str(close), str(middle), str(far)]
    assert body["albums"] == {"total": 0, "count": 0, "items": [], "facets": []}
    assert body["assets"]["total"] == 3 and body["assets"]["count"] == 3
    assert body["assets"]["facets"] == [] and body["assets"]["nextPage"] is None
    assert body["assets"]["items"][0]["ownerId"] == user.id
    assert clip.calls == [("text", QUERY, None)]


def test_ranking_matches_numpy_distances(api: Api, container: Container, clip: FakeClip, user: Caller) -> None:
    vectors = {photo(container, user, None): random_unit(100 + i) for i in range(12)}
    for asset_id, vector in vectors.items():
        embed(container, asset_id, vector)
    query = clip.texts[QUERY]
    expected = sorted(vectors, key=lambda a: 1 - float(np.dot(unit(vectors[a]), query)))
    assert ids(search(api, user)) == [str(a) for a in expected]


def test_pages_and_next_page(api: Api, container: Container, clip: FakeClip, user: Caller) -> None:
    ordered = [photo(container, user, d) for d in (0.1, 0.2, 0.3, 0.4, 0.5)]
    first = search(api, user, size=2)
    assert ids(first) == [str(a) for a in ordered[:2]] and first["assets"]["nextPage"] == "2"
    second = search(api, user, size=2, page=2)
    assert ids(second) == [str(a) for a in ordered[2:4]] and second["assets"]["nextPage"] == "3"
    last = search(api, user, size=2, page=3)
    assert ids(last) == [str(ordered[4])] and last["assets"]["nextPage"] is None
    assert last["assets"]["count"] == 1
    assert search(api, user, size=2, page=9)["assets"]["items"] == []


def test_default_page_size_is_100(api: Api, container: Container, clip: FakeClip, user: Caller) -> None:
    for index in range(101):
        photo(container, user, 0.001 * (index + 1))
    body = search(api, user)
    assert body["assets"]["count"] == 100 and body["assets"]["nextPage"] == "2"


def test_searches_own_and_timeline_partner_assets_only(
    api: Api, container: Container, clip: FakeClip, admin: Caller, user: Caller
) -> None:
    partner, hidden_partner, stranger = api.user(admin), api.user(admin), api.user(admin)
    make_partner(api, partner, user, in_timeline=True)
    make_partner(api, hidden_partner, user, in_timeline=False)
    mine = photo(container, user, 0.3)
    shared = photo(container, partner, 0.2)
    photo(container, hidden_partner, 0.1)
    photo(container, stranger, 0.05)
    assert ids(search(api, user)) == [str(shared), str(mine)]
    assert ids(search(api, stranger)) != []
    assert str(mine) not in ids(search(api, stranger))


def test_filters_apply(api: Api, container: Container, clip: FakeClip, user: Caller) -> None:
    favourite = photo(container, user, 0.3, is_favorite=True)
    plain = photo(container, user, 0.2)
    trashed = photo(container, user, 0.1, deleted_at=utcnow(), status="trashed")
    archived = photo(container, user, 0.15, visibility="archive")
    assert ids(search(api, user, isFavorite=True)) == [str(favourite)]
    assert ids(search(api, user, isFavorite=False)) == [str(plain)]
    assert ids(search(api, user)) == [str(plain), str(favourite)]
    assert ids(search(api, user, visibility="archive")) == [str(archived)]
    assert str(trashed) in ids(search(api, user, withDeleted=True))


def test_exif_only_with_exif(api: Api, container: Container, clip: FakeClip, user: Caller) -> None:
    photo(container, user, 0.1, exif={"city": "Paris", "make": "Canon"})
    assert "exifInfo" not in search(api, user)["assets"]["items"][0]
    exif = search(api, user, withExif=True)["assets"]["items"][0]["exifInfo"]
    assert exif["city"] == "Paris" and exif["make"] == "Canon"


def test_locked_folder_needs_elevation_and_holds_own_assets_only(
    api: Api, container: Container, clip: FakeClip, admin: Caller, user: Caller
) -> None:
    partner = api.user(admin)
    make_partner(api, partner, user, in_timeline=True)
    locked = photo(container, user, 0.2, visibility="locked")
    photo(container, partner, 0.1, visibility="locked")
    photo(container, user, 0.05)
    response = api.request("POST", "/api/search/smart", user, json={"query": QUERY, "visibility": "locked"})
    assert response.status_code == 401
    assert response.json()["message"] == "Elevated permission is required"
    elevate(api, user)
    assert ids(search(api, user, visibility="locked")) == [str(locked)]
    assert str(locked) not in ids(search(api, user))


def test_filters_that_reject_the_nearest_vectors_still_find_the_rest(
    api: Api, container: Container, clip: FakeClip, user: Caller, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("photonest.repositories.smart_search.SQLITE_CANDIDATE_POOL", 3)
    plain = [photo(container, user, d) for d in (0.1, 0.2, 0.3, 0.4)]
    favourites = [photo(container, user, d, is_favorite=True) for d in (0.5, 0.6)]
    assert ids(search(api, user, isFavorite=True)) == [str(a) for a in favourites]
    assert ids(search(api, user, size=1, page=2)) == [str(plain[1])]
    assert ids(search(api, user, size=2, page=3)) == [str(a) for a in favourites]


def test_query_is_passed_with_its_language(api: Api, container: Container, clip: FakeClip, user: Caller) -> None:
    photo(container, user, 0.1)
    search(api, user, language="de")
    assert clip.calls == [("text", QUERY, "de")]


@pytest.mark.parametrize(
    "machine_learning",
    [{"enabled": False}, {"clip": {"enabled": False}}],
    ids=["ml-disabled", "clip-disabled"],
)
def test_disabled_smart_search_answers_400(
    api: Api, container: Container, clip: FakeClip, user: Caller, machine_learning: dict[str, Any]
) -> None:
    configure(container, **machine_learning)
    response = api.request("POST", "/api/search/smart", user, json={"query": QUERY})
    assert response.status_code == 400
    assert response.json()["message"] == "Smart search is not enabled"
    assert clip.calls == []


def test_unavailable_model_answers_400(api: Api, container: Container, clip: FakeClip, user: Caller) -> None:
    clip.available = False
    response = api.request("POST", "/api/search/smart", user, json={"query": QUERY})
    assert response.status_code == 400
    assert response.json()["message"] == "Smart search is not enabled"


@pytest.mark.parametrize(
    "body",
    [{}, {"query": 5}, {"query": QUERY, "size": 0}, {"query": QUERY, "size": 1001}, {"query": QUERY, "page": 0}],
)
def test_bad_bodies_answer_400(api: Api, clip: FakeClip, user: Caller, body: dict[str, Any]) -> None:
    assert api.request("POST", "/api/search/smart", user, json=body).status_code == 400


def test_vectors_of_another_model_are_not_compared(
    api: Api, container: Container, clip: FakeClip, user: Caller
) -> None:
    photo(container, user, 0.1)
    clip.texts["other model"] = random_unit(5, dim=8)
    response = api.request("POST", "/api/search/smart", user, json={"query": "other model"})
    assert response.status_code == 200
    assert response.json()["assets"]["items"] == []


# --- GET /server/features ---


def features(api: Api) -> dict[str, Any]:
    response = api.request("GET", "/api/server/features")
    assert response.status_code == 200
    body: dict[str, Any] = response.json()
    return body


def test_features_report_smart_search_and_duplicates_when_a_model_is_available(
    api: Api, container: Container, clip: FakeClip
) -> None:
    body = features(api)
    assert body["smartSearch"] is True and body["duplicateDetection"] is True


def test_features_are_off_without_a_model(api: Api, container: Container, clip: FakeClip) -> None:
    clip.available = False
    body = features(api)
    assert body["smartSearch"] is False and body["duplicateDetection"] is False


@pytest.mark.parametrize(
    ("machine_learning", "smart", "duplicates"),
    [
        ({"enabled": False}, False, False),
        ({"clip": {"enabled": False}}, False, False),
        ({"duplicateDetection": {"enabled": False}}, True, False),
    ],
)
def test_features_follow_the_config(
    api: Api, container: Container, clip: FakeClip, machine_learning: dict[str, Any], smart: bool, duplicates: bool
) -> None:
    configure(container, **machine_learning)
    body = features(api)
    assert (body["smartSearch"], body["duplicateDetection"]) == (smart, duplicates)


def test_features_with_a_local_model_folder(api: Api, container: Container, settings: Settings) -> None:
    from tests.ml.tiny_clip import build_tiny_clip

    configure(container, urls=["http://127.0.0.1:9"])
    assert features(api)["smartSearch"] is False
    build_tiny_clip(settings.models)
    assert features(api)["smartSearch"] is True
