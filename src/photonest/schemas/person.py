"""Person and face requests and responses (`person.dto.ts`)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Annotated
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

from photonest.records import AssetFace, Person
from photonest.schemas import generated as g
from photonest.schemas.tag import HEX_COLOR_PATTERN, OptionalHexColor

_Color = Annotated[OptionalHexColor, Field(json_schema_extra={"pattern": HEX_COLOR_PATTERN})]


class PersonCreateDto(g.PersonCreateDto):
    color: _Color = None


class PersonUpdateDto(g.PersonUpdateDto):
    color: _Color = None


class PeopleUpdateItem(g.PeopleUpdateItem):
    color: _Color = None


class PeopleUpdateDto(g.PeopleUpdateDto):
    people: list[PeopleUpdateItem]  # type: ignore[assignment]


class PersonSearchDto(BaseModel):
    """The query of `GET /people`."""

    model_config = ConfigDict(populate_by_name=True)

    closest_asset_id: Annotated[UUID | None, Field(alias="closestAssetId")] = None
    closest_person_id: Annotated[UUID | None, Field(alias="closestPersonId")] = None
    page: Annotated[
        int, Field(ge=1, description="Page number for pagination", json_schema_extra={"type": "number"})
    ] = 1
    size: Annotated[
        int, Field(ge=1, le=1000, description="Number of items per page", json_schema_extra={"type": "number"})
    ] = 500
    with_hidden: Annotated[bool | None, Field(alias="withHidden")] = None


class FaceQueryDto(BaseModel):
    """The query of `GET /faces`."""

    model_config = ConfigDict(populate_by_name=True)

    id: UUID


def map_person(person: Person) -> g.PersonResponseDto:
    """A person as upstream's `mapPerson` (no `color` key when none is set)."""
    response = g.PersonResponseDto(
        id=str(person.id),
        name=person.name,
        birth_date=person.birth_date,
        thumbnail_path=person.thumbnail_path,
        is_hidden=person.is_hidden,
        is_favorite=person.is_favorite,
        updated_at=person.updated_at,
    )
    if person.color is not None:
        response.color = person.color
    return response


def map_face_without_person(face: AssetFace) -> g.AssetFaceWithoutPersonResponseDto:
    """A face's box and source, as upstream's `mapFacesWithoutPerson`."""
    return g.AssetFaceWithoutPersonResponseDto(
        id=face.id,
        image_width=face.image_width,
        image_height=face.image_height,
        bounding_box_x1=face.bounding_box_x1,
        bounding_box_y1=face.bounding_box_y1,
        bounding_box_x2=face.bounding_box_x2,
        bounding_box_y2=face.bounding_box_y2,
        source_type=g.SourceType(face.source_type),
    )


def map_face(face: AssetFace, person: Person | None) -> g.AssetFaceResponseDto:
    """A face with its person (null when unassigned)."""
    base = map_face_without_person(face)
    return g.AssetFaceResponseDto(**base.model_dump(), person=map_person(person) if person else None)


def people_with_faces(
    faces: Iterable[tuple[AssetFace, Person | None]],
) -> tuple[list[g.PersonWithFacesResponseDto], list[g.AssetFaceWithoutPersonResponseDto]]:
    """The people of an asset with their faces, and the faces with no person (`peopleWithFaces`)."""
    people: dict[UUID, g.PersonWithFacesResponseDto] = {}
    unassigned = []
    for face, person in faces:
        if person is None:
            unassigned.append(map_face_without_person(face))
            continue
        entry = people.get(person.id)
        if entry is None:
            mapped = map_person(person)
            entry = people[person.id] = g.PersonWithFacesResponseDto(**mapped.model_dump(exclude_unset=True), faces=[])
        entry.faces.append(map_face_without_person(face))
    return list(people.values()), unassigned
