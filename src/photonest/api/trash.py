"""Trash routes."""

from __future__ import annotations

from photonest.api.router import ApiRouter

router = ApiRouter(prefix="/trash", tags=["Trash"])
