"""SQL for activitys."""

from __future__ import annotations

from photonest.repositories.base import Repository


class ActivityRepository(Repository):
    """SQL for the `activity` tables."""
