"""People routes (`person.controller.ts`)."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import Query
from fastapi.responses import FileResponse

from photonest.api.deps import authenticated, service
from photonest.api.file_responses import BINARY_ANSWER
from photonest.api.router import ApiRouter
from photonest.records import Auth
from photonest.schemas import generated as g
from photonest.schemas import person as s
from photonest.services.person import PersonService

router = ApiRouter(prefix="/people", tags=["People"])
P = g.Permission


@router.get("", operation_id="getAllPeople", response_model=g.PeopleResponseDto)
def get_all_people(
    dto: Annotated[s.PersonSearchDto, Query()],
    auth: Auth = authenticated(P.PERSON_READ),
    svc: PersonService = service(PersonService),
) -> g.PeopleResponseDto:
    return svc.get_all(auth, dto)


@router.post("", operation_id="createPerson", status_code=201, response_model=g.PersonResponseDto)
def create_person(
    dto: s.PersonCreateDto, auth: Auth = authenticated(P.PERSON_CREATE), svc: PersonService = service(PersonService)
) -> g.PersonResponseDto:
    return svc.create(auth, dto)


@router.put("", operation_id="updatePeople", response_model=list[g.BulkIdResponseDto])
def update_people(
    dto: s.PeopleUpdateDto, auth: Auth = authenticated(P.PERSON_UPDATE), svc: PersonService = service(PersonService)
) -> list[g.BulkIdResponseDto]:
    return svc.update_all(auth, dto)


@router.get("/{id}", operation_id="getPerson", response_model=g.PersonResponseDto)
def get_person(
    id: UUID, auth: Auth = authenticated(P.PERSON_READ), svc: PersonService = service(PersonService)
) -> g.PersonResponseDto:
    return svc.get(auth, id)


@router.put("/{id}", operation_id="updatePerson", response_model=g.PersonResponseDto)
def update_person(
    id: UUID,
    dto: s.PersonUpdateDto,
    auth: Auth = authenticated(P.PERSON_UPDATE),
    svc: PersonService = service(PersonService),
) -> g.PersonResponseDto:
    return svc.update(auth, id, dto)


@router.post("/{id}/merge", operation_id="mergePerson", status_code=201, response_model=list[g.BulkIdResponseDto])
def merge_person(
    id: UUID,
    dto: g.MergePersonDto,
    auth: Auth = authenticated(P.PERSON_MERGE),
    svc: PersonService = service(PersonService),
) -> list[g.BulkIdResponseDto]:
    return svc.merge(auth, id, dto)


@router.put("/{id}/reassign", operation_id="reassignFaces", response_model=list[g.PersonResponseDto])
def reassign_faces(
    id: UUID,
    dto: g.AssetFaceUpdateDto,
    auth: Auth = authenticated(P.PERSON_REASSIGN),
    svc: PersonService = service(PersonService),
) -> list[g.PersonResponseDto]:
    return svc.reassign_faces(auth, id, dto)


@router.get("/{id}/statistics", operation_id="getPersonStatistics", response_model=g.PersonStatisticsResponseDto)
def get_person_statistics(
    id: UUID, auth: Auth = authenticated(P.PERSON_STATISTICS), svc: PersonService = service(PersonService)
) -> g.PersonStatisticsResponseDto:
    return svc.get_statistics(auth, id)


@router.get("/{id}/thumbnail", operation_id="getPersonThumbnail", response_class=FileResponse, responses=BINARY_ANSWER)
def get_person_thumbnail(
    id: UUID, auth: Auth = authenticated(P.PERSON_READ), svc: PersonService = service(PersonService)
) -> FileResponse:
    served = svc.get_thumbnail(auth, id)
    return FileResponse(
        served.path, media_type=served.content_type, headers={"Cache-Control": served.cache_control or ""}
    )
