"""View routes."""

from __future__ import annotations

from photonest.api.router import ApiRouter

router = ApiRouter(prefix="/view", tags=["View"])
