"""Users (admin) routes (`user-admin.controller.ts`)."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import Body, Query

from photonest.api.deps import authenticated, service
from photonest.api.router import ApiRouter
from photonest.records import Auth
from photonest.schemas import generated as g
from photonest.schemas import requests as r
from photonest.services.user_admin import UserAdminService

router = ApiRouter(prefix="/admin/users", tags=["Users (admin)"])

P = g.Permission


@router.get("", operation_id="searchUsersAdmin", response_model=list[g.UserAdminResponseDto])
def search_users_admin(
    id: UUID | None = None,
    with_deleted: Annotated[bool | None, Query(alias="withDeleted")] = None,
    auth: Auth = authenticated(P.ADMIN_USER_READ, admin=True),
    svc: UserAdminService = service(UserAdminService),
) -> list[g.UserAdminResponseDto]:
    return svc.search(id, with_deleted)


@router.post("", operation_id="createUserAdmin", status_code=201, response_model=g.UserAdminResponseDto)
def create_user_admin(
    dto: r.UserAdminCreateDto,
    auth: Auth = authenticated(P.ADMIN_USER_CREATE, admin=True),
    svc: UserAdminService = service(UserAdminService),
) -> g.UserAdminResponseDto:
    return svc.create(dto)


@router.get("/{id}", operation_id="getUserAdmin", response_model=g.UserAdminResponseDto)
def get_user_admin(
    id: UUID,
    auth: Auth = authenticated(P.ADMIN_USER_READ, admin=True),
    svc: UserAdminService = service(UserAdminService),
) -> g.UserAdminResponseDto:
    return svc.get(id)


@router.put("/{id}", operation_id="updateUserAdmin", response_model=g.UserAdminResponseDto)
def update_user_admin(
    id: UUID,
    dto: r.UserAdminUpdateDto,
    auth: Auth = authenticated(P.ADMIN_USER_UPDATE, admin=True),
    svc: UserAdminService = service(UserAdminService),
) -> g.UserAdminResponseDto:
    return svc.update(id, dto)


@router.delete("/{id}", operation_id="deleteUserAdmin", status_code=200, response_model=g.UserAdminResponseDto)
def delete_user_admin(
    id: UUID,
    # Express reads a missing JSON body as `{}`, so the body may be left out.
    dto: Annotated[g.UserAdminDeleteDto, Body()] = g.UserAdminDeleteDto(),
    auth: Auth = authenticated(P.ADMIN_USER_DELETE, admin=True),
    svc: UserAdminService = service(UserAdminService),
) -> g.UserAdminResponseDto:
    return svc.delete(id, dto)


@router.get("/{id}/preferences", operation_id="getUserPreferencesAdmin", response_model=g.UserPreferencesResponseDto)
def get_user_preferences_admin(
    id: UUID,
    auth: Auth = authenticated(P.ADMIN_USER_READ, admin=True),
    svc: UserAdminService = service(UserAdminService),
) -> g.UserPreferencesResponseDto:
    return svc.get_preferences(id)


@router.put("/{id}/preferences", operation_id="updateUserPreferencesAdmin", response_model=g.UserPreferencesResponseDto)
def update_user_preferences_admin(
    id: UUID,
    dto: r.UserPreferencesUpdateDto,
    auth: Auth = authenticated(P.ADMIN_USER_UPDATE, admin=True),
    svc: UserAdminService = service(UserAdminService),
) -> g.UserPreferencesResponseDto:
    return svc.update_preferences(id, dto)


@router.post("/{id}/restore", operation_id="restoreUserAdmin", status_code=200, response_model=g.UserAdminResponseDto)
def restore_user_admin(
    id: UUID,
    auth: Auth = authenticated(P.ADMIN_USER_DELETE, admin=True),
    svc: UserAdminService = service(UserAdminService),
) -> g.UserAdminResponseDto:
    return svc.restore(id)


@router.get("/{id}/statistics", operation_id="getUserStatisticsAdmin", response_model=g.AssetStatsResponseDto)
def get_user_statistics_admin(
    id: UUID,
    is_favorite: Annotated[bool | None, Query(alias="isFavorite")] = None,
    is_trashed: Annotated[bool | None, Query(alias="isTrashed")] = None,
    visibility: g.AssetVisibility | None = None,
    auth: Auth = authenticated(P.ADMIN_USER_READ, admin=True),
    svc: UserAdminService = service(UserAdminService),
) -> g.AssetStatsResponseDto:
    return svc.get_statistics(id, is_favorite, is_trashed, visibility)
