"""Smart search: CLIP embeddings of assets and ranked text search (`smart-info.service.ts`)."""

from __future__ import annotations

from photonest.errors import BadRequest
from photonest.records import Auth
from photonest.schemas import generated as g
from photonest.services.base import BaseService


class SmartInfoService(BaseService):
    """Embeds previews and answers `POST /search/smart`."""

    def search_smart(self, auth: Auth, dto: g.SmartSearchDto) -> g.SearchResponseDto:
        """Assets ranked by how close their embedding is to the query text's."""
        raise BadRequest("Smart search is not enabled")
