"""Stacks routes."""

from __future__ import annotations

from photonest.api.router import ApiRouter

router = ApiRouter(prefix="/stacks", tags=["Stacks"])
