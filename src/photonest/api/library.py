"""External library routes (`library.controller.ts`)."""

from __future__ import annotations

from photonest.api.router import ApiRouter

router = ApiRouter(prefix="/libraries", tags=["Libraries"])
