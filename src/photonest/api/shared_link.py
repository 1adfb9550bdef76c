"""Shared Links routes (`shared-link.controller.ts`)."""

from __future__ import annotations

from photonest.api.router import ApiRouter

router = ApiRouter(prefix="/shared-links", tags=["Shared Links"])
