"""Search routes (`search.controller.ts`)."""

from __future__ import annotations

from photonest.api.router import ApiRouter

router = ApiRouter(prefix="/search", tags=["Search"])
