"""Duplicate routes (`duplicate.controller.ts`)."""

from __future__ import annotations

from photonest.api.deps import authenticated, service
from photonest.api.router import ApiRouter
from photonest.records import Auth
from photonest.schemas import generated as g
from photonest.services.duplicate import DuplicateService

router = ApiRouter(prefix="/duplicates", tags=["Duplicates"])


@router.get("", operation_id="getAssetDuplicates", response_model=list[g.DuplicateResponseDto])
def get_asset_duplicates(
    auth: Auth = authenticated(), svc: DuplicateService = service(DuplicateService)
) -> list[g.DuplicateResponseDto]:
    return svc.get_duplicates(auth)
