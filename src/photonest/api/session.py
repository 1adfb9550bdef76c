"""Sessions routes (`session.controller.ts`)."""

from __future__ import annotations

from uuid import UUID

from photonest.api.deps import authenticated, service
from photonest.api.router import ApiRouter
from photonest.records import Auth
from photonest.schemas import generated as g
from photonest.schemas import requests as r
from photonest.services.session import SessionService

router = ApiRouter(prefix="/sessions", tags=["Sessions"])
P = g.Permission


@router.get("", operation_id="getSessions", response_model=list[g.SessionResponseDto])
def get_sessions(
    auth: Auth = authenticated(P.SESSION_READ), svc: SessionService = service(SessionService)
) -> list[g.SessionResponseDto]:
    return svc.get_all(auth)


@router.post("", operation_id="createSession", status_code=201, response_model=g.SessionCreateResponseDto)
def create_session(
    dto: r.SessionCreateDto, auth: Auth = authenticated(P.SESSION_CREATE), svc: SessionService = service(SessionService)
) -> g.SessionCreateResponseDto:
    return svc.create(auth, dto)


@router.delete("", operation_id="deleteAllSessions", status_code=204)
def delete_all_sessions(
    auth: Auth = authenticated(P.SESSION_DELETE), svc: SessionService = service(SessionService)
) -> None:
    svc.delete_all(auth)


@router.delete("/{id}", operation_id="deleteSession", status_code=204)
def delete_session(
    id: UUID, auth: Auth = authenticated(P.SESSION_DELETE), svc: SessionService = service(SessionService)
) -> None:
    svc.delete(auth, id)


@router.post("/{id}/lock", operation_id="lockSession", status_code=204)
def lock_session(
    id: UUID, auth: Auth = authenticated(P.SESSION_LOCK), svc: SessionService = service(SessionService)
) -> None:
    svc.lock(auth, id)
