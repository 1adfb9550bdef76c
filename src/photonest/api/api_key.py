"""API Keys routes (`api-key.controller.ts`)."""

from __future__ import annotations

from uuid import UUID

from photonest.api.deps import authenticated, service
from photonest.api.router import ApiRouter
from photonest.records import Auth
from photonest.schemas import generated as g
from photonest.schemas import requests as r
from photonest.services.api_key import ApiKeyService

router = ApiRouter(prefix="/api-keys", tags=["API Keys"])
P = g.Permission


@router.get("", operation_id="getApiKeys", response_model=list[g.APIKeyResponseDto])
def get_api_keys(
    auth: Auth = authenticated(P.API_KEY_READ), svc: ApiKeyService = service(ApiKeyService)
) -> list[g.APIKeyResponseDto]:
    return svc.get_all(auth)


@router.post("", operation_id="createApiKey", status_code=201, response_model=g.APIKeyCreateResponseDto)
def create_api_key(
    dto: g.APIKeyCreateDto, auth: Auth = authenticated(P.API_KEY_CREATE), svc: ApiKeyService = service(ApiKeyService)
) -> g.APIKeyCreateResponseDto:
    return svc.create(auth, dto)


# Not in the v1.134.0 spec: later versions added it and newer CLIs call it. Declared before `/{id}`.
@router.get("/me", operation_id="getMyApiKey", response_model=g.APIKeyResponseDto, include_in_schema=False)
def get_my_api_key(auth: Auth = authenticated(), svc: ApiKeyService = service(ApiKeyService)) -> g.APIKeyResponseDto:
    return svc.get_mine(auth)


@router.get("/{id}", operation_id="getApiKey", response_model=g.APIKeyResponseDto)
def get_api_key(
    id: UUID, auth: Auth = authenticated(P.API_KEY_READ), svc: ApiKeyService = service(ApiKeyService)
) -> g.APIKeyResponseDto:
    return svc.get_by_id(auth, id)


@router.put("/{id}", operation_id="updateApiKey", response_model=g.APIKeyResponseDto)
def update_api_key(
    id: UUID,
    dto: r.APIKeyUpdateDto,
    auth: Auth = authenticated(P.API_KEY_UPDATE),
    svc: ApiKeyService = service(ApiKeyService),
) -> g.APIKeyResponseDto:
    return svc.update(auth, id, dto)


@router.delete("/{id}", operation_id="deleteApiKey", status_code=204)
def delete_api_key(
    id: UUID, auth: Auth = authenticated(P.API_KEY_DELETE), svc: ApiKeyService = service(ApiKeyService)
) -> None:
    svc.delete(auth, id)
