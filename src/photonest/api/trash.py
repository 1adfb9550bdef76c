"""Trash routes (`trash.controller.ts`)."""

from __future__ import annotations

from photonest.api.deps import authenticated, service
from photonest.api.router import ApiRouter
from photonest.records import Auth
from photonest.schemas import generated as g
from photonest.services.trash import TrashService

router = ApiRouter(prefix="/trash", tags=["Trash"])
P = g.Permission


@router.post("/empty", operation_id="emptyTrash", status_code=200, response_model=g.TrashResponseDto)
def empty_trash(
    auth: Auth = authenticated(P.ASSET_DELETE), svc: TrashService = service(TrashService)
) -> g.TrashResponseDto:
    return svc.empty(auth)


@router.post("/restore", operation_id="restoreTrash", status_code=200, response_model=g.TrashResponseDto)
def restore_trash(
    auth: Auth = authenticated(P.ASSET_DELETE), svc: TrashService = service(TrashService)
) -> g.TrashResponseDto:
    return svc.restore(auth)


@router.post("/restore/assets", operation_id="restoreAssets", status_code=200, response_model=g.TrashResponseDto)
def restore_assets(
    dto: g.BulkIdsDto, auth: Auth = authenticated(P.ASSET_DELETE), svc: TrashService = service(TrashService)
) -> g.TrashResponseDto:
    return svc.restore_assets(auth, dto.ids)
