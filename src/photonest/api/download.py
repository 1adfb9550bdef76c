"""Download routes."""

from __future__ import annotations

from photonest.api.router import ApiRouter

router = ApiRouter(prefix="/download", tags=["Download"])
