"""Tags routes (`tag.controller.ts`)."""

from __future__ import annotations

from photonest.api.router import ApiRouter

router = ApiRouter(prefix="/tags", tags=["Tags"])
