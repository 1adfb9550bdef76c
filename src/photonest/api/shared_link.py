"""Shared Links routes (`shared-link.controller.ts`)."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import Query, Request, Response

from photonest.api.deps import authenticated, service
from photonest.api.router import ApiRouter
from photonest.records import Auth
from photonest.schemas import generated as g
from photonest.schemas.shared_link import SharedLinkCreateDto
from photonest.services.auth import credentials_from
from photonest.services.shared_link import UNLOCK_COOKIE, SharedLinkService, Unlock

router = ApiRouter(prefix="/shared-links", tags=["Shared Links"])
P = g.Permission
KeyQuery = Annotated[str | None, Query()]


@router.get("", operation_id="getAllSharedLinks", response_model=list[g.SharedLinkResponseDto])
def get_all_shared_links(
    album_id: Annotated[UUID | None, Query(alias="albumId")] = None,
    auth: Auth = authenticated(P.SHARED_LINK_READ),
    svc: SharedLinkService = service(SharedLinkService),
) -> list[g.SharedLinkResponseDto]:
    return svc.get_all(auth, album_id)


@router.post("", operation_id="createSharedLink", status_code=201, response_model=g.SharedLinkResponseDto)
def create_shared_link(
    dto: SharedLinkCreateDto,
    auth: Auth = authenticated(P.SHARED_LINK_CREATE),
    svc: SharedLinkService = service(SharedLinkService),
) -> g.SharedLinkResponseDto:
    return svc.create(auth, dto)


@router.get("/me", operation_id="getMySharedLink", response_model=g.SharedLinkResponseDto)
def get_my_shared_link(
    request: Request,
    response: Response,
    key: KeyQuery = None,
    password: Annotated[str | None, Query(examples=["password"])] = None,
    token: Annotated[str | None, Query()] = None,
    auth: Auth = authenticated(shared_link=True),
    svc: SharedLinkService = service(SharedLinkService),
) -> g.SharedLinkResponseDto:
    credentials = credentials_from(request.headers, request.query_params, request.cookies)
    mine = svc.get_mine(auth, Unlock(credentials.shared_link_password, credentials.shared_link_tokens))
    if mine.cookie is not None:
        secure = request.url.scheme == "https"
        response.set_cookie(
            UNLOCK_COOKIE,
            mine.cookie,
            max_age=mine.cookie_max_age,
            path="/",
            httponly=True,
            samesite="lax",
            secure=secure,
        )
    return mine.link


@router.delete("/{id}", operation_id="removeSharedLink", status_code=200)
def remove_shared_link(
    id: UUID, auth: Auth = authenticated(P.SHARED_LINK_DELETE), svc: SharedLinkService = service(SharedLinkService)
) -> None:
    svc.remove(auth, id)


@router.get("/{id}", operation_id="getSharedLinkById", response_model=g.SharedLinkResponseDto)
def get_shared_link_by_id(
    id: UUID, auth: Auth = authenticated(P.SHARED_LINK_READ), svc: SharedLinkService = service(SharedLinkService)
) -> g.SharedLinkResponseDto:
    return svc.get(auth, id)


@router.patch("/{id}", operation_id="updateSharedLink", response_model=g.SharedLinkResponseDto)
def update_shared_link(
    id: UUID,
    dto: g.SharedLinkEditDto,
    auth: Auth = authenticated(P.SHARED_LINK_UPDATE),
    svc: SharedLinkService = service(SharedLinkService),
) -> g.SharedLinkResponseDto:
    return svc.update(auth, id, dto)


@router.delete("/{id}/assets", operation_id="removeSharedLinkAssets", response_model=list[g.AssetIdsResponseDto])
def remove_shared_link_assets(
    id: UUID,
    dto: g.AssetIdsDto,
    key: KeyQuery = None,
    auth: Auth = authenticated(shared_link=True),
    svc: SharedLinkService = service(SharedLinkService),
) -> list[g.AssetIdsResponseDto]:
    return svc.remove_assets(auth, id, dto)


@router.put("/{id}/assets", operation_id="addSharedLinkAssets", response_model=list[g.AssetIdsResponseDto])
def add_shared_link_assets(
    id: UUID,
    dto: g.AssetIdsDto,
    key: KeyQuery = None,
    auth: Auth = authenticated(shared_link=True),
    svc: SharedLinkService = service(SharedLinkService),
) -> list[g.AssetIdsResponseDto]:
    return svc.add_assets(auth, id, dto)
