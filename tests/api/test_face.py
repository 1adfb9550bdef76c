"""/faces: list an asset's faces with their people, draw a face, delete (soft or for good), give a face to a person."""

from __future__ import annotations

from typing import Any
from uuid import UUID

import pytest
from sqlalchemy import select

from photonest.container import Container
from photonest.db.tables import asset_face
from photonest.db.types import utcnow
from photonest.repositories import Repositories
from tests.api.test_person import NIL, body_without_id, face_person, make_face, make_person, no_access
from tests.factories import Api, Caller, make_asset


@pytest.fixture
def admin(api: Api) -> Caller:
    return api.admin()


@pytest.fixture
def user(api: Api, admin: Caller) -> Caller:
    return api.user(admin)


@pytest.fixture
def other(api: Api, admin: Caller) -> Caller:
    return api.user(admin)


def face_row(container: Container, face_id: UUID) -> Any:
    with container.engine.connect() as conn:
        return conn.execute(select(asset_face).where(asset_face.c.id == face_id)).first()


def test_get_faces_with_their_people(api: Api, container: Container, user: Caller, other: Caller) -> None:
    asset = make_asset(container, user)
    ann = make_person(container, user, name="Ann")
    right = make_face(container, asset.id, ann, x=500)
    left = make_face(container, asset.id, None, x=5)
    make_face(container, asset.id, ann, x=50, deleted_at=_now())
    response = api.request("GET", f"/api/faces?id={asset.id}", user)
    assert response.status_code == 200
    body = response.json()
    assert [f["id"] for f in body] == [str(left), str(right)]
    assert body[0]["person"] is None
    assert body[1]["person"]["id"] == str(ann) and body[1]["person"]["name"] == "Ann"
    assert {k: body[1][k] for k in ("imageWidth", "boundingBoxX1", "boundingBoxX2", "sourceType")} == {
        "imageWidth": 1000,
        "boundingBoxX1": 500,
        "boundingBoxX2": 600,
        "sourceType": "machine-learning",
    }
    denied = api.request("GET", f"/api/faces?id={asset.id}", other)
    assert denied.status_code == 400 and body_without_id(denied) == no_access("asset.read")
    missing = api.request("GET", "/api/faces", user)
    assert missing.status_code == 400 and missing.json()["message"] == ["id should not be empty"]


def test_create_face_draws_a_manual_box(api: Api, container: Container, user: Caller) -> None:
    asset = make_asset(container, user)
    ann = make_person(container, user)
    payload = {
        "assetId": str(asset.id),
        "personId": str(ann),
        "imageWidth": 640,
        "imageHeight": 480,
        "x": 10,
        "y": 20,
        "width": 30,
        "height": 40,
    }
    response = api.request("POST", "/api/faces", user, json=payload)
    assert response.status_code == 201 and response.content == b""
    with container.unit_of_work() as uow:
        faces = Repositories(uow).people.faces_of(asset.id)
    assert len(faces) == 1
    face = faces[0]
    assert (face.bounding_box_x1, face.bounding_box_y1, face.bounding_box_x2, face.bounding_box_y2) == (10, 20, 40, 60)
    assert (face.image_width, face.image_height, face.person_id, face.source_type) == (640, 480, ann, "manual")


def test_create_face_needs_the_asset_and_the_person(
    api: Api, container: Container, user: Caller, other: Caller
) -> None:
    asset = make_asset(container, user)
    theirs = make_person(container, other)
    base = {"imageWidth": 640, "imageHeight": 480, "x": 1, "y": 2, "width": 3, "height": 4}
    payload = {**base, "assetId": str(asset.id), "personId": str(theirs)}
    denied = api.request("POST", "/api/faces", user, json=payload)
    assert denied.status_code == 400 and body_without_id(denied) == no_access("person.read")
    their_asset = make_asset(container, other)
    payload = {**base, "assetId": str(their_asset.id), "personId": str(make_person(container, user))}
    denied = api.request("POST", "/api/faces", user, json=payload)
    assert denied.status_code == 400 and body_without_id(denied) == no_access("asset.read")
    incomplete = api.request("POST", "/api/faces", user, json={"assetId": str(asset.id)})
    assert incomplete.status_code == 400


def test_delete_face_soft_then_for_good(api: Api, container: Container, user: Caller, other: Caller) -> None:
    asset = make_asset(container, user)
    face_id = make_face(container, asset.id, make_person(container, user))
    denied = api.request("DELETE", f"/api/faces/{face_id}", other, json={"force": True})
    assert denied.status_code == 400 and body_without_id(denied) == no_access("face.delete")
    empty = api.request("DELETE", f"/api/faces/{face_id}", user, json={})
    no_body = api.request("DELETE", f"/api/faces/{face_id}", user)
    # Without a body the request is validated as `{}`, as upstream does: the message names the field.
    assert empty.status_code == no_body.status_code == 400
    assert no_body.json()["message"] == empty.json()["message"] == ["force should not be empty"]
    soft = api.request("DELETE", f"/api/faces/{face_id}", user, json={"force": False})
    assert soft.status_code == 200 and soft.content == b""
    assert face_row(container, face_id).deleted_at is not None
    assert api.request("GET", f"/api/faces?id={asset.id}", user).json() == []
    assert api.request("DELETE", f"/api/faces/{face_id}", user, json={"force": True}).status_code == 200
    assert face_row(container, face_id) is None
    unknown = api.request("DELETE", f"/api/faces/{NIL}", user, json={"force": True})
    assert unknown.status_code == 400 and body_without_id(unknown) == no_access("face.delete")


def test_reassign_one_face_to_a_person(api: Api, container: Container, user: Caller) -> None:
    old = make_person(container, user, name="Old")
    face_id = make_face(container, make_asset(container, user).id, old)
    other_face = make_face(container, make_asset(container, user).id, old)
    with container.unit_of_work() as uow:
        Repositories(uow).people.update(old, {"face_asset_id": face_id})
    new = make_person(container, user, name="New")
    response = api.request("PUT", f"/api/faces/{new}", user, json={"id": str(face_id)})
    assert response.status_code == 200
    assert response.json()["id"] == str(new) and response.json()["name"] == "New"
    assert face_person(container, face_id) == new
    with container.unit_of_work() as uow:
        people = Repositories(uow).people
        # Both lost or lacked their feature face: each gets one of its remaining faces.
        assert people.get(new).face_asset_id == face_id  # type: ignore[union-attr]
        assert people.get(old).face_asset_id == other_face  # type: ignore[union-attr]


def test_reassign_one_face_denies_other_users(api: Api, container: Container, user: Caller, other: Caller) -> None:
    mine = make_person(container, user)
    their_face = make_face(container, make_asset(container, other).id, make_person(container, other))
    stolen = api.request("PUT", f"/api/faces/{mine}", user, json={"id": str(their_face)})
    assert stolen.status_code == 400 and body_without_id(stolen) == no_access("person.create")
    my_face = make_face(container, make_asset(container, user).id, None)
    theirs = make_person(container, other)
    given = api.request("PUT", f"/api/faces/{theirs}", user, json={"id": str(my_face)})
    assert given.status_code == 400 and body_without_id(given) == no_access("person.update")
    assert face_person(container, my_face) is None
    assert api.request("PUT", f"/api/faces/{mine}", user, json={"id": "nope"}).status_code == 400


def _now() -> Any:
    return utcnow()
