"""Map routes (`map.controller.ts`)."""

from __future__ import annotations

from photonest.api.router import ApiRouter

router = ApiRouter(prefix="/map", tags=["Map"])
