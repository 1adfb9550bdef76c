"""Albums routes (`album.controller.ts`)."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import Path, Query

from photonest.api.deps import authenticated, service
from photonest.api.router import ApiRouter
from photonest.records import Auth
from photonest.schemas import album as a
from photonest.schemas import generated as g
from photonest.schemas.album import parse_me_or_uuid
from photonest.services.album import AlbumService

router = ApiRouter(prefix="/albums", tags=["Albums"])
P = g.Permission


@router.get("", operation_id="getAllAlbums", response_model=list[g.AlbumResponseDto])
def get_all_albums(
    asset_id: Annotated[
        UUID | None,
        Query(
            alias="assetId",
            description="Only returns albums that contain the asset\nIgnores the shared parameter\n"
            "undefined: get all albums",
        ),
    ] = None,
    shared: bool | None = None,
    auth: Auth = authenticated(P.ALBUM_READ),
    svc: AlbumService = service(AlbumService),
) -> list[g.AlbumResponseDto]:
    return svc.get_all(auth, asset_id, shared)


@router.post("", operation_id="createAlbum", status_code=201, response_model=g.AlbumResponseDto)
def create_album(
    dto: a.CreateAlbumDto, auth: Auth = authenticated(P.ALBUM_CREATE), svc: AlbumService = service(AlbumService)
) -> g.AlbumResponseDto:
    return svc.create(auth, dto)


@router.get("/statistics", operation_id="getAlbumStatistics", response_model=g.AlbumStatisticsResponseDto)
def get_album_statistics(
    auth: Auth = authenticated(P.ALBUM_STATISTICS), svc: AlbumService = service(AlbumService)
) -> g.AlbumStatisticsResponseDto:
    return svc.get_statistics(auth)


@router.delete("/{id}", operation_id="deleteAlbum", status_code=200)
def delete_album(
    id: UUID, auth: Auth = authenticated(P.ALBUM_DELETE), svc: AlbumService = service(AlbumService)
) -> None:
    svc.delete(auth, id)


@router.get("/{id}", operation_id="getAlbumInfo", response_model=g.AlbumResponseDto)
def get_album_info(
    id: UUID,
    key: str | None = None,
    without_assets: Annotated[bool | None, Query(alias="withoutAssets")] = None,
    auth: Auth = authenticated(P.ALBUM_READ, shared_link=True),
    svc: AlbumService = service(AlbumService),
) -> g.AlbumResponseDto:
    return svc.get(auth, id, without_assets)


@router.patch("/{id}", operation_id="updateAlbumInfo", response_model=g.AlbumResponseDto)
def update_album_info(
    id: UUID,
    dto: g.UpdateAlbumDto,
    auth: Auth = authenticated(P.ALBUM_UPDATE),
    svc: AlbumService = service(AlbumService),
) -> g.AlbumResponseDto:
    return svc.update(auth, id, dto)


@router.delete("/{id}/assets", operation_id="removeAssetFromAlbum", response_model=list[g.BulkIdResponseDto])
def remove_asset_from_album(
    id: UUID, dto: g.BulkIdsDto, auth: Auth = authenticated(), svc: AlbumService = service(AlbumService)
) -> list[g.BulkIdResponseDto]:
    return svc.remove_assets(auth, id, dto)


@router.put("/{id}/assets", operation_id="addAssetsToAlbum", response_model=list[g.BulkIdResponseDto])
def add_assets_to_album(
    id: UUID,
    dto: g.BulkIdsDto,
    key: str | None = None,
    auth: Auth = authenticated(shared_link=True),
    svc: AlbumService = service(AlbumService),
) -> list[g.BulkIdResponseDto]:
    return svc.add_assets(auth, id, dto)


@router.delete("/{id}/user/{userId}", operation_id="removeUserFromAlbum", status_code=200)
def remove_user_from_album(
    id: UUID,
    user_id: Annotated[str, Path(alias="userId")],
    auth: Auth = authenticated(),
    svc: AlbumService = service(AlbumService),
) -> None:
    svc.remove_user(auth, id, parse_me_or_uuid(user_id))


@router.put("/{id}/user/{userId}", operation_id="updateAlbumUser", status_code=200)
def update_album_user(
    id: UUID,
    dto: g.UpdateAlbumUserDto,
    user_id: Annotated[str, Path(alias="userId")],
    auth: Auth = authenticated(),
    svc: AlbumService = service(AlbumService),
) -> None:
    svc.update_user(auth, id, parse_me_or_uuid(user_id), dto)


@router.put("/{id}/users", operation_id="addUsersToAlbum", response_model=g.AlbumResponseDto)
def add_users_to_album(
    id: UUID, dto: g.AddUsersDto, auth: Auth = authenticated(), svc: AlbumService = service(AlbumService)
) -> g.AlbumResponseDto:
    return svc.add_users(auth, id, dto)
