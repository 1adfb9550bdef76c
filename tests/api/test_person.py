"""/people: create, list (order, filters, counts, pages), get, update one or many, merge, reassign, statistics,
thumbnail; people on asset responses and the timeline's person filter."""

from __future__ import annotations

import re
from datetime import date, timedelta
from pathlib import Path
from typing import Any
from uuid import UUID

import numpy as np
import pytest
from PIL import Image
from sqlalchemy import delete, select

from photonest.container import Container
from photonest.db.tables import asset as asset_table
from photonest.db.tables import asset_face, job, person
from photonest.db.types import utcnow
from photonest.repositories import Repositories
from photonest.schemas.asset import map_asset
from photonest.services.person import PersonService, attach_people
from tests.factories import Api, Caller, make_asset

NIL = "00000000-0000-4000-8000-000000000000"
ISO = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")


@pytest.fixture
def admin(api: Api) -> Caller:
    return api.admin()


@pytest.fixture
def user(api: Api, admin: Caller) -> Caller:
    return api.user(admin)


@pytest.fixture
def other(api: Api, admin: Caller) -> Caller:
    return api.user(admin)


# --- direct database helpers, shared with the face tests ---


def make_person(container: Container, owner: Caller, **values: Any) -> UUID:
    """A person row; listed people need a thumbnail path, as upstream's list requires."""
    row = {"owner_id": UUID(owner.id), "name": "", "thumbnail_path": "/thumbs/p.jpeg", **values}
    with container.unit_of_work() as uow:
        return Repositories(uow).people.create(row).id


def make_face(container: Container, asset_id: UUID, person_id: UUID | None = None, x: int = 10, **values: Any) -> UUID:
    row = {
        "asset_id": asset_id,
        "person_id": person_id,
        "image_width": 1000,
        "image_height": 800,
        "bounding_box_x1": x,
        "bounding_box_y1": 20,
        "bounding_box_x2": x + 100,
        "bounding_box_y2": 140,
        "source_type": "machine-learning",
        **values,
    }
    with container.unit_of_work() as uow:
        return Repositories(uow).people.create_face(row)


def person_with_faces(container: Container, owner: Caller, faces: int = 1, **values: Any) -> UUID:
    person_id = make_person(container, owner, **values)
    for _ in range(faces):
        make_face(container, make_asset(container, owner).id, person_id)
    return person_id


def face_person(container: Container, face_id: UUID) -> UUID | None:
    with container.engine.connect() as conn:
        found: UUID | None = conn.execute(select(asset_face.c.person_id).where(asset_face.c.id == face_id)).scalar()
        return found


def people_ids(container: Container) -> set[UUID]:
    with container.engine.connect() as conn:
        return set(conn.execute(select(person.c.id)).scalars())


def queued(container: Container, name: str) -> list[dict[str, Any]]:
    with container.engine.connect() as conn:
        return [r.data for r in conn.execute(select(job.c.data).where(job.c.name == name))]


def no_access(permission: str) -> dict[str, Any]:
    return {"message": f"Not found or no {permission} access", "error": "Bad Request", "statusCode": 400}


def body_without_id(response: Any) -> dict[str, Any]:
    body = dict(response.json())
    body.pop("correlationId", None)
    return body


# --- create and get ---


def test_create_person_defaults(api: Api, user: Caller) -> None:
    response = api.request("POST", "/api/people", user, json={})
    assert response.status_code == 201
    body = response.json()
    assert ISO.match(body.pop("updatedAt"))
    UUID(body.pop("id"))
    assert body == {"name": "", "birthDate": None, "thumbnailPath": "", "isHidden": False, "isFavorite": False}


def test_create_person_with_values(api: Api, user: Caller) -> None:
    payload = {"name": "Marie", "birthDate": "1867-11-07", "isHidden": True, "isFavorite": True, "color": "ff0000"}
    body = api.request("POST", "/api/people", user, json=payload).json()
    assert (body["name"], body["birthDate"], body["isHidden"], body["isFavorite"]) == (
        "Marie",
        "1867-11-07",
        True,
        True,
    )
    assert body["color"] == "#ff0000"


@pytest.mark.parametrize(
    ("payload", "message"),
    [
        ({"birthDate": (date.today() + timedelta(days=2)).isoformat()}, ["Birth date cannot be in the future"]),
        ({"color": "red"}, ["color must be a hexadecimal color"]),
        ({"isHidden": "maybe"}, ["isHidden must be a boolean value"]),
    ],
)
def test_create_person_rejects_bad_values(api: Api, user: Caller, payload: dict[str, Any], message: list[str]) -> None:
    response = api.request("POST", "/api/people", user, json=payload)
    assert response.status_code == 400
    assert response.json()["message"] == message


def test_get_person_is_owner_only(api: Api, container: Container, user: Caller, other: Caller) -> None:
    person_id = make_person(container, user, name="Ann")
    assert api.request("GET", f"/api/people/{person_id}", user).json()["name"] == "Ann"
    denied = api.request("GET", f"/api/people/{person_id}", other)
    assert denied.status_code == 400 and body_without_id(denied) == no_access("person.read")
    unknown = api.request("GET", f"/api/people/{NIL}", user)
    assert unknown.status_code == 400 and body_without_id(unknown) == no_access("person.read")
    assert api.request("GET", "/api/people/not-a-uuid", user).status_code == 400


# --- list ---


def test_list_orders_and_filters_like_upstream(api: Api, container: Container, user: Caller, other: Caller) -> None:
    named = person_with_faces(container, user, faces=1, name="Zed")
    many = person_with_faces(container, user, faces=4)
    few = person_with_faces(container, user, faces=3)
    favourite = person_with_faces(container, user, faces=1, name="Bea", is_favorite=True)
    hidden = person_with_faces(container, user, faces=3, name="Hid", is_hidden=True)
    person_with_faces(container, user, faces=2)  # unnamed and under minFaces (3): not listed
    person_with_faces(container, user, faces=3, thumbnail_path="")  # no thumbnail yet: not listed
    make_person(container, user, name="No faces")  # no faces: not listed
    person_with_faces(container, other, faces=5, name="Other's")

    body = api.request("GET", "/api/people", user).json()
    assert [p["id"] for p in body["people"]] == [str(i) for i in (favourite, named, many, few)]
    assert body["hasNextPage"] is False
    # Counts cover every person with a thumbnail and a visible face, hidden ones included.
    assert (body["total"], body["hidden"]) == (6, 1)

    with_hidden = api.request("GET", "/api/people?withHidden=true", user).json()
    assert [p["id"] for p in with_hidden["people"]][-1] == str(hidden)


def test_list_skips_faces_on_trashed_or_archived_assets(api: Api, container: Container, user: Caller) -> None:
    trashed = make_person(container, user, name="Trash")
    make_face(container, make_asset(container, user, deleted_at=_now()).id, trashed)
    archived = make_person(container, user, name="Archive")
    make_face(container, make_asset(container, user, visibility="archive").id, archived)
    shown = person_with_faces(container, user, name="Shown")
    body = api.request("GET", "/api/people", user).json()
    assert [p["id"] for p in body["people"]] == [str(shown)]


def test_list_pages(api: Api, container: Container, user: Caller) -> None:
    ids = [person_with_faces(container, user, faces=n, name=f"P{n}") for n in (3, 2, 1)]
    first = api.request("GET", "/api/people?size=2", user).json()
    assert [p["id"] for p in first["people"]] == [str(ids[0]), str(ids[1])] and first["hasNextPage"] is True
    second = api.request("GET", "/api/people?size=2&page=2", user).json()
    assert [p["id"] for p in second["people"]] == [str(ids[2])] and second["hasNextPage"] is False
    assert api.request("GET", "/api/people?size=0", user).status_code == 400
    assert api.request("GET", "/api/people?page=0", user).status_code == 400
    assert api.request("GET", "/api/people?size=1001", user).status_code == 400


def test_list_closest_person_needs_access_and_a_feature_face(
    api: Api, container: Container, user: Caller, other: Caller
) -> None:
    mine = make_person(container, user, name="No feature")
    theirs = person_with_faces(container, other, name="Theirs")
    missing = api.request("GET", f"/api/people?closestPersonId={mine}", user)
    assert missing.status_code == 404 and missing.json()["message"] == "Person not found"
    denied = api.request("GET", f"/api/people?closestPersonId={theirs}", user)
    assert denied.status_code == 400 and body_without_id(denied) == no_access("person.read")


# --- update ---


def test_update_person_fields(api: Api, container: Container, user: Caller) -> None:
    person_id = make_person(container, user, name="Old", color="#000000")
    payload = {"name": "New", "birthDate": "2000-01-02", "isHidden": True, "isFavorite": True}
    body = api.request("PUT", f"/api/people/{person_id}", user, json=payload).json()
    assert (body["name"], body["birthDate"], body["isHidden"], body["isFavorite"]) == ("New", "2000-01-02", True, True)
    assert body["color"] == "#000000"
    cleared = api.request("PUT", f"/api/people/{person_id}", user, json={"birthDate": None, "color": ""}).json()
    assert cleared["birthDate"] is None and "color" not in cleared and cleared["name"] == "New"


def test_update_rejects_future_birth_date_and_other_users(
    api: Api, container: Container, user: Caller, other: Caller
) -> None:
    person_id = make_person(container, user)
    future = (date.today() + timedelta(days=1)).isoformat()
    response = api.request("PUT", f"/api/people/{person_id}", user, json={"birthDate": future})
    assert response.status_code == 400 and response.json()["message"] == ["Birth date cannot be in the future"]
    denied = api.request("PUT", f"/api/people/{person_id}", other, json={"name": "x"})
    assert denied.status_code == 400 and body_without_id(denied) == no_access("person.update")


def test_feature_face_comes_from_the_given_asset(api: Api, container: Container, user: Caller) -> None:
    person_id = make_person(container, user)
    asset = make_asset(container, user)
    face_id = make_face(container, asset.id, person_id)
    stranger_asset = make_asset(container, user)
    make_face(container, stranger_asset.id, None)
    response = api.request("PUT", f"/api/people/{person_id}", user, json={"featureFaceAssetId": str(asset.id)})
    assert response.status_code == 200
    with container.unit_of_work() as uow:
        assert Repositories(uow).people.get(person_id).face_asset_id == face_id  # type: ignore[union-attr]
    assert queued(container, "generate-person-thumbnail") == [{"id": str(person_id)}]
    bad = api.request("PUT", f"/api/people/{person_id}", user, json={"featureFaceAssetId": str(stranger_asset.id)})
    assert bad.status_code == 400 and bad.json()["message"] == "Invalid assetId for feature face"


def test_bulk_update_reports_each_person(api: Api, container: Container, user: Caller, other: Caller) -> None:
    mine = make_person(container, user)
    theirs = make_person(container, other, name="Keep")
    payload = {"people": [{"id": str(mine), "name": "Mine"}, {"id": str(theirs), "name": "Stolen"}]}
    response = api.request("PUT", "/api/people", user, json=payload)
    assert response.status_code == 200
    assert response.json() == [
        {"id": str(mine), "success": True},
        {"id": str(theirs), "success": False, "error": "unknown"},
    ]
    with container.unit_of_work() as uow:
        assert Repositories(uow).people.get(theirs).name == "Keep"  # type: ignore[union-attr]
        assert Repositories(uow).people.get(mine).name == "Mine"  # type: ignore[union-attr]


# --- merge ---


def test_merge_moves_faces_and_deletes_the_merged(api: Api, container: Container, user: Caller) -> None:
    primary = make_person(container, user)
    merged = make_person(container, user, name="Named", birth_date=date(1990, 5, 6))
    face_id = make_face(container, make_asset(container, user).id, merged)
    response = api.request("POST", f"/api/people/{primary}/merge", user, json={"ids": [str(merged)]})
    assert response.status_code == 201
    assert response.json() == [{"id": str(merged), "success": True}]
    assert face_person(container, face_id) == primary
    assert merged not in people_ids(container)
    body = api.request("GET", f"/api/people/{primary}", user).json()
    assert (body["name"], body["birthDate"]) == ("Named", "1990-05-06")


def test_merge_edge_cases(api: Api, container: Container, user: Caller, other: Caller) -> None:
    primary = make_person(container, user)
    theirs = make_person(container, other)
    itself = api.request("POST", f"/api/people/{primary}/merge", user, json={"ids": [str(primary)]})
    assert itself.status_code == 400 and itself.json()["message"] == "Cannot merge a person into themselves"
    response = api.request("POST", f"/api/people/{primary}/merge", user, json={"ids": [str(theirs), NIL]})
    assert response.json() == [
        {"id": str(theirs), "success": False, "error": "no_permission"},
        {"id": NIL, "success": False, "error": "no_permission"},
    ]
    assert theirs in people_ids(container)
    into_theirs = api.request("POST", f"/api/people/{theirs}/merge", user, json={"ids": [str(primary)]})
    assert into_theirs.status_code == 400 and body_without_id(into_theirs) == no_access("person.update")
    assert api.request("POST", f"/api/people/{primary}/merge", user, json={"ids": ["x"]}).status_code == 400


# --- reassign ---


def test_reassign_moves_the_faces_of_an_asset(api: Api, container: Container, user: Caller) -> None:
    source = make_person(container, user)
    target = make_person(container, user, name="Target")
    asset = make_asset(container, user)
    moved = make_face(container, asset.id, source)
    kept = make_face(container, make_asset(container, user).id, source)
    payload = {"data": [{"assetId": str(asset.id), "personId": str(source)}]}
    response = api.request("PUT", f"/api/people/{target}/reassign", user, json=payload)
    assert response.status_code == 200
    assert [p["id"] for p in response.json()] == [str(target)]
    assert face_person(container, moved) == target and face_person(container, kept) == source
    # The target had no feature face: it gets one, and a thumbnail job.
    with container.unit_of_work() as uow:
        assert Repositories(uow).people.get(target).face_asset_id == moved  # type: ignore[union-attr]
    assert {"id": str(target)} in queued(container, "generate-person-thumbnail")


def test_reassign_denies_other_users(api: Api, container: Container, user: Caller, other: Caller) -> None:
    mine = make_person(container, user)
    theirs = make_person(container, other)
    their_asset = make_asset(container, other)
    their_face = make_face(container, their_asset.id, theirs)
    payload = {"data": [{"assetId": str(their_asset.id), "personId": str(theirs)}]}
    stolen = api.request("PUT", f"/api/people/{mine}/reassign", user, json=payload)
    assert stolen.status_code == 400 and body_without_id(stolen) == no_access("person.create")
    assert face_person(container, their_face) == theirs
    into_theirs = api.request("PUT", f"/api/people/{theirs}/reassign", user, json={"data": []})
    assert into_theirs.status_code == 400 and body_without_id(into_theirs) == no_access("person.update")
    unknown = api.request("PUT", f"/api/people/{NIL}/reassign", user, json={"data": []})
    assert unknown.status_code == 400


# --- statistics and thumbnail ---


def test_statistics_count_distinct_visible_assets(api: Api, container: Container, user: Caller, other: Caller) -> None:
    person_id = make_person(container, user)
    asset = make_asset(container, user)
    make_face(container, asset.id, person_id, x=10)
    make_face(container, asset.id, person_id, x=300)
    make_face(container, make_asset(container, user).id, person_id)
    make_face(container, make_asset(container, user, deleted_at=_now()).id, person_id)
    assert api.request("GET", f"/api/people/{person_id}/statistics", user).json() == {"assets": 2}
    denied = api.request("GET", f"/api/people/{person_id}/statistics", other)
    assert denied.status_code == 400 and body_without_id(denied) == no_access("person.read")


def test_thumbnail(api: Api, container: Container, user: Caller, other: Caller, tmp_path: Path) -> None:
    none = make_person(container, user, thumbnail_path="")
    assert api.request("GET", f"/api/people/{none}/thumbnail", user).status_code == 404
    path = tmp_path / "face.jpeg"
    Image.new("RGB", (8, 8), "red").save(path)
    with_file = make_person(container, user, thumbnail_path=str(path))
    response = api.request("GET", f"/api/people/{with_file}/thumbnail", user)
    assert response.status_code == 200
    assert response.headers["content-type"] == "image/jpeg" and response.content == path.read_bytes()
    assert api.request("GET", f"/api/people/{with_file}/thumbnail", other).status_code == 400


# --- people elsewhere ---


def test_asset_response_lists_people_with_faces(api: Api, container: Container, user: Caller, admin: Caller) -> None:
    asset = make_asset(container, user)
    ann = make_person(container, user, name="Ann")
    first = make_face(container, asset.id, ann, x=10)
    second = make_face(container, asset.id, ann, x=400)
    loose = make_face(container, asset.id, None, x=200)
    make_face(container, asset.id, ann, x=600, deleted_at=_now())
    body = api.request("GET", f"/api/assets/{asset.id}", user).json()
    assert [p["id"] for p in body["people"]] == [str(ann)]
    assert [f["id"] for f in body["people"][0]["faces"]] == [str(first), str(second)]
    assert body["people"][0]["faces"][0] == {
        "id": str(first),
        "imageWidth": 1000,
        "imageHeight": 800,
        "boundingBoxX1": 10,
        "boundingBoxY1": 20,
        "boundingBoxX2": 110,
        "boundingBoxY2": 140,
        "sourceType": "machine-learning",
    }
    assert [f["id"] for f in body["unassignedFaces"]] == [str(loose)]


def test_timeline_person_filter(api: Api, container: Container, user: Caller, other: Caller) -> None:
    ann = make_person(container, user, name="Ann")
    with_ann = make_asset(container, user)
    make_face(container, with_ann.id, ann)
    make_asset(container, user)
    buckets = api.request("GET", f"/api/timeline/buckets?personId={ann}", user).json()
    assert sum(b["count"] for b in buckets) == 1
    assert sum(b["count"] for b in api.request("GET", "/api/timeline/buckets", user).json()) == 2
    denied = api.request("GET", f"/api/timeline/buckets?personId={ann}", other)
    assert denied.status_code == 400 and body_without_id(denied) == no_access("person.read")


def test_deleting_an_asset_removes_its_faces_and_cleanup_removes_the_empty_person(
    container: Container, user: Caller
) -> None:
    keep = person_with_faces(container, user, faces=1)
    ann = make_person(container, user)
    asset = make_asset(container, user)
    make_face(container, asset.id, ann)
    with container.unit_of_work() as uow:
        uow.connection.execute(delete(asset_table).where(asset_table.c.id == asset.id))
    with container.engine.connect() as conn:
        assert conn.execute(select(asset_face.c.id).where(asset_face.c.asset_id == asset.id)).first() is None
    with container.unit_of_work() as uow:
        PersonService(container.context(uow)).person_cleanup()
    assert people_ids(container) == {keep}


def _now() -> Any:
    return utcnow()


def test_attach_people_fills_only_the_callers_assets(container: Container, user: Caller, other: Caller) -> None:
    mine = make_asset(container, user)
    theirs = make_asset(container, other)
    ann = make_person(container, user, name="Ann")
    make_face(container, mine.id, ann)
    make_face(container, theirs.id, make_person(container, other))
    responses = [map_asset(mine), map_asset(theirs), map_asset(make_asset(container, user))]
    with container.unit_of_work() as uow:
        attach_people(Repositories(uow), UUID(user.id), responses)
    assert [p.id for p in responses[0].people] == [str(ann)] and responses[0].unassigned_faces == []
    assert responses[1].people == [] and responses[1].unassigned_faces is None
    assert responses[2].people == [] and responses[2].unassigned_faces == []


def _featured(container: Container, owner: Caller, name: str, direction: list[float]) -> tuple[UUID, UUID]:
    """A named person whose feature face has an embedding pointing in `direction`."""
    person_id = make_person(container, owner, name=name)
    vector = np.zeros(512, np.float32)
    vector[: len(direction)] = direction
    asset_id = make_asset(container, owner).id
    row = {"asset_id": asset_id, "person_id": person_id, "source_type": "machine-learning"}
    with container.unit_of_work() as uow:
        people = Repositories(uow).people
        face_id = people.create_face(row, vector)
        people.update(person_id, {"face_asset_id": face_id})
    return person_id, face_id


def test_list_orders_by_closeness_to_a_person_or_face(api: Api, container: Container, user: Caller) -> None:
    anchor, anchor_face = _featured(container, user, "Anchor", [1.0, 0.0, 0.0])
    far, _ = _featured(container, user, "Far", [0.0, 0.0, 1.0])
    near, _ = _featured(container, user, "Near", [0.9, 0.1, 0.0])
    by_person = api.request("GET", f"/api/people?closestPersonId={anchor}", user).json()
    assert [p["id"] for p in by_person["people"]] == [str(anchor), str(near), str(far)]
    by_face = api.request("GET", f"/api/people?closestAssetId={anchor_face}", user).json()
    assert [p["id"] for p in by_face["people"]] == [str(anchor), str(near), str(far)]
    plain = api.request("GET", "/api/people", user).json()
    assert [p["id"] for p in plain["people"]] == [str(anchor), str(far), str(near)]
