"""Timeline routes."""

from __future__ import annotations

from photonest.api.router import ApiRouter

router = ApiRouter(prefix="/timeline", tags=["Timeline"])
