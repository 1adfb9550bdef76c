"""Face routes (`face.controller.ts`)."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import Query

from photonest.api.deps import authenticated, service
from photonest.api.router import ApiRouter
from photonest.records import Auth
from photonest.schemas import generated as g
from photonest.schemas import person as s
from photonest.services.face import FaceService

router = ApiRouter(prefix="/faces", tags=["Faces"])
P = g.Permission


@router.get("", operation_id="getFaces", response_model=list[g.AssetFaceResponseDto])
def get_faces(
    dto: Annotated[s.FaceQueryDto, Query()],
    auth: Auth = authenticated(P.FACE_READ),
    svc: FaceService = service(FaceService),
) -> list[g.AssetFaceResponseDto]:
    return svc.get_faces(auth, dto.id)


@router.post("", operation_id="createFace", status_code=201)
def create_face(
    dto: g.AssetFaceCreateDto, auth: Auth = authenticated(P.FACE_CREATE), svc: FaceService = service(FaceService)
) -> None:
    svc.create_face(auth, dto)


@router.delete("/{id}", operation_id="deleteFace", status_code=200)
def delete_face(
    id: UUID,
    dto: g.AssetFaceDeleteDto,
    auth: Auth = authenticated(P.FACE_DELETE),
    svc: FaceService = service(FaceService),
) -> None:
    svc.delete_face(auth, id, dto)


@router.put("/{id}", operation_id="reassignFacesById", response_model=g.PersonResponseDto)
def reassign_faces_by_id(
    id: UUID, dto: g.FaceDto, auth: Auth = authenticated(P.FACE_UPDATE), svc: FaceService = service(FaceService)
) -> g.PersonResponseDto:
    return svc.reassign_face(auth, id, dto)
