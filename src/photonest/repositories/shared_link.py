"""SQL for shared links."""

from __future__ import annotations

from photonest.repositories.base import Repository


class SharedLinkRepository(Repository):
    """SQL for the `shared_link` tables."""
