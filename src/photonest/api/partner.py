"""Partners routes (`partner.controller.ts`)."""

from __future__ import annotations

from uuid import UUID

from photonest.api.deps import authenticated, service
from photonest.api.router import ApiRouter
from photonest.records import Auth
from photonest.schemas import generated as g
from photonest.services.partner import PartnerService

router = ApiRouter(prefix="/partners", tags=["Partners"])
P = g.Permission


@router.get("", operation_id="getPartners", response_model=list[g.PartnerResponseDto])
def get_partners(
    direction: g.PartnerDirection,
    auth: Auth = authenticated(P.PARTNER_READ),
    svc: PartnerService = service(PartnerService),
) -> list[g.PartnerResponseDto]:
    return svc.search(auth, direction)


@router.post("/{id}", operation_id="createPartner", status_code=201, response_model=g.PartnerResponseDto)
def create_partner(
    id: UUID, auth: Auth = authenticated(P.PARTNER_CREATE), svc: PartnerService = service(PartnerService)
) -> g.PartnerResponseDto:
    return svc.create(auth, id)


@router.put("/{id}", operation_id="updatePartner", response_model=g.PartnerResponseDto)
def update_partner(
    id: UUID,
    dto: g.UpdatePartnerDto,
    auth: Auth = authenticated(P.PARTNER_UPDATE),
    svc: PartnerService = service(PartnerService),
) -> g.PartnerResponseDto:
    return svc.update(auth, id, dto)


@router.delete("/{id}", operation_id="removePartner", status_code=200)
def remove_partner(
    id: UUID, auth: Auth = authenticated(P.PARTNER_DELETE), svc: PartnerService = service(PartnerService)
) -> None:
    svc.remove(auth, id)
