"""System Metadata routes (`system-metadata.controller.ts`)."""

from __future__ import annotations

from photonest.api.deps import authenticated, service
from photonest.api.router import ApiRouter
from photonest.records import Auth
from photonest.schemas import generated as g
from photonest.services.system_metadata import SystemMetadataService

router = ApiRouter(prefix="/system-metadata", tags=["System Metadata"])
P = g.Permission


@router.get("/admin-onboarding", operation_id="getAdminOnboarding", response_model=g.AdminOnboardingUpdateDto)
def get_admin_onboarding(
    auth: Auth = authenticated(P.SYSTEM_METADATA_READ, admin=True),
    svc: SystemMetadataService = service(SystemMetadataService),
) -> g.AdminOnboardingUpdateDto:
    return svc.get_admin_onboarding()


@router.post("/admin-onboarding", operation_id="updateAdminOnboarding", status_code=204)
def update_admin_onboarding(
    dto: g.AdminOnboardingUpdateDto,
    auth: Auth = authenticated(P.SYSTEM_METADATA_UPDATE, admin=True),
    svc: SystemMetadataService = service(SystemMetadataService),
) -> None:
    svc.update_admin_onboarding(dto)


@router.get(
    "/reverse-geocoding-state",
    operation_id="getReverseGeocodingState",
    response_model=g.ReverseGeocodingStateResponseDto,
)
def get_reverse_geocoding_state(
    auth: Auth = authenticated(P.SYSTEM_METADATA_READ, admin=True),
    svc: SystemMetadataService = service(SystemMetadataService),
) -> g.ReverseGeocodingStateResponseDto:
    return svc.get_reverse_geocoding_state()


@router.get("/version-check-state", operation_id="getVersionCheckState", response_model=g.VersionCheckStateResponseDto)
def get_version_check_state(
    auth: Auth = authenticated(P.SYSTEM_METADATA_READ, admin=True),
    svc: SystemMetadataService = service(SystemMetadataService),
) -> g.VersionCheckStateResponseDto:
    return svc.get_version_check_state()
