"""Users (admin) routes."""

from __future__ import annotations

from photonest.api.router import ApiRouter

router = ApiRouter(prefix="/admin/users", tags=["Users (admin)"])
