"""Face routes (`face.controller.ts`)."""

from __future__ import annotations

from photonest.api.router import ApiRouter

router = ApiRouter(prefix="/faces", tags=["Faces"])
