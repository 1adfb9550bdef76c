"""View routes (`view.controller.ts`)."""

from __future__ import annotations

from photonest.api.deps import authenticated, service
from photonest.api.router import ApiRouter
from photonest.records import Auth
from photonest.schemas import generated as g
from photonest.services.view import ViewService

router = ApiRouter(prefix="/view", tags=["View"])


@router.get("/folder", operation_id="getAssetsByOriginalPath", response_model=list[g.AssetResponseDto])
def get_assets_by_original_path(
    path: str, auth: Auth = authenticated(), svc: ViewService = service(ViewService)
) -> list[g.AssetResponseDto]:
    return svc.get_assets_by_original_path(auth, path)


@router.get("/folder/unique-paths", operation_id="getUniqueOriginalPaths", response_model=list[str])
def get_unique_original_paths(auth: Auth = authenticated(), svc: ViewService = service(ViewService)) -> list[str]:
    return svc.get_unique_original_paths(auth)
