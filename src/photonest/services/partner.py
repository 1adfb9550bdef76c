"""Partner sharing: share your library with another user, and show theirs in your timeline (`partner.service.ts`)."""

from __future__ import annotations

from uuid import UUID

from photonest.errors import BadRequest
from photonest.records import Auth, Partner, User
from photonest.schemas import generated as g
from photonest.schemas.mappers import map_user
from photonest.services.access import require_access
from photonest.services.base import BaseService


def map_partner(partner: Partner, other: User) -> g.PartnerResponseDto:
    """The other user of the partnership, with whether their assets show in the timeline."""
    return g.PartnerResponseDto(**map_user(other).model_dump(), in_timeline=partner.in_timeline)


class PartnerService(BaseService):
    """Partnerships of the caller, in both directions."""

    def search(self, auth: Auth, direction: g.PartnerDirection) -> list[g.PartnerResponseDto]:
        if direction == g.PartnerDirection.SHARED_BY:
            pairs = self.repos.partners.list_shared_by(auth.user_id)
        else:
            pairs = self.repos.partners.list_shared_with(auth.user_id)
        return [map_partner(partner, other) for partner, other in pairs]

    def create(self, auth: Auth, shared_with_id: UUID) -> g.PartnerResponseDto:
        """Share the caller's library with another user."""
        if self.repos.partners.get(auth.user_id, shared_with_id) is not None:
            raise BadRequest("Partner already exists")
        if shared_with_id == auth.user_id:
            raise BadRequest("Cannot share with yourself")
        user = self.repos.users.get(shared_with_id)
        if user is None:
            raise BadRequest("Invalid user")
        return map_partner(self.repos.partners.create(auth.user_id, shared_with_id), user)

    def update(self, auth: Auth, shared_by_id: UUID, dto: g.UpdatePartnerDto) -> g.PartnerResponseDto:
        """Show or hide the assets of a user who shares with the caller in the caller's timeline."""
        require_access(self.repos, auth, g.Permission.PARTNER_UPDATE, [shared_by_id])
        partner = self.repos.partners.update(shared_by_id, auth.user_id, {"in_timeline": dto.in_timeline})
        other = self.repos.users.get(shared_by_id, with_deleted=True)
        if other is None:
            raise BadRequest("Partner not found")
        return map_partner(partner, other)

    def remove(self, auth: Auth, shared_with_id: UUID) -> None:
        """Stop sharing the caller's library with this user."""
        if self.repos.partners.get(auth.user_id, shared_with_id) is None:
            raise BadRequest("Partner not found")
        self.repos.partners.delete(auth.user_id, shared_with_id)
