"""Asset routes that read and change assets (`asset.controller.ts`); media routes live in asset_media."""

from __future__ import annotations

from uuid import UUID

from fastapi import Query

from photonest.api.deps import authenticated, service
from photonest.api.router import ApiRouter
from photonest.records import Auth
from photonest.schemas import generated as g
from photonest.services.asset import AssetService

router = ApiRouter(prefix="/assets", tags=["Assets"])


@router.delete("", operation_id="deleteAssets", status_code=204)
def delete_assets(
    dto: g.AssetBulkDeleteDto, auth: Auth = authenticated(), svc: AssetService = service(AssetService)
) -> None:
    svc.delete_all(auth, dto)


@router.put("", operation_id="updateAssets", status_code=204)
def update_assets(
    dto: g.AssetBulkUpdateDto, auth: Auth = authenticated(), svc: AssetService = service(AssetService)
) -> None:
    svc.update_all(auth, dto)


@router.post("/jobs", operation_id="runAssetJobs", status_code=204)
def run_asset_jobs(
    dto: g.AssetJobsDto, auth: Auth = authenticated(), svc: AssetService = service(AssetService)
) -> None:
    svc.run_jobs(auth, dto)


@router.get("/{id}", operation_id="getAssetInfo", response_model=g.AssetResponseDto)
def get_asset_info(
    id: UUID,
    key: str | None = Query(None),
    auth: Auth = authenticated(shared_link=True),
    svc: AssetService = service(AssetService),
) -> g.AssetResponseDto:
    return svc.get(auth, id)


@router.put("/{id}", operation_id="updateAsset", response_model=g.AssetResponseDto)
def update_asset(
    id: UUID, dto: g.UpdateAssetDto, auth: Auth = authenticated(), svc: AssetService = service(AssetService)
) -> g.AssetResponseDto:
    return svc.update(auth, id, dto)
