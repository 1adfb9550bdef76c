"""SQL for memorys."""

from __future__ import annotations

from photonest.repositories.base import Repository


class MemoryRepository(Repository):
    """SQL for the `memory` tables."""
